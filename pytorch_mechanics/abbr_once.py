"""A Python-Markdown extension: a glossary hover once per term and section.

The ``abbr`` extension wraps every occurrence of a defined term in
``<abbr title="...">``, so a paragraph that says "batch" five times shows the
definition five times. This tree processor runs after ``abbr`` (priority 6,
below abbr's 7) and keeps the ``<abbr>`` only on the first occurrence of each
term in a section, a section starting at each h1, h2 or h3 heading (an h4 or
lower does not start one). Later occurrences become plain text again: the
term and the text after it (its tail) rejoin the text around them.

Only the ``<abbr>`` elements that ``abbr`` made are touched (the term is one
of its abbreviations, with its definition as the title). Use it beside
``abbr``, in mkdocs.yml or ``markdown.Markdown(extensions=["abbr",
"pytorch_mechanics.abbr_once"])``.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Extension, Markdown
from markdown.extensions.abbr import AbbrExtension
from markdown.treeprocessors import Treeprocessor

SECTION_HEADINGS = frozenset({"h1", "h2", "h3"})
PRIORITY = 6  # after abbr (7), before toc (5)


class AbbrOnceTreeprocessor(Treeprocessor):
    """Unwraps every ``<abbr>`` but the first of its term in each section."""

    def run(self, root: etree.Element) -> None:
        abbrs = self._definitions()
        if not abbrs:
            return
        seen: set[str] = set()
        later: list[tuple[etree.Element, etree.Element]] = []
        for parent, el in _walk(root):
            if el.tag in SECTION_HEADINGS:
                seen = set()
            elif el.tag == "abbr" and len(el) == 0:
                term = el.text or ""
                if abbrs.get(term) is None or el.get("title") != abbrs[term]:
                    continue
                if term in seen:
                    later.append((parent, el))
                seen.add(term)
        for parent, el in later:
            _unwrap(parent, el)

    def _definitions(self) -> dict[str, str]:
        for extension in self.md.registeredExtensions:
            if isinstance(extension, AbbrExtension):
                return extension.abbrs
        return {}


def _walk(root: etree.Element):
    """(parent, element) for every element below root, in document order."""
    for child in root:
        yield root, child
        yield from _walk(child)


def _unwrap(parent: etree.Element, el: etree.Element) -> None:
    """Replace el by its text, keeping its tail, in parent."""
    text = (el.text or "") + (el.tail or "")
    index = list(parent).index(el)
    if index == 0:
        parent.text = (parent.text or "") + text
    else:
        previous = parent[index - 1]
        previous.tail = (previous.tail or "") + text
    parent.remove(el)


class AbbrOnceExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.registerExtension(self)
        md.treeprocessors.register(AbbrOnceTreeprocessor(md), "abbr_once", PRIORITY)


def makeExtension(**kwargs) -> AbbrOnceExtension:
    return AbbrOnceExtension(**kwargs)
