"""The serve memos (the preview package) change the time of a rebuild, not its bytes.

A scratch Material site is built twice in one process, as ``mkdocs serve``
does, with a prose edit in between; the second build must take its
highlighting, search entries and templates from the memos, and its every file
must equal a build of the edited site without the memos.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import textwrap
from pathlib import Path

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

# Builds like `mkdocs serve`: one process, config reloaded for each build.
SERVE_LIKE = """
import json, sys
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config
import preview

def once(site_dir):
    config = load_config("mkdocs.yml", site_dir=site_dir)
    config.plugins.on_startup(command="serve", dirty=False)
    build(config)
    return dict(preview.stats)

once(sys.argv[1])
page = Path("docs/tensors.md")
page.write_text(page.read_text() + "\\nA sentence added while serving.\\n")
print(json.dumps(once(sys.argv[2])))
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


def run(root: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def contents(site_dir: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(site_dir.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":  # the gzip header holds a timestamp
                data = gzip.decompress(data)
            files[path.relative_to(site_dir).as_posix()] = data
    return files


def test_a_memoized_rebuild_equals_a_fresh_build(tmp_path):
    root = mkdocs_site(tmp_path / "src")
    stats = json.loads(
        run(root, "-c", SERVE_LIKE, str(tmp_path / "first"), str(tmp_path / "memo"))
    )
    fresh_build = ["build", "-q", "-f", "without-memos.yml", "-d", "../fresh"]
    run(root, "-m", "mkdocs", *fresh_build)

    # The edited page is indexed anew; the other comes from the memo, as do
    # every unchanged code block and every compiled template.
    assert stats["search hit"] == 1, stats
    assert stats["search miss"] == 1, stats
    assert stats["highlight hit"] >= 7, stats
    assert stats.get("highlight miss", 0) == 0, stats
    assert stats["templates hit"] > 0, stats
    assert stats.get("templates miss", 0) == 0, stats

    memo, fresh = contents(tmp_path / "memo"), contents(tmp_path / "fresh")
    assert sorted(memo) == sorted(fresh)
    differing = [name for name in fresh if memo[name] != fresh[name]]
    assert differing == []
    assert b"A sentence added while serving." in memo["tensors/index.html"]
    index = json.loads(memo["search/search_index.json"])
    assert any("A sentence added" in doc["text"] for doc in index["docs"])
    assert any(doc["location"] == "tensors/#strides" for doc in index["docs"])
