"""Notebook views: each chapter's notebook, which mkdocs-jupyter (listed after
the listings plugin in mkdocs.yml) renders as a page of its own, linked from
the chapter, outside the navigation and the search index, and fitted to the
site: no script from a CDN, links to the chapters, figures in each palette
with their alt text, whole headings in its table of contents, and a heading
that links back to the chapter and to the download."""

from __future__ import annotations

import hashlib
import html
import posixpath

from mkdocs.structure.files import File

from .. import render
from ..notebook import shared_styles, view_html
from ..page import Page
from ..rewrite import png_size


class NotebookView:
    """A chapter's notebook rendered by mkdocs-jupyter as a page of the site."""

    def __init__(self, chapter: File, title: str, download: str, uri: str) -> None:
        self.chapter, self.title, self.download = chapter, title, download
        self.uri = uri
        # Each figure's link in the view notebook -> (alt text, dark link,
        # (width, height) or None).
        self.figures: dict[str, tuple] = {}

    @classmethod
    def of(cls, chapter: File, page: Page, figures: list, config, results=()):
        """The chapter's view, and the links its notebook gives its figures
        (per listing, per figure), from ``figures``: per listing, per figure,
        (light URI, dark URI or None); each figure's size from ``results``."""
        uri = render.view_uri(chapter.src_uri)
        stem = render.stem(uri)
        here = stem if config.use_directory_urls else posixpath.dirname(stem)
        title = render.title_of(page, posixpath.basename(stem))
        view = cls(chapter, title, render.notebook_uri(chapter.src_uri), uri)
        links = []
        images = [result.figures for result in results] or [[]] * len(figures)
        for listing, uris, drawn in zip(page.listings, figures, images, strict=True):
            row = []
            for number, (light, dark) in enumerate(uris):
                link = posixpath.relpath(light, here) + "#only-light"
                dark_link = dark and posixpath.relpath(dark, here) + "#only-dark"
                alts = listing.figure_alts
                view.figures[link] = (
                    alts[number] if number < len(alts) else "",
                    dark_link,
                    png_size(drawn[number]) if number < len(drawn) else None,
                )
                row.append(link)
            links.append(row)
        return view, links

    def file(self, source, config) -> File:
        """The view's page, from its notebook in ``source``."""
        page_file = File(
            self.uri,
            src_dir=str(source),
            dest_dir=config.site_dir,
            use_directory_urls=config.use_directory_urls,
        )
        page_file.edit_uri = None  # made from the chapter: edit the chapter
        return page_file

    def place(self, page, views: dict[str, object]) -> None:
        """The view's place in the site, once the navigation is made
        (``on_nav``): its title, and as previous and next page its
        chapter's, each as its own view where it has one (``views``: a
        chapter's URI -> its view's page), so that a reader goes from view
        to view as from chapter to chapter."""
        page.title = f"{self.title} (notebook)"
        chapter = self.chapter.page
        if chapter is None:
            return
        for side in ("previous_page", "next_page"):
            near = getattr(chapter, side)
            if near is not None:
                near = views.get(near.file.src_uri, near)
            setattr(page, side, near)

    def fit(
        self,
        html_text: str,
        page,
        files,
        heading: str,
        download_label: str,
        stylesheets: dict[str, str],
    ) -> tuple[str, list[str]]:
        """mkdocs-jupyter's HTML of the view, fitted to the site, and what is
        wrong with it (``listings.notebook.view_html``). Its inline
        stylesheets go to a file all views share (``stylesheets``: URI ->
        CSS, which the plugin writes), named by its content. The view's edit
        link is its chapter's."""
        chapter = self.chapter.page
        page.edit_url = chapter.edit_url if chapter is not None else None
        _whole_headings(page, chapter, html_text)
        html_text, css = shared_styles(html_text)
        link = ""
        if css:
            digest = hashlib.sha256(css.encode()).hexdigest()[:12]
            uri = f"{render.NOTEBOOKS}/notebook-{digest}.css"
            stylesheets[uri] = css
            here = page.url if page.url.endswith("/") else posixpath.dirname(page.url)
            href = html.escape(posixpath.relpath(uri, here or "."), quote=True)
            link = f'<link rel="stylesheet" href="{href}">'

        def page_link(path: str) -> str | None:
            here = posixpath.dirname(self.chapter.src_uri)
            target = files.get_file_from_path(
                posixpath.normpath(posixpath.join(here, path))
            )
            if target is None or not target.is_documentation_page():
                return None
            return target.url_relative_to(page.file)

        text, found = view_html(html_text, self.figures, page_link)
        return link + self._heading(page, files, heading, download_label) + text, found

    def _heading(self, page, files, heading: str, download_label: str) -> str:
        chapter = html.escape(self.chapter.url_relative_to(page.file), quote=True)
        download = files.get_file_from_path(self.download)
        notebook = html.escape(download.url_relative_to(page.file), quote=True)
        name = html.escape(posixpath.basename(self.download), quote=True)
        link = f'<a href="{chapter}">{html.escape(self.title)}</a>'
        said = html.escape(heading).replace("{chapter}", link)
        label = html.escape(download_label)
        return (
            f'<p class="page-provenance">{said} '
            f'<a href="{notebook}" download="{name}">{label}</a></p>'
        )


def _whole_headings(page, chapter, html_text: str) -> None:
    """mkdocs-jupyter's table of contents stops a heading at its inline
    code ("Batches: the" for "Batches: the `DataLoader`"; nothing at all
    for "`nn.Sequential`"), and its link then misses the heading. Each
    entry takes the chapter's entry for the same heading (the same
    anchor, or one whose words hold its anchor's in order), if the view
    has that anchor; an entry left without a title goes."""

    def flat(items):
        for item in items:
            yield item
            yield from flat(item.children)

    def titled(items):
        kept = [item for item in items if item.title.strip()]
        for item in kept:
            item.children = titled(item.children)
        return kept

    def within(short: str, long: str) -> bool:
        """The words of ``short`` appear in ``long``, in order."""
        words = iter(long.split("-"))
        return bool(short) and all(word in words for word in short.split("-"))

    theirs = list(flat(chapter.toc)) if chapter is not None else []
    for item in flat(page.toc):
        whole = next((c for c in theirs if c.id == item.id), None) or next(
            (c for c in theirs if within(item.id, c.id)), None
        )
        if whole is not None and f'id="{whole.id}"' in html_text:
            item.title, item.id = whole.title, whole.id
            theirs.remove(whole)
    page.toc.items = titled(page.toc.items)
