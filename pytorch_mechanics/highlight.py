"""Highlighted Python with fewer elements and the same colours.

Pygments wraps every token in a ``<span class="...">``; on a chapter that is
3,000 to 7,700 spans, most of the page's elements, and a phone spends its
first seconds styling and laying them out. A third of them change nothing a
reader sees under Material's stylesheet: a plain name (``n``) and a constant
keyword (``kc``: True, False, None) are drawn in ``--md-code-hl-name-color``,
which Material defines as ``--md-code-fg-color``, the colour of the code
around them, and whitespace (``w``) has no style at all. They become plain
text, which Pygments joins with the plain text beside it.

``FEWER_SPANS`` is a Pygments filter, given to the Python lexer through
pymdownx.highlight's ``extend_pygments_lang`` (lexer option ``filters``) in
mkdocs.yml. tests/site/test_page_weight.py checks, in a browser and in
both palettes, that a name is still drawn in the code's colour.
"""

from __future__ import annotations

from pygments.filter import Filter
from pygments.token import Keyword, Name, Text

PLAIN = {Name, Keyword.Constant, Text.Whitespace}  # exactly these, no subtypes


class FewerSpans(Filter):
    """Plain names, constant keywords and whitespace as plain text."""

    def filter(self, lexer, stream):
        for kind, value in stream:
            yield (Text if kind in PLAIN else kind), value


FEWER_SPANS = FewerSpans()
