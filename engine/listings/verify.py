"""Compare what a listing did with what its page promises."""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from pathlib import Path

from .page import Listing, Mark
from .result import Result

SAME, WITHIN_TOLERANCE, DIFFERS = "same", "within tolerance", "differs"


@dataclass(frozen=True)
class Problem:
    """One way a listing fails its page: where (the page line, the listing and
    its code's first line), what is wrong, how to fix it, and the evidence
    (a diff, a traceback, what it printed). As text, one message:
    ``WHERE WHAT; FIX`` and the evidence on the lines after it."""

    where: str
    what: str
    fix: str = ""
    detail: str = ""

    def __str__(self) -> str:
        text = f"{self.where} {self.what}"
        if self.fix:
            text += f"; {self.fix}"
        return f"{text}\n{self.detail}" if self.detail else text


NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:nan|inf|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)(?![\w.])"
)


def normalize(text: str) -> str:
    """Output as the page shows it: no trailing spaces, no trailing blank lines."""
    return "\n".join(line.rstrip() for line in text.rstrip().split("\n")).strip("\n")


def _text_around_numbers(text: str) -> str:
    """The text with each number a ``#`` and each run of spaces one space: a
    right-aligned column keeps its text when 99 becomes 100."""
    return re.sub(r"[ \t]+", " ", NUMBER.sub("#", text))


def _numbers_close(expected: str, actual: str, rtol: float, atol: float) -> bool:
    if _text_around_numbers(expected) != _text_around_numbers(actual):
        return False
    for want, got in zip(NUMBER.findall(expected), NUMBER.findall(actual), strict=True):
        a, b = float(want), float(got)
        if math.isnan(a) and math.isnan(b):
            continue
        if not math.isclose(a, b, rel_tol=rtol, abs_tol=atol):
            return False
    return True


def compare(expected: str, actual: str, tolerance: Mark | None = None) -> str:
    """The one comparison of two outputs, used by the tests, the build and
    the update command (drift, and two runs against each other): SAME,
    WITHIN_TOLERANCE (numbers differ, within the listing's ``tolerance``
    mark, and the text is the same) or DIFFERS."""
    expected, actual = normalize(expected), normalize(actual)
    if expected == actual:
        return SAME
    if tolerance is not None and _numbers_close(
        expected,
        actual,
        rtol=float(tolerance.kwargs.get("rtol", 0.0)),
        atol=float(tolerance.kwargs.get("atol", 0.0)),
    ):
        return WITHIN_TOLERANCE
    return DIFFERS


def outputs_match(listing: Listing, actual: str) -> bool:
    """Whether ``actual`` is what the page shows, within the listing's tolerance."""
    return compare(listing.expected or "", actual, listing.mark("tolerance")) != DIFFERS


def diff(listing: Listing, actual: str) -> str:
    lines = difflib.unified_diff(
        normalize(listing.expected or "").split("\n"),
        normalize(actual).split("\n"),
        fromfile=f"{listing.id} (expected, committed)",
        tofile=f"{listing.id} (printed now)",
        lineterm="",
    )
    return "\n".join(lines)


# The command that writes a page's outputs, unless the site's settings say
# how its contributors type it (``update_command``).
UPDATE_COMMAND = "listings update {page}"


def update_command(listing: Listing, template: str = UPDATE_COMMAND) -> str:
    """The command that writes a page's outputs; {page} is the page's name
    as the update command takes it (``intro`` for docs/intro.md)."""
    stem = listing.page.removeprefix("docs/").removesuffix(".md")
    return template.format(page=stem)


def located(listing: Listing, root: Path) -> str:
    """``docs/intro.md:31 (create, snippets/intro.py:12)``: the page line
    of the listing's fence, its name and its code's first line."""
    line = listing.fence_line + 1
    return f"{listing.page}:{line} ({listing.name}, {listing.where(root)})"


def unstable(listing: Listing, first: Result, second: Result) -> str | None:
    """How two runs of a listing disagree beyond its tolerance; None if they
    agree. The message names the first output line that changed."""
    if first.ok != second.ok:
        return "raised in one run and not in the other"
    if compare(first.stdout, second.stdout, listing.mark("tolerance")) == DIFFERS:
        one, two = (
            normalize(first.stdout).split("\n"),
            normalize(second.stdout).split("\n"),
        )
        line = next(
            (i for i, (a, b) in enumerate(zip(one, two, strict=False)) if a != b),
            min(len(one), len(two)),
        )
        before = one[line] if line < len(one) else "(no line)"
        after = two[line] if line < len(two) else "(no line)"
        return (
            f"printed something else in a second run, at output line {line + 1}:\n"
            f"    run 1: {before}\n    run 2: {after}\n"
            "The usual causes: an address (id(), an object's default repr), a time "
            "or a duration, an unseeded random draw, the order of a set; print "
            "something that stays the same from run to run"
        )
    if first.figures != second.figures:
        return "drew different figures in two runs (an unseeded draw?)"
    return None


def problems(
    listing: Listing, result: Result, root: Path, update: str = UPDATE_COMMAND
) -> list[Problem]:
    """Every way the listing failed its page; empty when it is verified.
    ``update`` is the site's update command (the ``update_command`` setting)."""
    where = located(listing, root)
    if result.halted is not None:
        return [Problem(where, result.halted)]
    if result.skipped_because is not None:
        return [Problem(where, f"did not run: {result.skipped_because}")]
    if result.error is not None:
        line = (
            f"{listing.snippet.name}:{result.error_line}" if result.error_line else ""
        )
        what = f"raised at {line}" if line else "raised"
        return [Problem(where, what, detail=result.error.rstrip())]
    found = []
    command = update_command(listing, update)
    if listing.prints_nothing:
        if normalize(result.stdout):
            found.append(
                Problem(
                    where,
                    "is marked no_output but printed:",
                    detail=normalize(result.stdout),
                )
            )
    elif listing.expected is None:
        found.append(
            Problem(
                where,
                "has no expected-output block",
                f"write it with {command}, or mark it <!--pytest.mark.no_output-->",
            )
        )
    elif not outputs_match(listing, result.stdout):
        found.append(
            Problem(
                where,
                "printed something else than its page shows",
                f"if the new output is right, write it with {command}",
                diff(listing, result.stdout),
            )
        )
    alts = listing.figure_alts
    if len(result.figures) != len(alts):
        found.append(
            Problem(
                where,
                f"drew {len(result.figures)} figure(s) but its page describes "
                f"{len(alts)}",
                'give each figure a <!--pytest.mark.figure("what it shows")--> '
                f"directly above the fence at {listing.page}:{listing.fence_line + 1}",
            )
        )
    for warning in result.warnings:
        found.append(Problem(where, f"emitted a warning: {warning}"))
    if result.shown is not None:
        found.append(
            Problem(
                where,
                "ends with an expression whose value Jupyter shows under the cell "
                f"({result.shown}), which the page does not",
                "assign it (_ = ...) or print it",
            )
        )
    return found
