"""The site's MkDocs hooks (``hooks:`` in mkdocs.yml): a number in a page's
prose must be one its listings print (``pytorch_mechanics.prose``), and API
names in its inline code link to PyTorch's references; a number or a name
that fails fails the strict build, at its page and line. TeX becomes MathML
(``pytorch_mechanics.mathml``) on the chapters and their notebook views; the
other checks leave the pages the listings plugin makes (a notebook view, the
page that shows a page's errors) as they are. Every page gets its social card
(``pytorch_mechanics.cards``)."""

from __future__ import annotations

import itertools
import logging
from html import escape
from pathlib import Path

from mkdocs.utils.meta import get_data

from listings import PageError, Project, Settings
from listings.scan import parser
from pytorch_mechanics import api_links, cards, mathml, prose

log = logging.getLogger("mkdocs.hooks.pytorch_mechanics")
_resolutions: api_links.Resolutions | None = None
_project: Project | None = None
_cards: cards.Cards | None = None


def on_config(config):
    global _resolutions, _project, _cards
    root = Path(config.config_file_path).parent
    _project = Project.from_root(root)
    work = root / Settings.read(root).work_dir
    _resolutions = api_links.Resolutions(work / "api_links.json")
    _cards = cards.Cards(work / "cards")
    return config


def on_page_markdown(markdown: str, page, config, files) -> str:
    """The numbers in the page's prose, against its committed outputs (the
    listings plugin fails the build where a fresh run differs from them);
    and the page's description, for search engines and link previews: its
    front matter's, or its first paragraph."""
    path = _source(page, config)
    if path is None:
        return markdown
    if not page.meta.get("description"):
        # The source's first paragraph: the Markdown passed here already has
        # the lines plugins added under the title (the listings provenance).
        own, _ = get_data(page.file.content_string)
        # Escaped: Material writes it into its meta tag as it is.
        page.meta["description"] = escape(description(own))
    try:
        source = _project.load(path)
    except PageError:
        return markdown  # the listings plugin says why
    outputs = [listing.expected or "" for listing in source.listings]
    code = [listing.code for listing in source.listings]
    for problem in prose.check(source.text, source.name, outputs, code):
        log.error("prose: %s", problem)
    return markdown


def description(markdown: str, limit: int = 160) -> str:
    """The page's first paragraph as plain text (its code's text kept, its
    links' text, no markup), cut at a word within ``limit`` characters."""
    tokens = parser().parse(markdown)
    for opening, inline in itertools.pairwise(tokens):
        if opening.type == "paragraph_open" and opening.level == 0:
            words = " ".join(
                "".join(
                    " " if child.type in {"softbreak", "hardbreak"} else child.content
                    for child in inline.children or []
                    if child.type in {"text", "code_inline", "softbreak", "hardbreak"}
                ).split()
            )
            if words:
                break
    else:
        return ""
    if len(words) <= limit:
        return words
    return words[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.") + "\u2026"


def _source(page, config) -> Path | None:
    """The page's Markdown file in the docs folder; None for a page the
    listings plugin made (a notebook view, the page of a page's errors)."""
    if page.file.abs_src_path is None:
        return None
    path = Path(page.file.abs_src_path).resolve()
    return path if path.is_relative_to(Path(config.docs_dir).resolve()) else None


def on_page_content(html_text: str, page, config, files) -> str:
    """API names linked, and TeX as MathML (a notebook view's too)."""
    path = _source(page, config)
    if path is None:
        if page.file.src_uri.endswith(".ipynb"):
            return mathml.notebook_math_to_mathml(html_text)
        return mathml.arithmatex_to_mathml(html_text)
    root = Path(config.config_file_path).parent.resolve()
    where = path.relative_to(root).as_posix() if path.is_relative_to(root) else path
    source = page.file.content_string

    def report(code: str, name: str, reason: str) -> None:
        log.error(api_links.unresolved_message(where, source, code, name, reason))

    text, _ = api_links.link_api_names(html_text, _resolutions, report)
    return mathml.arithmatex_to_mathml(text)


def on_page_context(context, page, config, nav):
    """The page's social card, drawn or taken from the cache
    (``pytorch_mechanics.cards``); overrides/main.html names it."""
    _cards.place(page, config)
    return context


def on_post_build(config) -> None:
    _resolutions.save()
    _cards.prune()
    log.info(
        "social cards: %d drawn, %d in all, %.2f s",
        _cards.drawn,
        _cards.placed,
        _cards.seconds,
    )
