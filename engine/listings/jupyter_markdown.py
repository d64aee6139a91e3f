"""A page's prose in the Markdown Jupyter renders (CommonMark, GitHub tables,
``$...$`` math), for its notebook.

The page is parsed with the engine's one Markdown parser (``listings.scan``:
markdown-it-py with admonitions, footnotes and content tabs), and each construct
that only MkDocs renders is written again, in place, at the lines the parser
says it spans: an admonition becomes a block quote with its title in bold, a
collapsed one a ``<details>`` element, a content tab a part with its title in
bold, a footnote reference a number whose note is collected at the
notebook's end, a link to a chapter the chapter's address on the published
site, and attribute lists (``{ .class }``) go.
"""

from __future__ import annotations

import functools
import posixpath
import re
import textwrap
from collections.abc import Callable

from .scan import fenced_lines, parser

# An attribute list of Python-Markdown's attr_list: { .class #id key=value }.
_ATTRIBUTE = r'(?:[.#][\w-]+|[\w-]+=(?:"[^"]*"|[^\s}]+))'
ATTRIBUTES = re.compile(rf"\{{:?\s*{_ATTRIBUTE}(?:\s+{_ATTRIBUTE})*\s*\}}")


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


@functools.lru_cache(maxsize=64)
def definitions(page_text: str) -> dict[str, str]:
    """A page's footnote definitions, by label (the page's two notebooks,
    for download and for its view, share them)."""
    texts: dict[str, str] = {}
    label = None
    for token in parser().parse(page_text):
        if token.type == "footnote_open":
            label = token.meta.get("label")
        elif token.type == "inline" and label is not None:
            texts.setdefault(label, token.content)
        elif token.type == "footnote_close":
            label = None
    return texts


class Notes:
    """A page's footnotes: numbered in the order they are first referred to,
    listed at the notebook's end."""

    def __init__(self, page_text: str, link: Callable[[str], str]):
        self.link = link
        self.numbers: dict[str, int] = {}
        self.texts = definitions(page_text)

    def number(self, label: str) -> int:
        return self.numbers.setdefault(label, len(self.numbers) + 1)

    def cell(self) -> str | None:
        """The notes, as the notebook's last Markdown cell."""
        if not self.numbers:
            return None
        lines = ["## Notes", ""]
        for label, number in self.numbers.items():
            text = Converter(self, self.link).inline(self.texts.get(label, label))
            lines.append(f"{number}. {text}")
        return "\n".join(lines)


class Converter:
    """Rewrites one piece of a page's prose for Jupyter."""

    def __init__(self, notes: Notes, link: Callable[[str], str]):
        self.notes, self.link = notes, link

    @staticmethod
    def _links(tokens) -> set[str]:
        return {
            child.attrs.get("href", "")
            for token in tokens
            for child in token.children or []
            if child.type == "link_open"
        }

    def inline(self, text: str, links: set[str] | None = None) -> str:
        """Footnote references, links to pages and attribute lists in a line
        (``links``: the targets the parser found in its piece of prose)."""
        if links is None:
            links = self._links(parser().parse(text))
        for href in links:
            if f"]({href}" in text:
                text = text.replace(f"]({href}", f"]({self.link(href)}")
        # The page's footnote labels (its definitions are elsewhere on it).
        for label in self.notes.texts:
            reference = f"[^{label}]"
            if reference in text and not text.lstrip().startswith(reference + ":"):
                number = self.notes.number(label)
                text = text.replace(reference, f"<sup>{number}</sup>")
        return ATTRIBUTES.sub("", text).rstrip()

    def _without_definitions(self, lines: list[str]) -> list[str]:
        """The lines without the page's footnote definitions (the notes hold
        them; the parser drops a definition that this piece does not refer to)."""
        kept, inside = [], False
        starts = tuple(f"[^{label}]:" for label in self.notes.texts)
        for line in lines:
            if starts and line.startswith(starts):
                inside = True
                continue
            if inside and (line.startswith("    ") or not line.strip()):
                continue
            inside = False
            kept.append(line)
        return kept

    def convert(self, text: str) -> str:
        lines = self._without_definitions(text.split("\n"))
        text = "\n".join(lines)
        tokens = parser().parse(text)
        links = self._links(tokens)
        blocks = [  # (first line, end line, the token that opens the block)
            (*token.map, token)
            for token in tokens
            if token.type in {"admonition_open", "tab_open"} and token.map
        ]
        # The last block first, so that the lines of those before it stay
        # where they are; a block that holds a rewritten one grows or shrinks.
        done: list[tuple[int, int, int]] = []
        for start, end, token in sorted(blocks, key=lambda b: b[0], reverse=True):
            for a, b, size in done:
                if start < a and end >= b:
                    end += size - (b - a)
            new = self._block(token, lines[start:end])
            lines[start:end] = new
            done.append((start, end, len(new)))
        text = "\n".join(lines)
        code = fenced_lines(text)
        out = [
            line if number in code else self.inline(line, links)
            for number, line in enumerate(text.split("\n"))
        ]
        return "\n".join(out).strip("\n")

    def _block(self, token, lines: list[str]) -> list[str]:
        indent = _indent(lines[0])
        body = textwrap.dedent("\n".join(lines[1:]))
        body = self.convert(body).split("\n") if body.strip() else []
        title = self.inline(token.content) if token.content else ""
        if token.type == "tab_open":
            return [
                f"{indent}**{title}**",
                "",
                *(indent + b if b else "" for b in body),
            ]
        if token.markup.startswith("?"):
            head = f"{indent}<details><summary>{title or 'Details'}</summary>"
            opened = " open" if token.markup.endswith("+") else ""
            head = head.replace("<details>", f"<details{opened}>")
            body = [indent + b if b else "" for b in body]
            return [head, "", *body, "", f"{indent}</details>", ""]
        head = [f"{indent}> **{title}**", f"{indent}>"] if title else []
        quoted = [f"{indent}> {b}" if b else f"{indent}>" for b in body]
        return [*head, *quoted, ""]


def chapter_link(site_url: str, page: str) -> Callable[[str], str]:
    """A link on ``page`` (``docs``-relative, ``guide.md``) as the published
    site's address when it goes to another page of the site."""

    def link(href: str) -> str:
        if re.match(r"^[a-z][\w+.-]*:|^#|^/", href) or not site_url:
            return href
        path, _, anchor = href.partition("#")
        if not path.endswith(".md"):
            return href
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
        stem = target.removesuffix(".md")
        address = "" if stem == "index" else stem.removesuffix("/index") + "/"
        return site_url.rstrip("/") + "/" + address + (f"#{anchor}" if anchor else "")

    return link
