"""Compare what a listing did with what its page promises."""

from __future__ import annotations

import difflib
import math
import re
from pathlib import Path

from .page import Listing, Mark
from .runner import Result

SAME, WITHIN_TOLERANCE, DIFFERS = "same", "within tolerance", "differs"

NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:nan|inf|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)(?![\w.])"
)


def normalize(text: str) -> str:
    """Output as the page shows it: no trailing spaces, no trailing blank lines."""
    return "\n".join(line.rstrip() for line in text.rstrip().split("\n")).strip("\n")


def _numbers_close(expected: str, actual: str, rtol: float, atol: float) -> bool:
    if NUMBER.sub("#", expected) != NUMBER.sub("#", actual):
        return False
    for want, got in zip(NUMBER.findall(expected), NUMBER.findall(actual), strict=True):
        a, b = float(want), float(got)
        if math.isnan(a) and math.isnan(b):
            continue
        if not math.isclose(a, b, rel_tol=rtol, abs_tol=atol):
            return False
    return True


def compare(expected: str, actual: str, tolerance: Mark | None = None) -> str:
    """The one comparison of two outputs, used by the tests, the build, the
    drift report and the determinism check: SAME, WITHIN_TOLERANCE (numbers
    differ, within the listing's ``tolerance`` mark, and the text is the same)
    or DIFFERS."""
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


def problems(listing: Listing, result: Result, root: Path) -> list[str]:
    """Every way the listing failed its page; empty when it is verified."""
    where = f"{listing.id} ({listing.where(root)})"
    if result.halted is not None:
        return [f"{where} {result.halted}"]
    if result.skipped_because is not None:
        return [f"{where} did not run: {result.skipped_because}"]
    if result.error is not None:
        line = (
            f"{listing.snippet.name}:{result.error_line}" if result.error_line else ""
        )
        head = f"{where} raised at {line}" if line else f"{where} raised"
        return [f"{head}\n{result.error.rstrip()}"]
    found = []
    if listing.prints_nothing:
        if normalize(result.stdout):
            found.append(
                f"{where} is marked no_output but printed:\n{normalize(result.stdout)}"
            )
    elif listing.expected is None:
        found.append(
            f"{where} has no expected-output block; run the update command "
            "(listings update) to add it, or mark it <!--pytest.mark.no_output-->"
        )
    elif not outputs_match(listing, result.stdout):
        found.append(
            f"{where} printed something else than its page shows:\n"
            + diff(listing, result.stdout)
        )
    alts = listing.figure_alts
    if len(result.figures) != len(alts):
        found.append(
            f"{where} drew {len(result.figures)} figure(s) but its page describes "
            f'{len(alts)}; give each figure a <!--pytest.mark.figure("alt text")-->'
        )
    for warning in result.warnings:
        found.append(f"{where} emitted a warning: {warning}")
    return found
