"""A Jupyter notebook made from a page: prose as Markdown, listings as code cells.

Each code cell carries what its listing printed and the figures it drew, so the
notebook opens with the same outputs the page shows, and runs as is.
"""

from __future__ import annotations

import base64
import re
import textwrap
from collections.abc import Callable

import nbformat
from nbformat import v4

from .page import Page, fence_info
from .runner import Result

ADMONITION = re.compile(
    r'^(?P<indent>\s*)(?:!!!|\?\?\?\+?)\s*\w+(?:\s+"(?P<title>[^"]*)")?\s*$'
)
MARK_OR_EXPECTED = re.compile(r"^\s*<!--[-\s]*pytest[.-].*-->\s*$")
ATTRIBUTE_FENCE = re.compile(r"^(?P<indent>\s*)(?P<ticks>`{3,})\s*(?P<info>\{.*\})\s*$")


def _prose(lines: list[str], expand: Callable[[str], str]) -> str:
    out = []
    for line in expand("\n".join(lines)).split("\n"):
        if MARK_OR_EXPECTED.match(line):
            continue
        fence = ATTRIBUTE_FENCE.match(line)
        if fence:  # Jupyter knows ```python, not ``` { .python .no-run }
            language, _ = fence_info(fence["info"])
            line = f"{fence['indent']}{fence['ticks']}{language}"
        m = ADMONITION.match(line)
        if m:
            title = m.group("title") or ""
            line = f"{m.group('indent')}**{title}**" if title else ""
        out.append(line)
    return textwrap.dedent("\n".join(out)).strip("\n")


def _outputs(result: Result) -> list[dict]:
    outputs = []
    if result.stdout:
        outputs.append(
            {"output_type": "stream", "name": "stdout", "text": result.stdout}
        )
    for image in result.figures:
        data = {"image/png": base64.b64encode(image).decode(), "text/plain": "<Figure>"}
        outputs.append({"output_type": "display_data", "data": data, "metadata": {}})
    return outputs


def _markdown(source: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def page_notebook(
    page: Page,
    results: list[Result],
    intro: str,
    expand: Callable[[str], str] = lambda text: text,
) -> str:
    """The notebook's JSON text (nbformat 4.5); ``intro`` opens it as a Markdown cell.

    ``expand`` resolves snippet includes left in the prose (code shown, not run).
    Cells are plain dicts: nbformat's constructors validate every cell against
    the schema, which costs more on each build than writing the notebook; the
    tests validate the result instead.
    """
    lines = page.text.split("\n")
    cells = [_markdown(intro)]
    position = 0
    for count, (listing, result) in enumerate(
        zip(page.listings, results, strict=True), start=1
    ):
        prose = _prose(lines[position : listing.fence_line], expand)
        if prose:
            cells.append(_markdown(prose))
        cells.append(
            {
                "cell_type": "code",
                "execution_count": count,
                "metadata": {"tags": [listing.name]},
                "outputs": _outputs(result),
                "source": listing.code.rstrip("\n"),
            }
        )
        end = listing.output_span[1] if listing.output_span else listing.fence_end
        position = end + 1
    rest = _prose(lines[position:], expand)
    if rest:
        cells.append(_markdown(rest))
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
