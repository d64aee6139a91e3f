"""The memos of the preview package change the time of a build, not its bytes.

A scratch Material site is built twice in one process, as ``mkdocs serve``
does, with a prose edit in between; the second build must take its
highlighting, search entries and templates from the memos, and its every file
must equal a build of the edited site without the memos. A new process then
builds from the memos saved on disk (highlighting and search; compiled
templates are never saved), and a damaged, edited or re-signed memo file is
ignored.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from conftest import REPO

MKDOCS_YML = f"""
site_name: Memo test
site_url: https://example.org/memo/
theme:
  name: material
  font: false
  features: [content.code.copy, search.highlight]
hooks:
  - {REPO / "hooks" / "fast_preview.py"}
plugins:
  - search
markdown_extensions:
  - admonition
  - attr_list
  - md_in_html
  - toc:
      permalink: true
  - pymdownx.details
  - pymdownx.highlight:
      pygments_lang_class: true
  - pymdownx.inlinehilite
  - pymdownx.superfences
  - pymdownx.tabbed:
      alternate_style: true
nav:
  - Home: index.md
  - Tensors: tensors.md
"""

INDEX = """
# Home

Some `#!python inline` code and a [link](tensors.md#strides).

``` python title="A titled block"
print("hello")
```
"""

TENSORS = """
# Tensors

## Strides

```python
import torch

x = torch.arange(6).reshape(2, 3)
print(x.stride())
```

```{ .text .listing-output }
(3, 1)
```

??? note "A collapsed note"

    ```python hl_lines="2"
    y = x.T
    print(y.is_contiguous())
    ```

=== "One"

    ```python
    print(1)
    ```

=== "Two"

    ```python
    print(2)
    ```

The same code, shown as text and with a line highlighted:

```text
print(2)
```

```python hl_lines="1"
print(2)
```
"""

# Builds in one process, the way `mkdocs serve` and `mkdocs build` run them.
DRIVER = """
import json, shutil, sys
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config
import preview

def once(site_dir, serve=False):
    config = load_config("mkdocs.yml", site_dir=str(site_dir))
    if serve:
        config.plugins.on_startup(command="serve", dirty=False)
    build(config)
    return dict(preview.stats)

def forget():
    # What a new process starts with: no memo in memory, no store.
    for memo in preview.MEMOS.values():
        memo.current.clear()
        memo.previous.clear()
    preview._stores.clear()

mode, out = sys.argv[1], Path(sys.argv[2])
if mode == "build":
    print(json.dumps(once(out)))
elif mode == "serve":  # a build, a prose edit, a rebuild
    once(out / "first", serve=True)
    page = Path("docs/tensors.md")
    page.write_text(page.read_text() + "\\nA sentence added while serving.\\n")
    print(json.dumps(once(out / "memo", serve=True)))
elif mode == "damaged":  # each damaged memo file, read as a new process would
    memo_file = Path(".cache/preview/memo.json")
    stats = {}
    for damaged in sorted(Path(sys.argv[3]).glob("*.json")):
        shutil.copyfile(damaged, memo_file)
        forget()
        stats[damaged.stem] = once(out / damaged.stem)
        stats[damaged.stem]["rewritten"] = memo_file.read_text() != damaged.read_text()
    print(json.dumps(stats))
"""


def mkdocs_site(root: Path) -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(MKDOCS_YML)
    hook = f"hooks:\n  - {REPO / 'hooks' / 'fast_preview.py'}\n"
    assert hook in MKDOCS_YML
    (root / "without-memos.yml").write_text(MKDOCS_YML.replace(hook, ""))
    (root / "docs" / "index.md").write_text(textwrap.dedent(INDEX).lstrip())
    (root / "docs" / "tensors.md").write_text(textwrap.dedent(TENSORS).lstrip())
    return root


# The memo file's signing key, outside the scratch sites (one for the session).
KEY_FILE = Path(tempfile.gettempdir()) / f"preview-test-{os.getuid()}.key"


def run(root: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": "/usr/bin:/bin",
            "NO_MKDOCS_2_WARNING": "1",
            "PREVIEW_KEY_FILE": str(KEY_FILE),
            "PYTHONPATH": str(REPO),  # this tree's preview package
        },
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def drive(root: Path, mode: str, *args: Path) -> dict:
    return json.loads(run(root, "-c", DRIVER, mode, *map(str, args)))


def contents(site_dir: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(site_dir.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":  # the gzip header holds a timestamp
                data = gzip.decompress(data)
            files[path.relative_to(site_dir).as_posix()] = data
    return files


def build_without_memos(root: Path, site_dir: Path) -> dict[str, bytes]:
    run(root, "-m", "mkdocs", "build", "-q", "-f", "without-memos.yml", "-d", site_dir)
    return contents(site_dir)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, bytes]:
    """The scratch site, as MkDocs builds it without the memos."""
    root = mkdocs_site(tmp_path_factory.mktemp("reference") / "src")
    return build_without_memos(root, root.parent / "site")


def test_a_memoized_rebuild_equals_a_build_without_memos(tmp_path):
    root = mkdocs_site(tmp_path / "src")
    stats = drive(root, "serve", tmp_path)

    # The edited page is indexed anew; the other comes from the memo, as do
    # every unchanged code block and every compiled template.
    assert stats["search hit"] == 1, stats
    assert stats["search miss"] == 1, stats
    assert stats["highlight hit"] >= 7, stats
    assert stats.get("highlight miss", 0) == 0, stats
    assert stats["templates hit"] > 0, stats
    assert stats.get("templates miss", 0) == 0, stats
    # The unchanged page's Markdown is not rendered again; the edited one is.
    assert stats["render hit"] == 1 and stats["render miss"] == 1, stats

    memo = contents(tmp_path / "memo")
    fresh = build_without_memos(root, tmp_path / "fresh")
    assert sorted(memo) == sorted(fresh)
    differing = [name for name in fresh if memo[name] != fresh[name]]
    assert differing == []
    assert b"A sentence added while serving." in memo["tensors/index.html"]
    index = json.loads(memo["search/search_index.json"])
    assert any("A sentence added" in doc["text"] for doc in index["docs"])
    assert any(doc["location"] == "tensors/#strides" for doc in index["docs"])


@pytest.fixture(scope="module")
def memoized(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """The scratch site after one build with the memos: its root and stats."""
    root = mkdocs_site(tmp_path_factory.mktemp("memoized") / "src")
    return root, drive(root, "build", root.parent / "first")


def test_a_new_process_builds_from_the_memos_on_disk(tmp_path, memoized, reference):
    root, first = memoized
    assert first["search miss"] == 2 and "search hit" not in first, first
    assert (root / ".cache" / "preview" / "memo.json").is_file()

    saved = json.loads((root / ".cache" / "preview" / "memo.json").read_text())
    assert sorted(saved["payload"]) == ["highlight", "search", "views"]  # no bytecode

    second = drive(root, "build", tmp_path / "second")
    assert second["search hit"] == 2 and "search miss" not in second, second
    assert second["highlight hit"] >= 7 and "highlight miss" not in second, second
    # Compiled templates are never read from disk: a new process compiles.
    assert "templates hit" not in second and second["templates miss"] > 0, second
    assert contents(tmp_path / "second") == reference


def resigned(text: str) -> str:
    """An edited memo file, signed the way someone without the key could."""
    entry = json.loads(text.replace("hello", "HACKED"))
    payload = json.dumps(entry["payload"], sort_keys=True)
    entry["signature"] = hashlib.sha256(payload.encode()).hexdigest()
    return json.dumps(entry)


DAMAGES = {
    "truncated": lambda text: text[: len(text) // 2],
    "tampered": lambda text: text.replace("hello", "HACKED"),
    "re-signed": resigned,
    "other-environment": lambda text: text.replace('"format": "2"', '"format": "0"'),
}


def test_a_damaged_memo_file_is_ignored_and_rewritten(tmp_path, memoized, reference):
    root = shutil.copytree(memoized[0], tmp_path / "src")
    text = (root / ".cache" / "preview" / "memo.json").read_text()
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for name, damage in DAMAGES.items():
        assert damage(text) != text, name
        (damaged / f"{name}.json").write_text(damage(text))

    stats = drive(root, "damaged", tmp_path / "sites", damaged)
    assert sorted(stats) == sorted(DAMAGES)
    for name, found in stats.items():
        assert "search hit" not in found and "highlight hit" not in found, name
        assert found["rewritten"], name
        assert contents(tmp_path / "sites" / name) == reference, name
    assert json.loads((root / ".cache" / "preview" / "memo.json").read_text())


def test_a_render_is_keyed_by_the_files_it_includes_and_the_sites_files(
    tmp_path, monkeypatch
):
    """The render memo's key: the content of each file pymdownx.snippets
    includes in the page (directly, through an included file, or appended to
    every page), or of every file it could include when the page uses the
    block form; and, for every page, the site's files and their URLs."""
    import preview

    monkeypatch.chdir(tmp_path)
    (tmp_path / "snippets").mkdir()
    code = tmp_path / "snippets" / "page.py"
    code.write_text("print(1)\n")
    (tmp_path / "snippets" / "other.py").write_text("print(0)\n")
    (tmp_path / "snippets" / "outer.md").write_text('--8<-- "page.py"\n')
    (tmp_path / "snippets" / "terms.md").write_text("*[HTML]: markup\n")
    config = {
        "markdown_extensions": ["pymdownx.snippets"],
        "mdx_configs": {
            "pymdownx.snippets": {
                "base_path": ["snippets"],
                "auto_append": ["terms.md"],
            }
        },
        "use_directory_urls": True,
    }

    class Files(list):
        """A new list each build, as MkDocs makes a new Files each build."""

    page = type("F", (), {"src_uri": "a.md", "dest_uri": "a/index.html"})
    page.url, page.inclusion = "a/", "included"

    def keys() -> tuple:
        site = preview._site_inputs(config, Files([page]))
        return site, {
            text: preview._page_includes(text, config)
            for text in [
                '```python\n--8<-- "page.py:one"\n```\n',
                '--8<-- "outer.md"\n',
                '--8<-- "other.py"\n',
                "--8<--\nother.py\n--8<--\n",
            ]
        }

    site, first = keys()
    direct, nested, other, block = first.values()
    assert [name for name, _ in direct] == ["snippets/page.py", "snippets/terms.md"]
    assert [name for name, _ in nested] == [
        "snippets/outer.md",
        "snippets/page.py",
        "snippets/terms.md",
    ]
    assert block is None  # every file snippets could include counts
    code.write_text("print(2)\n")
    site_now, now = keys()
    assert site_now == site
    changed = [text for text in first if first[text] != now[text]]
    assert changed == ['```python\n--8<-- "page.py:one"\n```\n', '--8<-- "outer.md"\n']
    assert now['--8<-- "other.py"\n'] == other
    page.url = "elsewhere/"
    assert keys()[0] != site


# --- Notebook views converted ahead (preview/converter.py) ----------------

VIEWS_YML = """
site_name: View test
hooks:
  - {hook}
plugins:
  - mkdocs-jupyter:
      include: ["*.ipynb"]
      execute: false
      ignore_h1_titles: true
      toc_depth: 3
      cache: true
      cache_dir: .cache/views
"""

# (Cells without an id get a random one from nbformat.)
NOTEBOOK = {
    "cells": [
        {
            "cell_type": "markdown",
            "id": "prose",
            "metadata": {},
            "source": ["# A chapter\n", "\n", "## A section\n", "\n", "Some *prose*."],
        },
        {
            "cell_type": "code",
            "id": "listing",
            "execution_count": 1,
            "metadata": {},
            "outputs": [{"name": "stdout", "output_type": "stream", "text": ["3\n"]}],
            "source": ["x = 1 + 2\n", "print(x)"],
        },
    ],
    "metadata": {"language_info": {"name": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}

# A serve session's first build, in one process: the helper converts the
# notebook ("ok"), or reads the request and ends without answering ("broken").
AHEAD_DRIVER = """
import json, sys
from mkdocs.commands.build import build
from mkdocs.config import load_config
from preview.converter import CONVERTER

if sys.argv[2] == "broken":
    CONVERTER.arguments = ["-c", "import sys; sys.stdin.readline()"]
config = load_config("mkdocs.yml", site_dir=sys.argv[1])
config.plugins.on_startup(command="serve", dirty=False)
try:
    build(config)
    report = {"made": CONVERTER.made, "asked": CONVERTER.asked}
finally:
    config.plugins.on_shutdown()
report["stopped"] = CONVERTER.process is None
report["restarts"] = CONVERTER.start() if sys.argv[2] == "broken" else None
CONVERTER.close()
print(json.dumps(report))
"""


def views_site(root: Path) -> Path:
    (root / "docs").mkdir(parents=True)
    hook = REPO / "hooks" / "fast_preview.py"
    (root / "mkdocs.yml").write_text(VIEWS_YML.format(hook=hook))
    (root / "plain.yml").write_text(VIEWS_YML.format(hook=hook).replace(
        f"hooks:\n  - {hook}\n", ""
    ))  # fmt: skip
    (root / "docs" / "index.md").write_text("# Home\n\nThe [chapter](chapter.ipynb).\n")
    (root / "docs" / "chapter.ipynb").write_text(json.dumps(NOTEBOOK, indent=1))
    return root


def entries(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (root / ".cache" / "views").glob("*")}


@pytest.mark.parametrize("helper", ["ok", "broken"])
def test_a_view_converted_ahead_is_the_plugins_own(tmp_path, helper):
    """The helper writes the entry the plugin would write, byte for byte, and
    the view built from it is the plugin's own; a helper that ends before it
    answers is stopped and the plugin converts the notebook itself."""
    root = views_site(tmp_path / "src")
    run(root, "-m", "mkdocs", "build", "-q", "-f", "plain.yml", "-d", tmp_path / "own")
    own = entries(root)
    assert len(own) == 1 and next(iter(own)).endswith(".json"), own
    shutil.rmtree(root / ".cache" / "views")

    report = json.loads(run(root, "-c", AHEAD_DRIVER, str(tmp_path / "ahead"), helper))
    assert report["asked"] == 1 and report["stopped"], report
    assert report["made"] == (1 if helper == "ok" else 0), report
    assert report["restarts"] is (False if helper == "broken" else None), report
    assert entries(root) == own  # nothing else left in the folder either
    view = Path("chapter", "index.html")
    assert (tmp_path / "ahead" / view).read_bytes() == (
        tmp_path / "own" / view
    ).read_bytes()


def test_an_entry_is_not_written_for_a_notebook_that_changed(tmp_path):
    """A request names the key of the bytes it was made for; if the notebook
    has other bytes when the helper comes to it, nothing is written."""
    from preview import converter

    root = views_site(tmp_path / "src")
    path = str(root / "docs" / "chapter.ipynb")
    options = {name: "" for name in converter.NB2HTML_OPTIONS}
    options.update(allow_errors=True, show_input=True, no_input=False)
    options.update(no_prompt=False, remove_tag_config={}, include_requirejs=False)
    _, plugin = converter._plugin_modules()
    key = plugin._compute_cache_key(path, {**options, "toc_depth": 3}, False)
    notebook = json.loads(Path(path).read_text())
    notebook["cells"][1]["source"] = ["print(4)"]
    Path(path).write_text(json.dumps(notebook))
    cache = tmp_path / "cache"
    assert converter.make_entry(path, options, 3, str(cache), key) is False
    assert not cache.exists()


def test_serve_saves_the_memos_at_most_once_a_minute_and_when_it_stops():
    """A serve rebuild does not pay for writing the memo file each time."""
    import preview

    class Store:
        saves = 0

        def save(self):
            self.saves += 1

    session, store = preview.Session(), Store()
    session.save(store)
    session.save(store)
    assert store.saves == 2  # `mkdocs build`: after every build
    session.start()
    session.save(store)
    session.save(store)
    assert store.saves == 3  # serving: not again within SAVE_EVERY_S
    session.saved_at -= preview.SAVE_EVERY_S
    session.save(store)
    assert store.saves == 4
    session.save(store)
    session.stop()
    assert store.saves == 5  # what the last build used, when the server stops


def test_a_serve_rebuild_runs_without_the_garbage_collector(monkeypatch):
    """Off from a rebuild's start, on again COLLECT_AFTER_S after its end
    (unless another rebuild has started); `mkdocs build` leaves it alone."""
    import gc
    import time

    import preview

    monkeypatch.setattr(preview, "COLLECT_AFTER_S", 0.05)
    session = preview.Session()
    try:
        session.build_started()
        assert gc.isenabled()  # not serving
        session.build_ended()
        session.start()
        session.build_started()
        assert not gc.isenabled()
        session.build_ended()
        session.build_started()  # the next edit came at once
        time.sleep(0.2)
        assert not gc.isenabled()
        session.build_ended()
        time.sleep(0.2)
        assert gc.isenabled()
    finally:
        session.stop()
        gc.enable()


def test_serve_polls_the_watched_folders_often(tmp_path):
    """mkdocs serve's polling observer, with a watch made before and one
    after the hook, polls every POLL_S seconds."""
    from types import SimpleNamespace

    from watchdog.events import FileSystemEventHandler
    from watchdog.observers.polling import PollingObserver

    import preview

    observer = PollingObserver(timeout=0.5)  # mkdocs serve's
    observer.schedule(FileSystemEventHandler(), str(tmp_path))
    preview.poll_often(SimpleNamespace(observer=observer))
    observer.schedule(FileSystemEventHandler(), str(tmp_path / ".."))
    timeouts = [emitter.timeout for emitter in observer.emitters]
    assert timeouts == [preview.POLL_S] * 2
