"""TeX as MathML, at build time: no math script or font is fetched.

The chapters' TeX comes from pymdownx.arithmatex (``on_page_content`` in the
site's hooks, or this module as a Markdown extension for Zensical); a
notebook view's comes from nbconvert, as ``$...$`` left for MathJax.
"""

from __future__ import annotations

import functools
import html
import re

from latex2mathml.converter import convert
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor

# pymdownx.arithmatex (generic mode) leaves \( \) and \[ \] in these wrappers.
ARITHMATEX = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*\\(?P<open>[(\[])(?P<tex>.*?)'
    r"\\[)\]]\s*</(?P=tag)>",
    re.DOTALL,
)


# What nbconvert leaves verbatim: code, scripts, styles, the copy buttons' text.
VERBATIM = re.compile(
    r"<(?P<tag>pre|code|script|style)\b.*?</(?P=tag)\s*>"
    r'|<div id="cell-\d+" class="clipboard-copy-txt">.*?</div>',
    re.S | re.I,
)
DISPLAY_MATH = re.compile(r"\$\$(?P<tex>.+?)\$\$", re.S)
INLINE_MATH = re.compile(r"(?<![\\$\w])\$(?P<tex>[^\s$](?:[^$\n]*?[^\s$\\])?)\$(?!\w)")


# In HTML a <math> element is MathML without it (the parser gives it that
# namespace): 44 bytes a formula, about 200 of them on a chapter.
XMLNS = ' xmlns="http://www.w3.org/1998/Math/MathML"'


@functools.lru_cache(maxsize=4096)
def mathml(tex: str, display: bool) -> str:
    """One formula as MathML, inline or as a block."""
    return convert(tex, display="block" if display else "inline").replace(XMLNS, "", 1)


def arithmatex_to_mathml(html_text: str) -> str:
    """A page's HTML with arithmatex's TeX wrappers rendered as MathML."""

    def replace(match: re.Match) -> str:
        tex = html.unescape(match["tex"]).strip()
        body = mathml(tex, match["open"] == "[")
        return f'<{match["tag"]} class="math">{body}</{match["tag"]}>'

    return ARITHMATEX.sub(replace, html_text)


def _math(tex: str, display: bool) -> str:
    classes = "math math-block" if display else "math"
    return f'<span class="{classes}">{mathml(tex, display)}</span>'


def notebook_math_to_mathml(html_text: str) -> str:
    """A notebook view's HTML with the TeX nbconvert left for MathJax
    (``$...$``, ``$$...$$``) as MathML, outside code."""

    def convert(text: str) -> str:
        text = DISPLAY_MATH.sub(
            lambda m: _math(html.unescape(m["tex"]).strip(), True), text
        )
        return INLINE_MATH.sub(
            lambda m: _math(html.unescape(m["tex"]).strip(), False), text
        )

    out, position = [], 0
    for m in VERBATIM.finditer(html_text):
        out += [convert(html_text[position : m.start()]), m[0]]
        position = m.end()
    out.append(convert(html_text[position:]))
    return "".join(out)


class MathMLExtension(Extension):
    """``markdown_extensions: [pytorch_mechanics.mathml]``: the same MathML for a
    generator that runs no MkDocs plugin (Zensical)."""

    def extendMarkdown(self, md):
        md.postprocessors.register(_MathML(md), "listings-mathml", 5)


class _MathML(Postprocessor):
    def run(self, text: str) -> str:
        return arithmatex_to_mathml(text)


def makeExtension(**kwargs):
    return MathMLExtension(**kwargs)
