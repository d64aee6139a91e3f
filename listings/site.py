"""The MkDocs side of the engine, loaded by ``hooks/verified_listings.py``.

``on_files`` runs every page (or takes its results from the cache) and adds
the figures as generated files; ``on_page_markdown`` puts each listing's fresh
output and figures under it. A listing that raises or prints something other
than its committed output is logged as an error, which fails
``mkdocs build --strict``.
"""

from __future__ import annotations

import logging
import posixpath
from pathlib import Path

from mkdocs.structure.files import File, Files

from .cache import Cache, environment_fingerprint
from .page import Page, PageError
from .project import Project
from .rewrite import rendered
from .runner import Result
from .verify import problems

log = logging.getLogger("mkdocs.hooks.listings")
FIGURES = "figures"


class SiteState:
    """What one build learned about its pages, keyed by their source path."""

    def __init__(self) -> None:
        self.project: Project | None = None
        self.cache: Cache | None = None
        self.pages: dict[str, tuple[Page, list[Result], list[list[str]]]] = {}


state = SiteState()


def on_config(config):
    root = Path(config.config_file_path).parent
    state.project = Project.from_root(root)
    state.cache = Cache(root / ".cache" / "listings")
    return config


def _figure_uri(src_uri: str, listing_name: str, number: int) -> str:
    stem = posixpath.splitext(src_uri)[0]
    return f"{FIGURES}/{stem}/{listing_name}-{number}.png"


def on_files(files: Files, config) -> Files:
    project = state.project
    environment = environment_fingerprint(project.root)
    state.pages.clear()
    for file in list(files.documentation_pages()):
        path = Path(file.abs_src_path)
        try:
            page = project.load(path)
        except PageError as exc:
            log.error(str(exc))
            continue
        if not page.listings:
            continue
        results, _cached, _seconds = run_page_logged(page, environment)
        figure_uris = []
        for listing, result in zip(page.listings, results, strict=True):
            uris = []
            for number, image in enumerate(result.figures, start=1):
                uri = _figure_uri(file.src_uri, listing.name, number)
                files.append(File.generated(config, uri, content=image))
                uris.append(uri)
            figure_uris.append(uris)
        state.pages[file.src_uri] = (page, results, figure_uris)
    return files


def run_page_logged(page: Page, environment: dict) -> tuple[list[Result], bool, float]:
    from . import run_page

    results, cached, seconds = run_page(
        page, state.project.root, state.cache, environment
    )
    if cached:
        log.debug("listings: %s from cache", page.name)
    else:
        log.info(
            "listings: executed %s (%d listings) in %.1f s",
            page.name,
            len(page.listings),
            seconds,
        )
    return results, cached, seconds


def on_page_markdown(markdown: str, page, config, files):
    entry = state.pages.get(page.file.src_uri)
    if entry is None:
        return markdown
    source, results, figure_uris = entry
    try:
        current = state.project.load(source.path, text=markdown)
    except PageError as exc:
        log.error(str(exc))
        return markdown
    found = []
    for listing, result in zip(current.listings, results, strict=True):
        issues = problems(listing, result, state.project.root)
        for issue in issues:
            log.error("listings: %s", issue)
        found.append(issues)
    here = posixpath.dirname(page.file.src_uri)
    paths = [
        [posixpath.relpath(uri, here or ".") for uri in uris] for uris in figure_uris
    ]
    return rendered(current, results, paths, found)
