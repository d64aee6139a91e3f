"""Rewrite committed outputs from fresh runs, or report drift (``listings
update``, the command's engine).

Each page runs twice, in two fresh workers. A listing that prints something
else in the second run is not written (its page is left as it was): the
message names the output line that changed and the usual causes. An output
that differs from the committed one only within its listing's ``tolerance``
mark is not drift and is not rewritten (the tests accept it). A page with a
listing that failed is never rewritten, and each page is written whole or
not at all.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

from .files import write_atomically
from .page import Listing, Page, PageError
from .project import Project
from .result import Result
from .rewrite import with_outputs
from .verify import (
    DIFFERS,
    Problem,
    compare,
    located,
    normalize,
    problems,
    unstable,
)


def _fresh(listing: Listing, output: str) -> str | None:
    """The output to commit for a listing, or None when the page holds it."""
    if listing.expected is None:
        return output if normalize(output) else None
    tolerance = listing.mark("tolerance")
    return output if compare(listing.expected, output, tolerance) == DIFFERS else None


def _drift(page: Page, outputs: list[str]) -> list[str]:
    """One line per listing whose committed output a fresh run changes."""
    lines = []
    for listing, output in zip(page.listings, outputs, strict=True):
        fresh = _fresh(listing, output)
        if fresh is not None:
            state = "new output" if listing.expected is None else "changed"
            old = len(normalize(listing.expected or "").splitlines())
            new = len(normalize(fresh).splitlines())
            lines.append(f"  {listing.name}: {state} ({old} -> {new} lines)")
    return lines


def _other_problems(
    page: Page, results: list[Result], root: Path, update: str
) -> list[str]:
    """What the listings do wrong that writing their outputs does not mend
    (figures without marks, warnings)."""
    found = []
    for listing, result in zip(page.listings, results, strict=True):
        if listing.prints_nothing and normalize(result.stdout):
            continue  # its output is written instead (see with_outputs)
        pinned = Listing(**{**vars(listing), "expected": result.stdout})
        found += problems(pinned, result, root, update)
    return found


def _check(
    project: Project, page: Page, runs: list[list[Result]]
) -> tuple[list[str], str]:
    """Why the page cannot be written (listings that failed, or that printed
    something else in the second run), and that reason in a few words."""
    first, second = runs
    found, why = [], ""
    for listing, one, two in zip(page.listings, first, second, strict=True):
        if not one.ok:
            found += problems(
                listing, one, project.root, project.settings.update_command
            )
            why = why or "a listing failed"
            continue
        message = unstable(listing, one, two)
        if message is not None:
            found.append(Problem(located(listing, project.root), message))
            why = why or "a listing printed something else in a second run"
    return found, why


def update(
    project: Project, names: list[str], dry_run: bool, env: dict | None = None
) -> int:
    paths = [project.resolve_page(n) for n in names] or project.page_paths()
    pages = []
    for path in paths:
        try:
            page = project.load(path)
        except PageError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if page.listings:
            pages.append(page)
    # Every page twice, each run in a fresh worker of its own.
    outcomes = list(project.run(pages + pages, cache=None, env=env))
    status = 0
    for index, page in enumerate(pages):
        runs = [outcomes[index].results, outcomes[index + len(pages)].results]
        refused, why = _check(project, page, runs)
        if refused:
            print("\n\n".join(str(problem) for problem in refused))
            print(f"{page.name}: not updated, {why}", file=sys.stderr)
            status = 1
            continue
        results = runs[0]
        for problem in _other_problems(
            page, results, project.root, project.settings.update_command
        ):
            print(problem)
            status = 1
        printed = [r.stdout for r in results]
        # An output the page holds (within its tolerance) is kept as committed.
        outputs = [
            listing.expected
            if listing.expected is not None and _fresh(listing, out) is None
            else out
            for listing, out in zip(page.listings, printed, strict=True)
        ]
        new_text = with_outputs(page, outputs)
        if dry_run:
            drift = _drift(page, printed)
            if drift:
                print(f"{page.name}: {len(drift)} listing(s) would change")
                print("\n".join(drift))
                status = 1
            else:
                print(f"{page.name}: up to date")
            continue
        if new_text == page.text:
            print(f"{page.name}: up to date")
            continue
        diff = difflib.unified_diff(
            page.text.splitlines(),
            new_text.splitlines(),
            fromfile=f"a/{page.name}",
            tofile=f"b/{page.name}",
            lineterm="",
        )
        print("\n".join(diff))
        write_atomically(Path(page.path), page.encoded(new_text))
    return status
