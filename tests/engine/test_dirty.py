"""``mkdocs serve --dirty`` (``make serve``) builds only the pages that
changed: the listings plugin adds those MkDocs cannot see, and builds every
page where Material's search index would otherwise lose or repeat entries.
In this process, through MkDocs' own ``build(config, dirty=True)``."""

from __future__ import annotations

import collections
import json

import pytest
from conftest import SCRATCH_MKDOCS_YML, listing

MKDOCS_YML = (
    SCRATCH_MKDOCS_YML.replace(
        "plugins:\n", "theme:\n  name: material\nplugins:\n  - search\n"
    )
    + "nav:\n  - Home: index.md\n  - A: a.md\n  - B: b.md\n"
)


def snippet(said: str) -> str:
    """A listing whose output (upper case) is not in its code."""
    return f'# --8<-- [start:say]\nprint("{said}".upper())\n# --8<-- [end:say]\n'


@pytest.fixture
def dirty_site(tmp_path, monkeypatch):
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    (tmp_path / "docs").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "mkdocs.yml").write_text(MKDOCS_YML)
    (tmp_path / "docs" / "index.md").write_text("# Home\n\nThe home page.\n")
    for name in "ab":
        (tmp_path / "snippets" / f"{name}.py").write_text(snippet(name))
        page = f"# Page {name}\n\n" + listing("say", name.upper(), file=f"{name}.py")
        (tmp_path / "docs" / f"{name}.md").write_text(page)
    monkeypatch.chdir(tmp_path)  # as `mkdocs serve` run there
    configs = []

    def build_dirty() -> dict[str, int]:
        """Build, and say when each page's HTML was written."""
        config = load_config(
            str(tmp_path / "mkdocs.yml"), site_dir=str(tmp_path / "site")
        )
        if not configs:  # as `mkdocs serve --dirty` starts; its plugins stay
            config.plugins.on_startup(command="build", dirty=True)
        configs.append(config)
        build(config, dirty=True)
        return {
            name: (tmp_path / "site" / path / "index.html").stat().st_mtime_ns
            for name, path in (("index", ""), ("a", "a"), ("b", "b"))
        }

    try:
        yield tmp_path, build_dirty
    finally:  # the plugin instance outlives this test: leave it as a build's
        if configs:
            configs[-1].plugins.on_startup(command="build", dirty=False)
            configs[-1].plugins.on_shutdown()


def search_pages(root) -> list[str]:
    """Each page with entries in the search index; no entry twice."""
    index = json.loads((root / "site" / "search" / "search_index.json").read_text())
    locations = collections.Counter(entry["location"] for entry in index["docs"])
    assert [loc for loc, n in locations.items() if n > 1] == []
    return sorted({location.split("#")[0] for location in locations})


def test_a_dirty_build_builds_what_changed_and_keeps_search_whole(dirty_site):
    root, build_dirty = dirty_site
    pages = ["", "a/", "b/"]
    first = build_dirty()
    assert search_pages(root) == pages
    assert build_dirty() == first  # nothing changed, nothing built
    # A snippet alone: MkDocs sees no change of a.md; the plugin builds it.
    (root / "snippets" / "a.py").write_text(snippet("a, edited"))
    after = build_dirty()
    assert "A, EDITED" in (root / "site" / "a" / "index.html").read_text()
    assert [after[n] == first[n] for n in ("index", "a", "b")] == [True, False, True]
    assert search_pages(root) == pages
    # The home page's address is a prefix of every other: all are built.
    home = root / "docs" / "index.md"
    home.write_text(home.read_text() + "\nMore.\n")
    again = build_dirty()
    assert all(again[n] != after[n] for n in ("index", "a", "b"))
    assert search_pages(root) == pages
    # Two pages at once: all are built (the index keeps the first page's only).
    for name in "ab":
        page = root / "docs" / f"{name}.md"
        page.write_text(page.read_text() + "\nMore.\n")
    last = build_dirty()
    assert all(last[n] != again[n] for n in ("index", "a", "b"))
    assert search_pages(root) == pages
