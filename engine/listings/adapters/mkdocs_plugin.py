"""The MkDocs adapter: ``plugins: [listings]`` in ``mkdocs.yml``.

``on_files`` runs every page (or takes its results from the cache) and adds
its figures (light and dark), its notebook and the snippet files it shows as
generated files; ``on_page_markdown`` puts each listing's fresh output and
figures under it. A listing that
raises or prints something other than its committed output is logged as an
error, which fails ``mkdocs build --strict``.

With the mkdocs-jupyter plugin listed after this one, each chapter also gets
a notebook view: the chapter's notebook, which mkdocs-jupyter renders as a
page of its own, linked from the chapter, outside the navigation and the
search index, and fitted to the site (no script from a CDN, links to the
chapters, dark figures).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import posixpath
import threading
import time
import typing
from pathlib import Path

import jinja2
import jinja2.bccache
from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files

from .. import render
from ..files import write_if_changed
from ..page import Page, PageError
from ..project import Project
from ..result import Result
from ..rewrite import fence
from ..settings import Settings
from ..warm import Previews, supported
from .mkdocs_dirty import DirtyPages, changed
from .mkdocs_views import NotebookView

log = logging.getLogger("mkdocs.plugins.listings")


def _option(kind) -> config_options.BaseConfigOption:
    """The MkDocs option for a setting of type ``kind``; unset (None) keeps
    the ``[tool.listings]`` value."""
    origin = typing.get_origin(kind) or kind
    if origin is list:
        (item,) = typing.get_args(kind)
        option = config_options.ListOfItems(config_options.Type(item))
    elif kind is float:
        option = config_options.Type((int, float))
    else:
        option = config_options.Type(origin)
    return config_options.Optional(option)


def _config() -> type[Config]:
    """The plugin's options: one per setting, made from the settings' own
    fields, so that what ``[tool.listings]`` accepts ``mkdocs.yml`` accepts
    too; and the notebook view's heading, which only MkDocs shows."""
    kinds = typing.get_type_hints(Settings)
    options = {f.name: _option(kinds[f.name]) for f in dataclasses.fields(Settings)}
    options["view_heading"] = config_options.Type(
        str,
        default="The chapter {chapter} as a Jupyter notebook, with the outputs "
        "its listings printed.",
    )
    return type("ListingsConfig", (Config,), options)


ListingsConfig = _config()


class TemplateCache(jinja2.BytecodeCache):
    """The theme's compiled templates, kept in memory across the rebuilds of
    ``mkdocs serve`` (Jinja's public bytecode cache; nothing read from disk)."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


class PageEntry:
    """What one build learned about a page: its results and figure files."""

    def __init__(self, page: Page, results: list[Result], figures: list) -> None:
        self.page, self.results = page, results
        # Per listing, per figure: (light URI, dark URI or None).
        self.figures: list[list[tuple[str, str | None]]] = figures


def timed(handler):
    """Count the time spent in an event handler towards the build's total,
    which ``on_post_build`` reports (``bench/run.py`` reads it)."""

    @functools.wraps(handler)
    def wrapper(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return handler(self, *args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started

    return wrapper


class ListingsPlugin(BasePlugin[ListingsConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.serving = False
        # Under `--dirty` (MkDocs rebuilds only the pages it sees changed):
        # which pages to build again.
        self.dirty: DirtyPages | None = None
        self.previews: Previews | None = None
        self.project: Project | None = None
        self.pages: dict[str, PageEntry] = {}
        self.broken: set[str] = set()  # pages shown as an error page
        self.views: dict[str, NotebookView] = {}
        # The notebook views' shared stylesheets, by URI (written after a build).
        self.view_styles: dict[str, str] = {}
        # The chapter the navigation marks while its notebook view is built.
        self.chapter_shown = None
        self.seconds = 0.0  # in this plugin's handlers, this build
        self.site_url = ""
        self.templates = TemplateCache()
        # Notebook texts by what they are made of: the last build's, this one's.
        self.notebooks: dict[str, str] = {}
        self.notebooks_now: dict[str, str] = {}
        # Each page as the last build loaded it, with the bytes of its file
        # and of its snippet files.
        self.loaded: dict[Path, tuple] = {}

    # Set-up -----------------------------------------------------------------

    def on_startup(self, *, command, dirty) -> None:
        self.serving = command == "serve" and supported()
        self.dirty = DirtyPages() if dirty else None

    def on_shutdown(self) -> None:
        if self.previews is not None:
            self.previews.close()
            self.previews = None

    @timed
    def on_config(self, config):
        self.seconds = 0.0
        self.site_url = config.site_url or ""
        root = Path(config.config_file_path).parent
        overrides = {f.name: self.config[f.name] for f in dataclasses.fields(Settings)}
        self.project = Project.from_root(root, **overrides)
        if render.STYLESHEET not in config.extra_css:
            config.extra_css.append(render.STYLESHEET)
        return config

    def on_env(self, env, config, files):
        if env.bytecode_cache is None:
            env.bytecode_cache = self.templates
        return env

    # Running the pages --------------------------------------------------------

    @event_priority(50)  # before mkdocs-jupyter's, which wraps the notebook views
    @timed
    def on_files(self, files: Files, config) -> Files:
        project = self.project
        self.notebooks, self.notebooks_now = self.notebooks_now, {}
        before = {uri: entry.results for uri, entry in self.pages.items()}
        broken_before = set(self.broken)
        loaded_before, self.loaded = self.loaded, {}
        self.pages.clear()
        self.views.clear()
        self.broken.clear()
        loaded = []
        for file in list(files.documentation_pages()):
            try:
                page = self._load(file, loaded_before)
            except PageError as exc:
                log.error(str(exc))
                self.broken.add(file.src_uri)
                # What MkDocs renders instead (it would stumble on the same fault).
                file.content_string = _error_page(file, str(exc))
                continue
            if page.listings:
                loaded.append((file, page))
        if files.get_file_from_path(render.STYLESHEET) is None:
            files.append(
                File.generated(config, render.STYLESHEET, content=render.stylesheet())
            )
        pages = [page for _, page in loaded]
        # The first build of `mkdocs serve` runs the pages as `mkdocs build`
        # does (and stores them in the cache); the rebuilds after it show
        # edits from warm preview workers, whose results are never stored.
        outcomes = list(project.run(pages, previews=self.previews))
        for (file, page), outcome in zip(loaded, outcomes, strict=True):
            self._log_run(outcome)
            figures = self._add_figures(files, config, file, page, outcome.results)
            self.pages[file.src_uri] = PageEntry(page, outcome.results, figures)
            self._add_notebooks(files, config, file)
            for snippet in page.snippets:
                uri = f"{render.SNIPPETS}/{project.snippets.relative(snippet)}"
                if files.get_file_from_path(uri) is None:
                    files.append(File.generated(config, uri, abs_src_path=str(snippet)))
        project.cache.clean(pages)
        if self.dirty is not None:
            stale = {
                file.src_uri
                for (file, page), outcome in zip(loaded, outcomes, strict=True)
                if changed(file, page, outcome, before)
            }
            self.dirty.mark(stale | broken_before, self._provenance())
        return files

    def _load(self, file: File, before: dict[Path, tuple]) -> Page:
        """``project.load``, kept across the rebuilds of ``mkdocs serve`` while
        the page's file, the snippet folders and the snippet files it shows
        are unchanged."""
        path = Path(file.abs_src_path)
        source = (path.read_bytes(), tuple(self.project.snippet_dirs))
        kept = before.get(path)
        unchanged = kept is not None and kept[0] == source
        if unchanged and all(_read(shown) == text for shown, text in kept[1]):
            self.loaded[path] = kept
            return kept[2]
        page = self.project.load(path)
        snippets = [(shown, _read(shown)) for shown in page.snippets]
        self.loaded[path] = (source, snippets, page)
        return page

    @timed
    def on_nav(self, nav, config, files):
        if self.dirty is not None:
            own = {p for entry in self.pages.values() for p in entry.page.snippets}
            root, settings = self.project.root, self.project.settings
            data = [(root / name).resolve() for name in settings.data_dirs]
            self.dirty.remove_stale(nav, config, files, set(self.views), own, data)
        pages = {
            view.chapter.src_uri: files.get_file_from_path(uri).page
            for uri, view in self.views.items()
        }
        for uri, view in self.views.items():
            view.place(files.get_file_from_path(uri).page, pages)
        return nav

    def on_page_context(self, context, page, config, nav):
        # A notebook view is not in the navigation: the navigation shows
        # its chapter as the reader's place (Material marks an active page).
        self._leave_chapter()
        view = self.views.get(page.file.src_uri)
        if view is not None and view.chapter.page is not None:
            self.chapter_shown = view.chapter.page
            self.chapter_shown.active = True
        return context

    def on_post_page(self, output: str, page, config) -> str:
        self._leave_chapter()
        return output

    def _leave_chapter(self) -> None:
        if self.chapter_shown is not None:
            self.chapter_shown.active = False
            self.chapter_shown = None

    def _provenance(self) -> str:
        """The home page's line on what printed every page's outputs."""
        results = [r for entry in self.pages.values() for r in entry.results]
        return render.site_provenance(self.project.settings, results, len(self.pages))

    def on_post_build(self, config) -> None:
        for uri, css in self.view_styles.items():
            write_if_changed(Path(config.site_dir) / uri, css)
        log.info("the listings plugin's handlers took %.3f s", self.seconds)
        if self.serving and self.previews is None:
            # Warm a preview worker per page while the reader looks at the
            # site, so that the first edit of a listing resumes, too.
            self.previews = Previews(self.project.root, self.project.settings)
            pages = [entry.page for entry in self.pages.values()]
            threading.Thread(
                target=self.previews.warm, args=(pages,), daemon=True
            ).start()

    def _log_run(self, outcome) -> None:
        previews = self.previews
        kept = previews.resumed.get(outcome.page.name) if previews else None
        if outcome.cached:
            log.debug("%s from cache", outcome.page.name)
        elif kept == len(outcome.page.listings):
            log.debug("%s unchanged since its last preview", outcome.page.name)
        elif kept:
            log.info(
                "previewed %s from listing %d of %d in %.1f s",
                outcome.page.name,
                kept + 1,
                len(outcome.page.listings),
                outcome.seconds,
            )
        else:
            log.info(
                "executed %s (%d listings) in %.1f s",
                outcome.page.name,
                len(outcome.page.listings),
                outcome.seconds,
            )

    def _add_figures(self, files, config, file, page, results) -> list:
        for uri, image in render.figure_files(file.src_uri, page, results).items():
            files.append(File.generated(config, uri, content=image))
        return render.figure_uris(file.src_uri, page, results)

    # Notebooks ------------------------------------------------------------------

    def _notebook(self, file: File, links=None) -> str:
        """``render.notebook``, kept across the rebuilds of ``mkdocs serve`` by
        everything it is made of (the page, the files it includes, the
        results, the figure links), so an unchanged chapter's notebooks are
        not made again after each edit."""
        entry = self.pages[file.src_uri]
        key = hashlib.sha256(repr((entry.page.text, links, self.site_url)).encode())
        for path in entry.page.snippets:
            key.update(path.read_bytes())
        for result in entry.results:
            for image in result.figures + result.dark_figures:
                key.update(hashlib.sha256(image).digest())
            bare = dataclasses.replace(result, figures=[], dark_figures=[], seconds=0)
            key.update(repr(bare).encode())
        key = key.hexdigest()
        text = self.notebooks.get(key) or render.notebook(
            self.project, entry.page, entry.results, file.src_uri, self.site_url, links
        )
        self.notebooks_now[key] = text
        return text

    def _add_notebooks(self, files: Files, config, file: File) -> None:
        """The chapter's notebook for download and, with mkdocs-jupyter, its view."""
        download = render.notebook_uri(file.src_uri)
        files.append(File.generated(config, download, content=self._notebook(file)))
        if "mkdocs-jupyter" not in config.plugins:
            return
        entry = self.pages[file.src_uri]
        view, links = NotebookView.of(
            file, entry.page, entry.figures, config, entry.results
        )
        # A file of its own under work_dir (mkdocs-jupyter reads a notebook
        # from its source folder); mkdocs-jupyter's on_files, after this one,
        # makes it a page, linked from its chapter, not in the navigation.
        source = self.project.work
        write_if_changed(source / view.uri, self._notebook(file, links))
        files.append(view.file(source, config))
        self.views[view.uri] = view

    # Pages ------------------------------------------------------------------------

    @timed
    def on_page_markdown(self, markdown: str, page, config, files):
        src_uri = page.file.src_uri
        if src_uri in self.views:
            # A notebook view repeats its chapter: search finds the chapter.
            page.meta["search"] = {**(page.meta.get("search") or {}), "exclude": True}
            return markdown
        if render.VERIFIED_WITH in markdown:
            markdown = markdown.replace(render.VERIFIED_WITH, self._provenance())
        entry = self.pages.get(src_uri)
        if entry is None:
            return markdown
        current = entry.page
        if markdown != current.text:  # another plugin changed the page
            try:
                current = self.project.load(current.path, text=markdown)
            except PageError as exc:
                log.error(str(exc))
                return markdown
        view = render.view_uri(src_uri) in self.views
        text, found = render.page_markdown(
            self.project, current, entry.results, src_uri, view
        )
        for problem in found:
            log.error(problem)
        return text

    @timed
    def on_page_content(self, html_text: str, page, config, files) -> str:
        view = self.views.get(page.file.src_uri)
        if view is not None:
            label = self.project.settings.labels["download"]
            text, found = view.fit(
                html_text,
                page,
                files,
                self.config.view_heading,
                label,
                self.view_styles,
            )
            for problem in found:
                log.error("notebook view of %s: %s", view.chapter.src_uri, problem)
            return text
        return html_text


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _error_page(file: File, message: str) -> str:
    title = posixpath.splitext(posixpath.basename(file.src_uri))[0]
    block = "\n".join(fence(message, "text", "    "))
    return f'# {title}\n\n!!! failure "This page cannot be built"\n\n{block}\n'
