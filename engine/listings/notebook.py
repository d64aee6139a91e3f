"""A Jupyter notebook made from a page: prose as Markdown, listings as code cells.

Each code cell carries what its listing printed and the figures it drew, so the
notebook opens with the same outputs the page shows, and runs as is.
"""

from __future__ import annotations

import base64
import html as htmllib
import re
import textwrap
import urllib.parse
from collections.abc import Callable

import nbformat
from nbformat import v4

from .jupyter_markdown import Converter, Notes
from .page import Page, fence_info
from .result import Result

MARK_OR_EXPECTED = re.compile(r"^\s*<!--[-\s]*pytest[.-].*-->\s*$")
ATTRIBUTE_FENCE = re.compile(r"^(?P<indent>\s*)(?P<ticks>`{3,})\s*(?P<info>\{.*\})\s*$")


def _outdented(lines: list[str]) -> list[str]:
    """A piece of prose that starts inside a block an earlier piece opened
    (the rest of an exercise's solution, after its listing): its first
    indented lines as plain text, not as an indented code block."""
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    top = next(
        (
            i
            for i, line in enumerate(lines[first:], first)
            if line.strip() and line[0] != " "
        ),
        len(lines),
    )
    return [*textwrap.dedent("\n".join(lines[:top])).split("\n"), *lines[top:]]


def _prose(lines: list[str], expand: Callable[[str], str], convert) -> str:
    out = []
    for line in expand("\n".join(lines)).split("\n"):
        if MARK_OR_EXPECTED.match(line):
            continue
        fence = ATTRIBUTE_FENCE.match(line)
        if fence:  # Jupyter knows ```python, not ``` { .python .no-run }
            language, _ = fence_info(fence["info"])
            line = f"{fence['indent']}{fence['ticks']}{language}"
        out.append(line)
    return convert("\n".join(_outdented(out))).strip("\n")


def _outputs(result: Result, links: list[str] | None = None) -> list[dict]:
    """A cell's outputs: what it printed, then its figures, embedded or, given
    ``links``, as references to image files (nbconvert's ``filenames``)."""
    outputs = []
    if result.stdout:
        outputs.append(
            {"output_type": "stream", "name": "stdout", "text": result.stdout}
        )
    for number, image in enumerate(result.figures):
        if links is None:
            data = {"image/png": base64.b64encode(image).decode()}
            metadata = {}
        else:
            data = {"image/png": ""}
            metadata = {"filenames": {"image/png": links[number]}}
        data["text/plain"] = "<Figure>"
        outputs.append(
            {"output_type": "display_data", "data": data, "metadata": metadata}
        )
    return outputs


def _markdown(source: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def page_notebook(
    page: Page,
    results: list[Result],
    intro: str,
    expand: Callable[[str], str] = lambda text: text,
    figure_links: list[list[str]] | None = None,
    setup: str | None = None,
    link: Callable[[str], str] = lambda href: href,
) -> str:
    """The notebook's JSON text (nbformat 4.5); ``intro`` opens it as a Markdown cell.

    ``setup``, the code that writes the files the page needs beside it, is
    its first code cell (the page's run runs it first, too). The prose is
    written in Jupyter's Markdown (``listings.jupyter_markdown``); ``link``
    gives a link to another page its address (the published site's).

    ``expand`` resolves snippet includes left in the prose (code shown, not run).
    ``figure_links`` (per listing, per figure) makes the figures references to
    the site's image files instead of embedded images: the notebook the site
    renders as a page, not the one it offers for download.
    Cells are plain dicts: nbformat's constructors validate every cell against
    the schema, which costs more on each build than writing the notebook; the
    tests validate the result instead.
    """
    lines = page.text.split("\n")
    notes = Notes(page.text, link)  # the definitions are on the page itself
    convert = Converter(notes, link).convert
    cells = [_markdown(intro)]
    first = 1
    if setup:
        cells.append(
            {
                "cell_type": "code",
                "execution_count": 1,
                "metadata": {"tags": ["support-files"]},
                "outputs": [],
                "source": setup.rstrip("\n"),
            }
        )
        first = 2
    position = 0
    for count, (listing, result) in enumerate(
        zip(page.listings, results, strict=True), start=first
    ):
        prose = _prose(lines[position : listing.fence_line], expand, convert)
        if prose:
            cells.append(_markdown(prose))
        cells.append(
            {
                "cell_type": "code",
                "execution_count": count,
                "metadata": {"tags": [listing.name]},
                "outputs": _outputs(
                    result, figure_links[count - first] if figure_links else None
                ),
                "source": listing.code.rstrip("\n"),
            }
        )
        end = listing.output_span[1] if listing.output_span else listing.fence_end
        position = end + 1
    rest = _prose(lines[position:], expand, convert)
    if rest:
        cells.append(_markdown(rest))
    if notes.cell():
        cells.append(_markdown(notes.cell()))
    # Stable cell ids: the same page always gives the same file.
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
    notebook = {
        "cells": cells,
        "metadata": {
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3",
                "language": "python",
            },
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return v4.writes(nbformat.from_dict(notebook))


# The notebook view: mkdocs-jupyter's HTML of a page's notebook, made to fit the
# site. nbconvert's templates load MathJax, mermaid and require.js from CDNs;
# the site loads nothing from outside its origin and renders math as MathML.
SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.S | re.I)
SRC = re.compile(r"""\bsrc\s*=\s*(?:"(?P<a>[^"]*)"|'(?P<b>[^']*)'|(?P<c>[^\s>]+))""")
MATHJAX_COMMENT = re.compile(r"<!--(?:(?!-->).)*?mathjax(?:(?!-->).)*-->", re.S | re.I)
OUTSIDE = re.compile(r"""(?:https?:)?//[\w.-]+\.\w+""")
RESOURCE = re.compile(
    r"""<(?:img|script|iframe|source|embed|audio|video)\b[^>]*\bsrc\s*=\s*["']?"""
    r"""(?P<src>(?:https?:)?//[^"'\s>]+)"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?(?P<href>(?:https?:)?//[^"'\s>]+)"""
    r"""|(?:url\(\s*["']?|@import\s+["']|import\(\s*["'])(?P<css>(?:https?:)?//[^"')\s]+)""",
    re.I,
)
PAGE_LINK = re.compile(
    r'(?P<head><a\s[^>]*?\bhref=")(?P<path>[^"#?:]+\.md)(?P<tail>#[^"]*)?"'
)
FIGURE = re.compile(r'<img\b[^>]*?\bsrc="(?P<src>[^"]+#only-light)"[^>]*>')


def _script_src(attrs: str) -> str | None:
    m = SRC.search(attrs)
    return None if m is None else (m["a"] or m["b"] or m["c"] or "")


def _without_outside_scripts(html: str) -> str:
    """No script that loads from outside the site, or loads nothing (an empty
    ``src``), nor the inline ones that would import from a CDN or configure
    MathJax; the clipboard script of the copy buttons stays."""

    def keep(m: re.Match) -> str:
        src = _script_src(m["attrs"])
        if src is not None and (not src.strip() or OUTSIDE.match(src.strip())):
            return ""
        if "mathjax" in m["attrs"].lower() or OUTSIDE.search(m["body"]):
            return ""
        return m[0]

    return MATHJAX_COMMENT.sub("", SCRIPT.sub(keep, html))


STYLE = re.compile(r"<style\b[^>]*>(?P<css>.*?)</style\s*>", re.S | re.I)
# The copy button's icon, the same inline SVG in every code cell.
COPY_ICON = re.compile(
    r'<svg\b(?P<attrs>[^>]*\bclass="clipboard-copy-icon"[^>]*)>(?P<body>.*?)</svg\s*>',
    re.S | re.I,
)
ATTRIBUTE = re.compile(r'\b(?P<name>[\w-]+)="(?P<value>[^"]*)"')


def shared_styles(html: str) -> tuple[str, str]:
    """The view's HTML without its inline stylesheets, and those stylesheets
    as one text: every view carries the same ones (about 600 KB of
    Jupyter's CSS), which the site then serves once, as a file. The copy
    button's icon, an inline SVG in each code cell (about 700 bytes each),
    goes there too: each cell keeps an empty element that the stylesheet
    draws the same icon in (a mask, in the icon's colour)."""
    found = [m["css"] for m in STYLE.finditer(html)]
    icon = COPY_ICON.search(html)
    if icon is not None:
        # First: a stylesheet may end in a fault that would swallow it (one
        # of nbconvert's is a Python list's repr, ``['...']``).
        found.insert(0, _icon_rule(icon))
        html = COPY_ICON.sub(
            '<span aria-hidden="true" class="clipboard-copy-icon"></span>', html
        )
    return STYLE.sub("", html), "\n".join(found)


def _icon_rule(icon: re.Match) -> str:
    """The stylesheet rule that draws ``icon`` (an inline SVG) in an empty
    element of its class, at the SVG's size, under the stylesheet's own rules
    for that class (which are more specific, and set its width)."""
    attrs = {m["name"].lower(): m["value"] for m in ATTRIBUTE.finditer(icon["attrs"])}
    box = attrs.get("viewbox", "0 0 16 16")
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{box}">'
        f"{' '.join(icon['body'].split())}</svg>"
    )
    url = 'url("data:image/svg+xml,' + urllib.parse.quote(svg, safe=" /=:.,-") + '")'
    # Its width, and its height from its shape, as an SVG image's would be.
    ratio = "/".join(box.split()[2:4])
    size = f"width:{attrs['width']}px;" if "width" in attrs else ""
    size += f"aspect-ratio:{ratio};" if ratio else ""
    mask = f"{url} center/contain no-repeat content-box"
    return (
        f".jupyter-wrapper span.clipboard-copy-icon{{display:inline-block;{size}"
        f"background-color:currentColor;-webkit-mask:{mask};mask:{mask}}}"
    )


# A code cell's highlighted code, and the tokens in it that the view's
# stylesheet (listings.css) draws in the code's own colour: names and
# whitespace, about a third of the tokens, whose spans go.
CODE = re.compile(
    r'<div\b[^>]*\bclass="highlight-ipynb[^"]*"[^>]*>\s*<pre>.*?</pre>', re.S
)
PLAIN_TOKEN = re.compile(r'<span class="(?:n|nx|w)">([^<]*)</span>')
# A code cell's code, then the hidden copy of it that its copy button names.
COPY_SOURCE = re.compile(
    r'(?P<code><div\b[^>]*\bclass="highlight-ipynb[^"]*"[^>]*>\s*<pre)'
    r"(?P<shown>>(?:(?!</pre>).)*</pre>\s*</div>)\s*"
    r'<div class="clipboard-copy-txt" id="(?P<id>[^"]*)">[^<]*</div>',
    re.S,
)
# Jupyter's cell collapsers: empty, and hidden by the views' stylesheet.
COLLAPSER = re.compile(r'<div class="jp-Collapser\b[^"]*">\s*</div>\s*')
# The bar mkdocs-jupyter draws above a code cell with tags, showing them: the
# notebook's own bookkeeping (a listing's name), nothing a reader needs.
TAG_BAR = re.compile(
    r'<div class="celltoolbar">\s*'
    r'(?:<div class="button_container tags_button_container">'
    r'\s*<span class="tag-container">\s*<span class="cell-tag">[^<]*</span>\s*</span>'
    r"\s*</div>\s*)*</div>\s*"
)
# What draws nothing: Pygments' empty span at the start of a block, the MIME
# type of a Markdown cell or a plain-text output (no rule selects those), and
# the attribute ``,`` that a stray comma in mkdocs-jupyter's template gives
# each copy button.
INERT = re.compile(
    r'(?<=<pre>)<span></span>| data-mime-type="text/(?:markdown|plain)"'
    r'|(?<=<clipboard-copy) ,=""'
)


def view_html(
    html: str,
    figures: dict[str, tuple],
    link: Callable[[str], str | None],
) -> tuple[str, list[str]]:
    """mkdocs-jupyter's HTML of a view notebook, ready for the site.

    ``figures`` maps each figure's link in the notebook (ending ``#only-light``)
    to its alt text, its dark version's link and, optionally, its (width,
    height) in pixels, which its tags then give; ``link`` turns a link to a
    chapter (``intro.md#setup``, relative to the chapter) into a link from
    the view. Returns the HTML and what is wrong with it: a resource it would
    load from outside the site, a link to no page, a figure without its data.
    """
    problems = []
    html = _without_outside_scripts(html)
    # A code cell scrolls sideways: the keyboard must reach it.
    html = html.replace(
        '<div class="highlight-ipynb', '<div tabindex="0" class="highlight-ipynb'
    )
    html = CODE.sub(lambda m: PLAIN_TOKEN.sub(r"\1", m[0]), html)
    html = INERT.sub("", TAG_BAR.sub("", html))
    # nbconvert makes every cell a stop of the Tab key, as JupyterLab's
    # command mode needs; here a cell does nothing when focused (it does
    # not scroll: its code and outputs do, and they keep their stops).
    html = html.replace(
        '<div class="jp-Cell-inputWrapper" tabindex="0">',
        '<div class="jp-Cell-inputWrapper">',
    )
    # The copy button copies its cell's code from a hidden copy of it (about
    # 7% of a view): it copies the code shown instead.
    html = COPY_SOURCE.sub(r'\g<code> id="\g<id>"\g<shown>', html)
    html = COLLAPSER.sub("", html)

    def page_link(m: re.Match) -> str:
        target = link(m["path"])
        if target is None:
            problems.append(f"a link to {m['path']}, which is no page of the site")
            return m[0]
        return f'{m["head"]}{target}{m["tail"] or ""}"'

    html = PAGE_LINK.sub(page_link, html)

    shown = set()

    def figure(m: re.Match) -> str:
        alt, dark, *size = figures.get(m["src"], (None, None))
        if alt is None:
            problems.append(f"a figure {m['src']} that no listing drew")
            return m[0]
        shown.add(m["src"])
        alt = htmllib.escape(alt, quote=True)
        lazy = 'loading="lazy" class="notebook-figure"'
        if size and size[0]:
            lazy += ' width="{}" height="{}"'.format(*size[0])
        tags = [f'<img src="{m["src"]}" alt="{alt}" {lazy}>']
        if dark is not None:
            tags.append(f'<img src="{dark}" alt="{alt}" {lazy}>')
        return "".join(tags)

    html = FIGURE.sub(figure, html)
    problems += [
        f"no figure {src} in the rendered notebook" for src in figures.keys() - shown
    ]
    for m in RESOURCE.finditer(html):
        url = m["src"] or m["href"] or m["css"]
        problems.append(f"it would load {url} from outside the site")
    return html, problems
