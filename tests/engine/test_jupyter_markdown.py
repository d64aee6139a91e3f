"""A page's prose in the Markdown Jupyter renders: MkDocs' constructs written
again as CommonMark, links to the published site, footnotes collected."""

from __future__ import annotations

import re

import nbformat
import pytest
from conftest import REPO
from markdown_it import MarkdownIt

from listings import Project, Result
from listings.jupyter_markdown import Converter, Notes, chapter_link
from listings.notebook import page_notebook

SITE = "https://example.org/mechanics/"
PROJECT = Project.from_root(REPO)
CHAPTERS = [p for p in PROJECT.page_paths() if PROJECT.load(p).listings]
# What only MkDocs (Python-Markdown and its extensions) renders.
MKDOCS_ONLY = re.compile(r"\[\^|^\s*(?:!!!|\?\?\?|===)|\*\[|\{:|\{\s*[.#]|--8<--", re.M)


def convert(text: str, page: str = "mnist.md") -> tuple[str, str | None]:
    link = chapter_link(SITE, page)
    notes = Notes(text, link)
    return Converter(notes, link).convert(text), notes.cell()


def test_an_admonition_becomes_a_block_quote_with_its_title_in_bold():
    text, _ = convert('!!! abstract "What you will learn"\n    - one\n    - two\n')
    assert text == "> **What you will learn**\n>\n> - one\n> - two"


def test_a_collapsed_block_becomes_details_inside_its_list_item():
    page = '1. Predict it.\n\n    ??? success "Solution"\n        Because.\n'
    text, _ = convert(page)
    assert text == (
        "1. Predict it.\n\n    <details><summary>Solution</summary>\n\n"
        "    Because.\n\n    </details>"
    )


def test_content_tabs_become_headed_parts():
    text, _ = convert('=== "One"\n\n    First.\n\n=== "Two"\n\n    Second.\n')
    assert text == "**One**\n\nFirst.\n\n**Two**\n\nSecond."


def test_footnotes_are_numbered_and_collected_with_their_links():
    page = (
        "A claim[^b] and another[^a], again[^b].\n\n"
        "[^a]: Source A. See [References](references.md#a).\n"
        "[^b]: Source B.\n"
    )
    text, notes = convert(page)
    assert text == "A claim<sup>1</sup> and another<sup>2</sup>, again<sup>1</sup>."
    assert notes == (
        f"## Notes\n\n1. Source B.\n2. Source A. See [References]({SITE}references/#a)."
    )


def test_links_to_pages_go_to_the_published_site_and_attributes_go():
    text, _ = convert(
        "See [strides](tensors.md#strides), [home](index.md), "
        "[out](https://pytorch.org/) and [here](#below).\n\n"
        '[Download](x.ipynb){ download="x.ipynb" }\n'
    )
    assert f"[strides]({SITE}tensors/#strides)" in text
    assert f"[home]({SITE})" in text
    assert "[out](https://pytorch.org/)" in text and "[here](#below)" in text
    assert text.endswith("[Download](x.ipynb)")


def _cells(path) -> list[str]:
    page = PROJECT.load(path)
    blank = [Result() for _ in page.listings]
    link = chapter_link(SITE, path.relative_to(PROJECT.docs_dir).as_posix())
    text = page_notebook(page, blank, "Intro.", PROJECT.snippets.expand, link=link)
    notebook = nbformat.reads(text, as_version=4)
    return [c.source for c in notebook.cells if c.cell_type == "markdown"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_markdown_cell_is_commonmark_jupyter_renders(path):
    """No MkDocs-only syntax, no indented code block (the pages write code in
    fences), and every link to the site absolute."""
    commonmark = MarkdownIt("commonmark").enable("table")
    found = []
    for number, source in enumerate(_cells(path)):
        outside_code = re.sub(r"```.*?```|`[^`\n]*`", "", source, flags=re.S)
        for m in MKDOCS_ONLY.finditer(outside_code):
            found.append(f"cell {number}: {m.group(0)!r} in\n{source[:300]}")
        for token in commonmark.parse(source):
            if token.type == "code_block":
                found.append(f"cell {number}: an indented code block:\n{token.content}")
            for child in token.children or []:
                href = child.attrs.get("href", "") if child.type == "link_open" else ""
                if href.endswith(".md") or ".md#" in href:
                    found.append(f"cell {number}: a link to {href}")
    assert not found, "\n\n".join(found)
