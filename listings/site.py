"""The MkDocs side of the engine, loaded by ``hooks/verified_listings.py``.

``on_files`` runs every page (or takes its results from the cache) and adds
the figures (light and dark) and the page's notebook as generated files;
``on_page_markdown`` puts each listing's fresh output and figures under it. A
listing that raises or prints something other than its committed output is
logged as an error, which fails ``mkdocs build --strict``.

With the mkdocs-jupyter plugin configured, each chapter also gets a notebook
view: the chapter's notebook, rendered by mkdocs-jupyter as a page of its own
(``on_files`` writes it under ``.cache/notebooks`` for the plugin to read,
``on_nav`` lists the views in a Notebooks section, ``on_page_content`` fits
the plugin's HTML to the site: no script from a CDN, math as MathML, links to
the chapters, dark figures). The views stay out of the search index.
"""

from __future__ import annotations

import hashlib
import html
import logging
import posixpath
from pathlib import Path

from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Section
from mkdocs.structure.toc import TableOfContents

import preview

from .cache import Cache, package_versions
from .notebook import page_notebook, view_html
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
        # Each listing's figures: (light, dark) file URIs; dark None if not drawn.
        self.pages: dict[
            str, tuple[Page, list[Result], list[list[tuple[str, str | None]]]]
        ] = {}
        # Notebook views: the view's src_uri -> what on_page_content needs.
        self.views: dict[str, NotebookView] = {}
        # Under `mkdocs serve` only: warm workers that resume edited pages.
        self.serving = False
        self.previews: Previews | None = None
        # Notebook texts by what they are made of: the last build's, and this
        # build's (see _notebook_text).
        self.notebooks: dict[str, str] = {}
        self.notebooks_now: dict[str, str] = {}
        # Loaded pages, with the files they include, by page and content: the
        # last build's, this build's (see _load).
        self.loaded: dict[tuple, tuple[Page, dict[str, str]]] = {}
        self.loaded_now: dict[tuple, tuple[Page, dict[str, str]]] = {}


class NotebookView:
    """A chapter's notebook rendered by mkdocs-jupyter as a page of the site."""

    def __init__(self, chapter: File, title: str, download: str) -> None:
        self.chapter = chapter
        self.title = title
        self.download = download  # the .ipynb's URI
        # Each figure's link in the view notebook -> (alt text, dark link).
        self.figures: dict[str, tuple[str, str | None]] = {}


state = SiteState()


def on_startup(command, dirty):
    state.serving = command == "serve" and supported()


def on_shutdown():
    state.serving = False
    if state.previews is not None:
        state.previews.close()
        state.previews = None


def on_config(config):
    root = Path(config.config_file_path).parent
    state.project = Project.from_root(root)
    state.cache = Cache.for_site(root)
    return config


def _figure_uri(src_uri: str, listing_name: str, number: int, dark=False) -> str:
    stem = posixpath.splitext(src_uri)[0]
    suffix = "-dark" if dark else ""
    return f"{FIGURES}/{stem}/{listing_name}-{number}{suffix}.png"


def on_files(files: Files, config) -> Files:
    project = state.project
    state.pages.clear()
    state.views.clear()
    state.notebooks, state.notebooks_now = state.notebooks_now, {}
    state.loaded, state.loaded_now = state.loaded_now, {}
    includable = _includable(project) if state.serving else {}
    loaded = []
    for file in list(files.documentation_pages()):
        try:
            page = _load(project, Path(file.abs_src_path), includable)
        except PageError as exc:
            log.error(str(exc))
            # What MkDocs renders instead (it would stumble on the same fault).
            file.content_string = _error_page(file, str(exc))
            continue
        if page.listings:
            loaded.append((file, page))
    if state.serving and _includable(project) != includable:  # edited meanwhile
        state.loaded_now.clear()
    pages = [page for _, page in loaded]
    # The first build of `mkdocs serve` runs each page that is not in the
    # cache as `mkdocs build` does, fresh, and stores it, so that serving
    # again (or building) starts from it. The rebuilds after it show edits
    # from the preview workers, whose results are never stored.
    previews = state.previews
    if state.serving and previews is None:
        state.previews = Previews(project.root)
    outcomes = check_pages(pages, project.root, state.cache, previews=previews)
    for (file, page), outcome in zip(loaded, outcomes, strict=True):
        _log_run(outcome)
        results = outcome.results
        figure_uris = []
        for listing, result in zip(page.listings, results, strict=True):
            uris = []
            for number, image in enumerate(result.figures, start=1):
                uri = _figure_uri(file.src_uri, listing.name, number)
                files.append(File.generated(config, uri, content=image))
                dark = None
                if number <= len(result.dark_figures):
                    dark = _figure_uri(file.src_uri, listing.name, number, dark=True)
                    image = result.dark_figures[number - 1]
                    files.append(File.generated(config, dark, content=image))
                uris.append((uri, dark))
            figure_uris.append(uris)
        state.pages[file.src_uri] = (page, results, figure_uris)
        _add_notebooks(files, config, file, page, results, figure_uris)
        for snippet in page.snippets:
            uri = f"{SNIPPETS}/{project.snippets.relative(snippet)}"
            if files.get_file_from_path(uri) is None:
                files.append(File.generated(config, uri, abs_src_path=str(snippet)))
    if state.cache is not None:
        state.cache.clean(pages)
    return files


def _includable(project: Project) -> dict[str, str]:
    """Every file a page can include, with its content's digest."""
    return preview.includable_files(project.snippet_dirs)


def _included(text: str, project: Project, includable: dict[str, str]) -> dict:
    """The files ``text`` includes, each with its digest (every includable
    file for the block form, whose names are not told apart)."""
    seen = preview.included_files(text, project.snippet_dirs, includable)
    if seen is None:
        return dict(includable)
    return {path: includable[path] for path in seen}


def _load(project: Project, path: Path, includable: dict[str, str]) -> Page:
    """``project.load``, memoized across the rebuilds of ``mkdocs serve``:
    keyed by the page's bytes, and kept while each file it includes is
    unchanged; not kept if the page changed while it was being loaded."""
    if not state.serving:  # one build: nothing to reuse
        return project.load(path)
    data = path.read_bytes()
    where = (str(project.root), *map(str, project.snippet_dirs))
    key = (*where, str(path), hashlib.sha256(data).hexdigest())
    page, included = state.loaded.get(key, (None, {}))
    if page is None or any(includable.get(f) != d for f, d in included.items()):
        page = project.load(path)
        if path.read_bytes() != data:
            return page
        included = _included(data.decode("utf-8", "replace"), project, includable)
    state.loaded_now[key] = (page, included)
    return page


def _error_page(file: File, message: str) -> str:
    title = posixpath.splitext(posixpath.basename(file.src_uri))[0]
    block = "\n".join(fence(message, "text", "    "))
    return f'# {title}\n\n!!! failure "This page cannot be built"\n\n{block}\n'


def _notebook_uri(src_uri: str) -> str:
    """The chapter's notebook for download, in the folder of its view."""
    stem = posixpath.splitext(src_uri)[0]
    return f"{NOTEBOOKS}/{stem}/{posixpath.basename(stem)}.ipynb"


def _view_uri(src_uri: str) -> str:
    """The notebook view's source: mkdocs-jupyter makes it ``notebooks/<stem>/``."""
    return f"{NOTEBOOKS}/{posixpath.splitext(src_uri)[0]}.ipynb"


def _views_enabled(config) -> bool:
    return "mkdocs-jupyter" in config.plugins


def _write_if_changed(path: Path, text: str) -> None:
    """Keep the file (and its time stamp) when its content is the same."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    preview.write_atomically(path, text)


def _view_file(config, uri: str, path: Path) -> File:
    """A notebook view as mkdocs-jupyter's own page file (``NotebookFile``).

    The plugin wraps the notebooks it finds in its ``on_files``, which runs
    before this hook's; a wrapped file reads its source path, inclusion and
    edit link from the wrapper's class, so they are set on the wrapper here:
    the view is generated (no edit link) and is listed in the nav by
    ``on_nav``, not by mkdocs.yml.
    """
    from mkdocs_jupyter.plugin import NotebookFile

    generated = File.generated(config, uri, abs_src_path=str(path))
    view = NotebookFile(generated, **config)
    view.abs_src_path = str(path)
    view.inclusion = InclusionLevel.NOT_IN_NAV
    view.generated_by = generated.generated_by
    view.edit_uri = None
    return view


def _notebook_text(page: Page, results, intro: str, links=None) -> str:
    """``page_notebook``, memoized across the rebuilds of ``mkdocs serve``:
    keyed by everything the notebook is made of (the page, the snippet files
    its prose and listings include, the results, the intro, the figure links),
    so an unchanged chapter's notebooks are not made again on each save."""
    key = hashlib.sha256()
    for part in [page.text, intro, repr(links)]:
        key.update(part.encode() + b"\0")
    for snippet in page.snippets:
        key.update(snippet.read_bytes() + b"\0")
    for result in results:
        for field in [result.stdout, result.error, result.skipped_because]:
            key.update(repr(field).encode() + b"\0")
        for image in [*result.figures, b"dark", *result.dark_figures]:
            key.update(hashlib.sha256(image).digest())
    key = key.hexdigest()
    text = state.notebooks.get(key)
    if text is None:
        expand = state.project.snippets.expand
        text = page_notebook(page, results, intro, expand, links)
    state.notebooks_now[key] = text
    return text


def _add_notebooks(
    files: Files,
    config,
    file: File,
    page: Page,
    results: list[Result],
    figure_uris: list[list[tuple[str, str | None]]],
) -> None:
    """The chapter's notebook for download and, with mkdocs-jupyter, its view."""
    intro = _notebook_intro(page, file, results)
    notebook = _notebook_text(page, results, intro)
    download = _notebook_uri(file.src_uri)
    files.append(File.generated(config, download, content=notebook))
    if not _views_enabled(config):
        return
    uri = _view_uri(file.src_uri)
    stem = posixpath.splitext(uri)[0]
    here = stem if config.use_directory_urls else posixpath.dirname(stem)
    title = next(
        (line[2:].strip() for line in page.text.split("\n") if line.startswith("# ")),
        posixpath.basename(stem),
    )
    view = NotebookView(file, title, download)
    links = []
    for listing, uris in zip(page.listings, figure_uris, strict=True):
        alts = listing.figure_alts  # one per figure, or the chapter fails the build
        row = []
        for number, (light, dark) in enumerate(uris):
            link = posixpath.relpath(light, here) + "#only-light"
            dark_link = dark and posixpath.relpath(dark, here) + "#only-dark"
            alt = alts[number] if number < len(alts) else ""
            view.figures[link] = (alt, dark_link)
            row.append(link)
        links.append(row)
    text = _notebook_text(page, results, intro, links)
    project = state.project
    chapter = posixpath.splitext(file.src_uri)[0]
    path = project.root / ".cache" / NOTEBOOKS / f"{chapter}.ipynb"
    _write_if_changed(path, text)
    files.append(_view_file(config, uri, path))
    state.views[uri] = view


def on_nav(nav, config, files):
    """The notebook views, in a Notebooks section at the end of the nav."""
    pages = [files.get_file_from_path(uri).page for uri in state.views]
    pages = [page for page in pages if page is not None]
    if not pages:
        return nav
    section = Section("Notebooks", pages)
    for page in pages:
        page.parent = section
    previous = nav.pages[-1] if nav.pages else None
    for page in pages:
        page.previous_page = previous
        if previous is not None:
            previous.next_page = page
        previous = page
    pages[-1].next_page = None
    nav.items.append(section)
    nav.pages.extend(pages)
    return nav


def _chapter_link(view: NotebookView, view_page, files):
    """A link in the chapter's notebook (relative to the chapter) from the view."""

    def link(path: str) -> str | None:
        here = posixpath.dirname(view.chapter.src_uri)
        target = files.get_file_from_path(
            posixpath.normpath(posixpath.join(here, path))
        )
        if target is None or not target.is_documentation_page():
            return None
        return target.url_relative_to(view_page.file)

    return link


def _view_heading(view: NotebookView, page, files) -> str:
    chapter = html.escape(view.chapter.url_relative_to(page.file), quote=True)
    download = files.get_file_from_path(view.download)
    notebook = html.escape(download.url_relative_to(page.file), quote=True)
    name = html.escape(posixpath.basename(view.download), quote=True)
    return (
        f'<p class="page-provenance">The chapter <a href="{chapter}">'
        f"{html.escape(view.title)}</a> as a Jupyter notebook, with the outputs "
        "its listings printed when the site was built. "
        f'<a href="{notebook}" download="{name}">Download notebook</a></p>'
    )


def _titled(items: list, titles: dict[str, str]) -> list:
    kept = []
    for item in items:
        if not item.title.strip():
            item.title = titles.get(item.id, "")
        item.children = _titled(item.children, titles)
        if item.title.strip():
            kept.append(item)
    return kept


def _titled_toc(toc, chapter: File) -> TableOfContents:
    """The view's table of contents without empty entries: mkdocs-jupyter drops
    inline code from headings (``## `nn.Sequential` `` has no text left); such
    an entry takes its chapter's title for the same anchor, or goes."""
    titles = {}
    todo = list(chapter.page.toc) if chapter.page is not None else []
    while todo:
        item = todo.pop()
        titles[item.id] = item.title
        todo += item.children
    return TableOfContents(_titled(list(toc), titles))


def on_page_content(html_text: str, page, config, files) -> str:
    view = state.views.get(page.file.src_uri)
    if view is None:
        return html_text
    page.title = f"{view.title} (notebook)"
    page.toc = _titled_toc(page.toc, view.chapter)
    text, problems = view_html(
        html_text, view.figures, _chapter_link(view, page, files), preview.VIEWS
    )
    for problem in problems:
        log.error("notebook view of %s: %s", view.chapter.src_uri, problem)
    return _view_heading(view, page, files) + text


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
    if page.file.src_uri in state.views:
        # A notebook view repeats its chapter: search finds the chapter.
        page.meta["search"] = {**(page.meta.get("search") or {}), "exclude": True}
        return markdown
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
    paths = [[posixpath.relpath(uri, here) for uri, _ in uris] for uris in figure_uris]
    dark = [
        [posixpath.relpath(uri, here) for _, uri in uris if uri is not None]
        for uris in figure_uris
    ]
    text = rendered(current, results, paths, found, dark)
    return _with_provenance(text, source, results, page.file.src_uri)


def _with_provenance(
    markdown: str, page: Page, results: list[Result], src_uri: str
) -> str:
    """Under the page's title: what verified it, its code, its notebook."""
    here = posixpath.dirname(src_uri) or "."
    stem = posixpath.splitext(src_uri)[0]
    notebook = posixpath.relpath(_notebook_uri(src_uri), here)
    uris = [f"{SNIPPETS}/{state.project.snippets.relative(p)}" for p in page.snippets]
    code = ", ".join(f"[`{u}`]({posixpath.relpath(u, here)})" for u in uris)
    name = posixpath.basename(stem)
    view = ""
    if _view_uri(src_uri) in state.views:
        view = f"[View as notebook]({posixpath.relpath(_view_uri(src_uri), here)}) · "
    line = (
        f"Every output on this page was printed by {verified_with(results)} when the "
        f"site was built. Code: {code} · {view}"
        f'[Download notebook]({notebook}){{ download="{name}.ipynb" }}\n'
        "{ .page-provenance }"
    )
    lines = markdown.split("\n")
    title = next((i for i, text in enumerate(lines) if text.startswith("# ")), -1)
    lines[title + 1 : title + 1] = ["", line]
    return "\n".join(lines)
