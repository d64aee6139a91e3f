"""The site's own pages keep the invariants the engine relies on."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys

import pytest
from conftest import REPO

from listings import Project
from listings.page import SnippetPreprocessor
from listings.verify import normalize

PROJECT = Project.from_root(REPO)
PAGES = [p for p in PROJECT.page_paths() if PROJECT.load(p).listings]
MARKER = SnippetPreprocessor.RE_SNIPPET_SECTION


def sections_in_file(text: str) -> tuple[list[str], list[str]]:
    """Section names in file order, and lines that stand outside any section."""
    names, outside, current = [], [], None
    for number, line in enumerate(text.splitlines(), start=1):
        m = MARKER.match(line)
        if m and m.group("type") == "start":
            current = m.group("name")
            names.append(current)
        elif m and m.group("type") == "end":
            current = None
        elif current is None and line.strip():
            outside.append(f"{number}: {line}")
    return names, outside


def test_there_are_pages_with_listings():
    assert len(PAGES) >= 1


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_snippet_file_is_the_page_in_order(path):
    page = PROJECT.load(path)
    snippet = PROJECT.snippet_dirs[0] / f"{path.stem}.py"
    assert {item.snippet for item in page.listings} == {snippet.resolve()}, (
        f"{page.name} must take all its listings from {snippet.name}"
    )
    names, outside = sections_in_file(snippet.read_text())
    assert not outside, f"code outside any section in {snippet.name}: {outside}"
    assert names == [item.name for item in page.listings], (
        f"{snippet.name} must hold exactly the page's sections, in page order"
    )


def test_every_snippet_module_has_a_page():
    pages = {p.stem for p in PAGES}
    modules = {p.stem for p in PROJECT.snippet_dirs[0].glob("*.py")}
    assert modules <= pages | extra_scripts()


def extra_scripts() -> set[str]:
    """Scripts a page runs in a child process (named in a listing's code)."""
    names = set()
    for path in PAGES:
        for item in PROJECT.load(path).listings:
            names |= set(re.findall(r"snippets/(\w+)\.py", item.code))
    return names


def test_running_the_snippet_file_prints_the_page():
    path = PROJECT.docs_dir / "tensors.md"
    page = PROJECT.load(path)
    done = subprocess.run(
        [sys.executable, str(REPO / "snippets" / "tensors.py")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONWARNINGS": "error"},
        timeout=300,
    )
    outputs = [normalize(item.expected or "") for item in page.listings]
    expected = "\n".join(out for out in outputs if out)
    assert normalize(done.stdout) == expected


def test_every_chapter_has_a_card_on_the_home_page():
    """A new chapter is in the nav and has its card on the home page."""
    home = (PROJECT.docs_dir / "index.md").read_text()
    cards = set(
        re.findall(r"^-   :[\w-]+: \*\*\[[^\]]+\]\(([\w-]+\.md)\)\*\*", home, re.M)
    )
    chapters = {path.name for path in PAGES}
    assert chapters - cards == set(), "chapters without a card on docs/index.md"
    nav = (REPO / "mkdocs.yml").read_text().split("\nnav:", 1)[1]
    assert all(f": {name}" in nav for name in chapters), "a chapter is not in the nav"


def test_the_ddp_script_holds_the_lightning_chapters_classes_unchanged():
    """The Scaling page says its script's MNISTDataModule and LitMLP are the
    Lightning chapter's own: their syntax trees are the same."""
    import ast

    def classes(path):
        tree = ast.parse(path.read_text())
        return {
            node.name: ast.dump(node)
            for node in tree.body
            if isinstance(node, ast.ClassDef)
        }

    chapter = classes(REPO / "snippets" / "pytorch-lightning.py")
    script = classes(REPO / "snippets" / "ddp" / "lightning_ddp.py")
    for name in ("MNISTDataModule", "LitMLP"):
        assert script[name] == chapter[name], f"{name} differs"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_a_page_limit_of_its_own_fits_inside_the_engine_limit(path):
    """A listing that runs a script under a limit of its own (``run_script``,
    ``TIME_LIMIT``) gets a longer one from the engine, so that the page's
    own limit, with its message and its cleanup, is the one that expires."""
    from listings.run import limit_of

    page = PROJECT.load(path)
    code = "\n".join(listing.code for listing in page.listings)
    own = [float(n) for n in re.findall(r"^TIME_LIMIT = ([\d.]+)", code, re.M)]
    for listing in page.listings:
        calls = [
            node
            for node in ast.walk(ast.parse(listing.code))
            if isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "run_script"
            and not any(k.arg == "time_limit" for k in node.keywords)
        ]
        if own and calls:
            assert limit_of(listing, PROJECT.settings) > max(own), listing.id
