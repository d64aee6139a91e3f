"""Edit a page's Markdown around its listings: committed outputs and rendering."""

from __future__ import annotations

import re
import struct
from collections.abc import Callable

from .page import Listing, Page
from .result import Result
from .verify import normalize

EXPECTED_COMMENT = "<!--pytest-codeblocks:expected-output-->"
NO_OUTPUT_MARK = "<!--pytest.mark.no_output-->"


def fence(text: str, info: str, indent: str) -> list[str]:
    """A fenced block around ``text``, longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    # Blank lines keep the indentation: pytest-codeblocks drops the newline of
    # an empty line inside an indented fence.
    body = [indent + line for line in text.split("\n")]
    return [f"{indent}{ticks}{info}", *body, f"{indent}{ticks}"]


def png_size(image: bytes) -> tuple[int, int] | None:
    """A PNG's width and height in pixels, from its header; None if it is
    not a PNG."""
    if image[:8] != b"\x89PNG\r\n\x1a\n" or image[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", image[16:24])


def _edit(page: Page, edit: Callable[[Listing, list[str]], None]) -> str:
    """Apply ``edit`` to each listing, last first, so positions stay valid."""
    lines = page.text.split("\n")
    for listing in reversed(page.listings):
        edit(listing, lines)
    return "\n".join(lines)


def with_outputs(page: Page, outputs: list[str]) -> str:
    """The page's text with each listing's committed output replaced by ``outputs``.

    A listing that printed nothing gets a no_output mark instead of a block.
    """
    by_name = {item.name: out for item, out in zip(page.listings, outputs, strict=True)}

    def edit(listing: Listing, lines: list[str]) -> None:
        text = normalize(by_name[listing.name])
        indent = listing.indent
        if listing.output_span is not None:
            start, end = listing.output_span
            del lines[start : end + 1]
            if not text and lines[start - 1].strip() == "":
                del lines[start - 1]
        else:
            start = listing.fence_end + 1
        if text:
            block = [indent + EXPECTED_COMMENT, "", *fence(text, "text", indent)]
            if listing.output_span is None:
                block = ["", *block]
            lines[start:start] = block
        elif not listing.prints_nothing:
            lines.insert(listing.fence_line, indent + NO_OUTPUT_MARK)

    return _edit(page, edit)


def rendered(
    page: Page,
    results: list[Result],
    figure_paths: list[list[str]],
    problems: list[list],
    dark_figure_paths: list[list[str]] | None = None,
) -> str:
    """Markdown for the site: fresh output under each listing, then its figures.

    A figure with a dark version (``dark_figure_paths``, same shape) is shown
    twice, with Material's ``#only-light`` and ``#only-dark`` fragments, so the
    one that matches the reader's palette shows; both load lazily, so the
    browser downloads only the one it shows (a hidden image is never near the
    viewport), and both give their size, so nothing moves when one arrives. A
    listing with problems also gets a failure admonition that says what broke.
    """
    index = {item.name: i for i, item in enumerate(page.listings)}

    def edit(listing: Listing, lines: list[str]) -> None:
        i = index[listing.name]
        result, indent = results[i], listing.indent
        if listing.output_span is not None:
            start, end = listing.output_span
            del lines[start : end + 1]
        else:
            start = listing.fence_end + 1
        block = [""]
        output = normalize(result.stdout)
        if output:
            block += [*fence(output, " { .text .listing-output }", indent), ""]
        dark = dark_figure_paths[i] if dark_figure_paths else []
        for number, (path, alt) in enumerate(
            zip(figure_paths[i], listing.figure_alts, strict=False)
        ):
            safe_alt = alt.replace("[", "(").replace("]", ")")
            sources = [path]
            if number < len(dark):
                sources = [f"{path}#only-light", f"{dark[number]}#only-dark"]
            attributes = ".listing-figure loading=lazy"
            size = (
                png_size(result.figures[number])
                if number < len(result.figures)
                else None
            )
            if size is not None:
                attributes += f' width="{size[0]}" height="{size[1]}"'
            # Both versions in one paragraph, the figure's box: on a narrow
            # screen the figure keeps a readable width and scrolls inside it
            # (listings.css), so the keyboard must reach it.
            block += [
                f"{indent}![{safe_alt}]({src}){{ {attributes} }}" for src in sources
            ]
            block += [f'{indent}{{: .listing-figures tabindex="0" }}', ""]
        if problems[i]:
            block += [f'{indent}!!! failure "This listing is not verified"', ""]
            said = "\n\n".join(str(problem) for problem in problems[i])
            block += [*fence(said, "text", indent + "    "), ""]
        lines[start:start] = block

    return _edit(page, edit)
