"""Render TeX as MathML at build time: no math script or font is fetched."""

import html
import re

from latex2mathml.converter import convert

# pymdownx.arithmatex (generic mode) leaves \( \) and \[ \] in these wrappers.
ARITHMATEX = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*\\(?P<open>[(\[])(?P<tex>.*?)'
    r"\\[)\]]\s*</(?P=tag)>",
    re.DOTALL,
)


def _mathml(match: re.Match) -> str:
    display = "block" if match["open"] == "[" else "inline"
    tex = html.unescape(match["tex"]).strip()
    return (
        f'<{match["tag"]} class="math">{convert(tex, display=display)}</{match["tag"]}>'
    )


def on_page_content(html_text, page, config, files):
    return ARITHMATEX.sub(_mathml, html_text)
