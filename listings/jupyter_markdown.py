"""A page's prose in the Markdown Jupyter renders (CommonMark, GitHub tables,
``$...$`` math), for its notebook.

The page is parsed with markdown-it-py and mdit-py-plugins (admonitions,
footnotes, and content tabs, a rule of this module), and each construct
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

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.footnote import footnote_plugin

TAB = re.compile(r'^===(\+)?\s+"(?P<title>[^"]*)"\s*$')
# An attribute list of Python-Markdown's attr_list: { .class #id key=value }.
_ATTRIBUTE = r'(?:[.#][\w-]+|[\w-]+=(?:"[^"]*"|[^\s}]+))'
ATTRIBUTES = re.compile(rf"\{{:?\s*{_ATTRIBUTE}(?:\s+{_ATTRIBUTE})*\s*\}}")


def _tab(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """pymdownx.tabbed's ``=== "Title"``: the lines indented under it."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start] + state.tShift[start]
    match = TAB.match(state.src[begin : state.eMarks[start]])
    if match is None:
        return False
    if silent:
        return True
    indent = state.sCount[start] + 4
    last = start + 1
    while last < end:
        blank = state.isEmpty(last)
        if not blank and state.sCount[last] < indent:
            break
        last += 1
    while last > start + 1 and state.isEmpty(last - 1):
        last -= 1
    token = state.push("tab_open", "div", 1)
    token.map, token.content = [start, last], match["title"]
    old_indent, old_max = state.blkIndent, state.lineMax
    state.blkIndent, state.lineMax = indent, last
    state.md.block.tokenize(state, start + 1, last)
    state.blkIndent, state.lineMax = old_indent, old_max
    state.push("tab_close", "div", -1)
    state.line = last
    return True


@functools.cache
def parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.use(admon_plugin).use(footnote_plugin)
    md.block.ruler.before("fence", "tab", _tab)
    return md


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
        out = []
        fence = None
        for line in lines:
            stripped = line.lstrip()
            if fence is None and stripped.startswith(("```", "~~~")):
                fence = stripped[:3]
                out.append(line)
                continue
            if fence is not None and stripped.startswith(fence):
                fence = None
            out.append(line if fence is not None else self.inline(line, links))
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
    """A link on ``page`` (``docs``-relative, ``mnist.md``) as the published
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
