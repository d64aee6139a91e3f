"""TeX as MathML, at build time: no math script or font is fetched."""

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


@functools.lru_cache(maxsize=4096)
def mathml(tex: str, display: bool) -> str:
    """One formula as MathML, inline or as a block."""
    return convert(tex, display="block" if display else "inline")


def arithmatex_to_mathml(html_text: str) -> str:
    """A page's HTML with arithmatex's TeX wrappers rendered as MathML."""

    def replace(match: re.Match) -> str:
        tex = html.unescape(match["tex"]).strip()
        body = mathml(tex, match["open"] == "[")
        return f'<{match["tag"]} class="math">{body}</{match["tag"]}>'

    return ARITHMATEX.sub(replace, html_text)


class MathMLExtension(Extension):
    """``markdown_extensions: [listings.mathml]``: the same MathML for a
    generator that runs no MkDocs plugin (Zensical)."""

    def extendMarkdown(self, md):
        md.postprocessors.register(_MathML(md), "listings-mathml", 5)


class _MathML(Postprocessor):
    def run(self, text: str) -> str:
        return arithmatex_to_mathml(text)


def makeExtension(**kwargs):
    return MathMLExtension(**kwargs)
