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

from .cache import Cache, package_versions
from .notebook import page_notebook
from .page import Page, PageError
from .pipeline import PageOutcome, check_pages
from .project import Project
from .rewrite import fence, rendered
from .runner import Result
from .verify import problems
from .warm import Previews, supported

log = logging.getLogger("mkdocs.hooks.listings")
FIGURES = "figures"
NOTEBOOKS = "notebooks"
SNIPPETS = "snippets"


class SiteState:
    """What one build learned about its pages, keyed by their source path."""

    def __init__(self) -> None:
        self.project: Project | None = None
        self.cache: Cache | None = None
        self.pages: dict[str, tuple[Page, list[Result], list[list[str]]]] = {}
        # Under `mkdocs serve` only: warm workers that resume edited pages.
        self.serving = False
        self.previews: Previews | None = None


state = SiteState()


def on_startup(command, dirty):
    state.serving = command == "serve" and supported()


def on_shutdown():
    if state.previews is not None:
        state.previews.close()
        state.previews = None


def on_config(config):
    root = Path(config.config_file_path).parent
    state.project = Project.from_root(root)
    state.cache = Cache.for_site(root)
    return config


def _figure_uri(src_uri: str, listing_name: str, number: int) -> str:
    stem = posixpath.splitext(src_uri)[0]
    return f"{FIGURES}/{stem}/{listing_name}-{number}.png"


def on_files(files: Files, config) -> Files:
    project = state.project
    state.pages.clear()
    loaded = []
    for file in list(files.documentation_pages()):
        try:
            page = project.load(Path(file.abs_src_path))
        except PageError as exc:
            log.error(str(exc))
            # What MkDocs renders instead (it would stumble on the same fault).
            file.content_string = _error_page(file, str(exc))
            continue
        if page.listings:
            loaded.append((file, page))
    pages = [page for _, page in loaded]
    if state.serving and state.previews is None:
        state.previews = Previews(project.root)
    outcomes = check_pages(pages, project.root, state.cache, previews=state.previews)
    for (file, page), outcome in zip(loaded, outcomes, strict=True):
        _log_run(outcome)
        results = outcome.results
        figure_uris = []
        for listing, result in zip(page.listings, results, strict=True):
            uris = []
            for number, image in enumerate(result.figures, start=1):
                uri = _figure_uri(file.src_uri, listing.name, number)
                files.append(File.generated(config, uri, content=image))
                uris.append(uri)
            figure_uris.append(uris)
        state.pages[file.src_uri] = (page, results, figure_uris)
        stem = posixpath.splitext(file.src_uri)[0]
        intro = _notebook_intro(page, file, results)
        notebook = page_notebook(page, results, intro, project.snippets.expand)
        files.append(
            File.generated(config, f"{NOTEBOOKS}/{stem}.ipynb", content=notebook)
        )
        for snippet in page.snippets:
            uri = f"{SNIPPETS}/{project.snippets.relative(snippet)}"
            if files.get_file_from_path(uri) is None:
                files.append(File.generated(config, uri, abs_src_path=str(snippet)))
    if state.cache is not None:
        state.cache.clean(pages)
    return files


def _error_page(file: File, message: str) -> str:
    title = posixpath.splitext(posixpath.basename(file.src_uri))[0]
    block = "\n".join(fence(message, "text", "    "))
    return f'# {title}\n\n!!! failure "This page cannot be built"\n\n{block}\n'


def verified_with(results: list[Result]) -> str:
    """The torch build and device the outputs come from, read at build time."""
    devices = sorted({r.device for r in results})
    where = " and ".join("the CPU" if d == "cpu" else d for d in devices)
    return f"torch {package_versions()['torch']} on {where}"


def _notebook_intro(page: Page, file, results: list[Result]) -> str:
    stem = posixpath.splitext(file.src_uri)[0]
    return (
        f"*This notebook is generated from the page `{page.name}` of PyTorch "
        f"Mechanics; its outputs were printed by {verified_with(results)}. Run it from "
        "the root of the site's repository, in the environment `make serve` "
        f"sets up. The code is also in `snippets/{stem}.py`.*"
    )


def _log_run(outcome: PageOutcome) -> None:
    kept = state.previews.resumed.get(outcome.page.name) if state.previews else None
    if outcome.cached:
        log.debug("listings: %s from cache", outcome.page.name)
    elif kept:
        log.info(
            "listings: previewed %s from listing %d of %d in %.1f s",
            outcome.page.name,
            kept + 1,
            len(outcome.page.listings),
            outcome.seconds,
        )
    else:
        log.info(
            "listings: executed %s (%d listings) in %.1f s",
            outcome.page.name,
            len(outcome.page.listings),
            outcome.seconds,
        )


VERIFIED_WITH = "<!--listings:verified-with-->"


def _site_provenance() -> str:
    results = [r for _, rs, _ in state.pages.values() for r in rs]
    return (
        f"The outputs on this site were printed by {verified_with(results)} "
        f"when it was built: {len(results)} listings on {len(state.pages)} pages."
    )


def on_page_markdown(markdown: str, page, config, files):
    if VERIFIED_WITH in markdown:
        markdown = markdown.replace(VERIFIED_WITH, _site_provenance())
    entry = state.pages.get(page.file.src_uri)
    if entry is None:
        return markdown
    source, results, figure_uris = entry
    current = source
    if markdown != source.text:  # another plugin changed the page
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
    here = posixpath.dirname(page.file.src_uri) or "."
    paths = [[posixpath.relpath(uri, here) for uri in uris] for uris in figure_uris]
    text = rendered(current, results, paths, found)
    return _with_provenance(text, source, results, page.file.src_uri)


def _with_provenance(
    markdown: str, page: Page, results: list[Result], src_uri: str
) -> str:
    """Under the page's title: what verified it, its code, its notebook."""
    here = posixpath.dirname(src_uri) or "."
    stem = posixpath.splitext(src_uri)[0]
    notebook = posixpath.relpath(f"{NOTEBOOKS}/{stem}.ipynb", here)
    uris = [f"{SNIPPETS}/{state.project.snippets.relative(p)}" for p in page.snippets]
    code = ", ".join(f"[`{u}`]({posixpath.relpath(u, here)})" for u in uris)
    name = posixpath.basename(stem)
    line = (
        f"Every output on this page was printed by {verified_with(results)} when the "
        f"site was built. Code: {code} · "
        f'[Download notebook]({notebook}){{ download="{name}.ipynb" }}\n'
        "{ .page-provenance }"
    )
    lines = markdown.split("\n")
    title = next((i for i, text in enumerate(lines) if text.startswith("# ")), -1)
    lines[title + 1 : title + 1] = ["", line]
    return "\n".join(lines)
