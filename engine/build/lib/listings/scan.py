"""The one reading of a page's Markdown structure: markdown-it-py's tokens and
the lines each block spans.

The page model (its fences, marks and expected outputs), the notebook's
prose, its Jupyter Markdown and a site's own checks all take their fences
from here, so they agree on where a fence starts and ends: a fence inside
an admonition, a content tab or a list item, a ``~~~`` fence, a longer
closing fence.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.footnote import footnote_plugin

TAB = re.compile(r'^===(\+)?\s+"(?P<title>[^"]*)"\s*$')
COMMENT = re.compile(r"^\s*<!--(?P<text>.*?)-->\s*$", re.DOTALL)


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
    """CommonMark with tables and raw HTML, plus what Material's pages use:
    admonitions (``!!!``, ``???``), footnotes and content tabs."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.use(admon_plugin).use(footnote_plugin)
    md.block.ruler.before("fence", "tab", _tab)
    return md


@dataclass(frozen=True)
class Fence:
    """A fenced code block; lines are 0-based, ``end`` is its closing line."""

    start: int
    end: int
    info: str
    content: str
    indent: str
    closed: bool


@dataclass(frozen=True)
class Comment:
    """An HTML comment that is a block of its own, on lines ``start``..``end``."""

    start: int
    end: int
    text: str


@functools.lru_cache(maxsize=256)
def blocks(text: str) -> tuple[Fence | Comment, ...]:
    """The page's fences and comment blocks, in page order."""
    lines = text.split("\n")
    found: list[Fence | Comment] = []
    for token in parser().parse(text):
        if token.map is None:
            continue
        start, end = token.map[0], token.map[1] - 1
        if token.type == "fence":
            opening = lines[start]
            last = lines[end].strip() if end > start else ""
            closed = (
                end > start
                and last.startswith(token.markup)
                and not last.strip(token.markup[0])
            )
            found.append(
                Fence(
                    start=start,
                    end=end,
                    info=token.info.strip(),
                    content=token.content,
                    indent=opening[: len(opening) - len(opening.lstrip())],
                    closed=closed,
                )
            )
        elif token.type == "html_block":
            comment = COMMENT.match(token.content)
            if comment is not None:
                found.append(Comment(start, end, comment["text"].strip()))
    return tuple(found)


def fenced_lines(text: str) -> set[int]:
    """The 0-based lines that belong to a fence, its fence lines included."""
    return {
        number
        for block in blocks(text)
        if isinstance(block, Fence)
        for number in range(block.start, block.end + 1)
    }
