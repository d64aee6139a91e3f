"""``mkdocs serve --dirty``: which pages to build again.

Under ``--dirty``, MkDocs builds a page again only when its Markdown file is
newer than its HTML. A chapter also changes when one of its snippets is
edited, when its results differ from the last build's (with no last build:
when they were not in the cache), and when it was an error page; every page
when the home page's provenance line changes, when the navigation, the
theme's templates or a file every page includes changes, and when more than
one page changes: Material's search index, in a dirty build, replaces the
entries of the first page built only (and of every page whose address
starts with its address: the home page's is empty). MkDocs builds a page
whose HTML is gone, so this removes the HTML of the pages to build.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from mkdocs.structure.files import File

from ..page import Page
from ..result import Result


def changed(file: File, page: Page, outcome, before: dict) -> bool:
    """Whether a chapter shows something else than at the last build."""
    if file.src_uri in before:
        differs = _shown(before[file.src_uri]) != _shown(outcome.results)
    else:
        differs = not outcome.cached
    built = Path(file.abs_dest_path)
    return differs or any(_newer(path, built) for path in page.snippets)


class DirtyPages:
    """What every page shows at the last build (the navigation, the shared
    files, the home page's provenance line), and what has changed since."""

    def __init__(self) -> None:
        self.shared: tuple | None = None
        self.provenance: str | None = None
        self.stale: set[str] = set()
        self.everything = False

    def mark(self, stale: set[str], provenance: str) -> None:
        """After the pages ran: the chapters that changed, and the line every
        page's home shows."""
        self.stale = set(stale)
        self.everything = self.provenance not in (None, provenance)
        self.provenance = provenance

    def remove_stale(
        self, nav, config, files, views: set[str], own: set[Path], data: list[Path]
    ) -> None:
        """Remove the HTML of every page to build again (``on_nav``); ``views``
        are the notebook views' pages, ``own`` the snippet files of pages,
        ``data`` the folders that reach a page through its results."""
        state = (_outline(nav), _shared_files(config, own, data))
        everything = self.everything or self.shared not in (None, state)
        self.shared = state
        pages = files.documentation_pages()
        chapters = [file for file in pages if file.src_uri not in views]
        built = [f for f in chapters if f.src_uri in self.stale or f.is_modified()]
        if len(built) == 1:
            url = _address(built[0])
            everything |= any(
                _address(f).startswith(url) for f in chapters if f is not built[0]
            )
        else:
            everything |= len(built) > 1
        for file in pages if everything else built:
            Path(file.abs_dest_path).unlink(missing_ok=True)


def _shared_files(config, own: set[Path], data: list[Path]) -> tuple:
    """The watched files and theme overrides that are not one page's own
    (its snippets) or data (which reach a page through its results), with
    their times, and the configuration file's."""
    folders = [Path(folder) for folder in config.watch]
    if config.theme.custom_dir:
        folders.append(Path(config.theme.custom_dir))
    if config.config_file_path:
        folders.append(Path(config.config_file_path))
    found = []
    for folder in folders:
        if any(folder.resolve().is_relative_to(each) for each in data):
            continue
        for path in [folder] if folder.is_file() else folder.rglob("*"):
            if path.is_file() and path.resolve() not in own:
                found.append((str(path), path.stat().st_mtime))
    return tuple(sorted(found))


def _shown(results: list[Result]) -> list[Result]:
    """What a page shows of its results (not how long they took)."""
    return [dataclasses.replace(result, seconds=0.0) for result in results]


def _newer(path: Path, than: Path) -> bool:
    return than.exists() and path.stat().st_mtime > than.stat().st_mtime


def _address(file: File) -> str:
    """A page's address as Material's search index has it (the home page's is
    empty)."""
    return "" if file.url in (".", "./") else file.url


def _outline(items) -> tuple:
    """The navigation's titles and addresses, as every page shows them."""
    return tuple(
        (item.title, getattr(item, "url", None), _outline(item.children or []))
        for item in items
    )
