"""Run every page twice, each time in a fresh Python process, and report drift.

The site promises that every output it shows is what its code prints. That
only holds if a page prints the same thing every time it runs: a listing that
depends on hash order, thread scheduling or an unseeded generator passes on
one run and fails on the next. This check runs each page through the
engine's pipeline (``listings.run_page``, as the build and the tests do)
twice, each time in a fresh worker process, then reports, per page and
listing, any output that differs between the two runs and any that differs
from the committed output, with the engine's one comparison
(``listings.verify.compare``, which honours the listing's tolerance).

    .venv/bin/python bench/determinism.py                   # every page
    .venv/bin/python bench/determinism.py tensors xor       # some pages
    .venv/bin/python bench/determinism.py \\
        --env ATEN_CPU_CAPABILITY=default --env OMP_NUM_THREADS=1

Exit status: 0 when every listing printed the same in both runs and as
committed; 1 when one differs, raised, or a page could not be read or run.
Nothing is written into the repository. A listing whose two runs differ only
within its declared tolerance is reported as a note and not counted as
differing.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import sys
from pathlib import Path

from listings import PageError, Project, run_page
from listings.page import Listing, Page
from listings.verify import DIFFERS, SAME, WITHIN_TOLERANCE, diff, normalize
from listings.verify import compare as compare_outputs


def run_fresh(project: Project, page: Page, env: dict) -> dict:
    """Run a page in a fresh worker process with ``env``; what each listing did."""
    results, _, seconds = run_page(page, project.root, env=env)
    return {
        "seconds": seconds,
        "listings": [
            {
                "name": listing.name,
                "stdout": result.stdout,
                "error": result.error or result.halted or result.skipped_because,
                "figures": [hashlib.sha256(f).hexdigest() for f in result.figures],
            }
            for listing, result in zip(page.listings, results, strict=True)
        ],
    }


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.split("\n"))


def _run_diff(first: str, second: str) -> str:
    lines = difflib.unified_diff(
        normalize(first).split("\n"),
        normalize(second).split("\n"),
        fromfile="run 1",
        tofile="run 2",
        lineterm="",
    )
    return "\n".join(lines)


def _against_page(listing: Listing, run: dict) -> str | None:
    """How one run's output breaks the committed output; None when it matches."""
    if listing.prints_nothing:
        printed = normalize(run["stdout"])
        return f"is marked no_output but printed:\n{printed}" if printed else None
    if listing.expected is None:
        return "has no committed output to compare with"
    tolerance = listing.mark("tolerance")
    if compare_outputs(listing.expected, run["stdout"], tolerance) != DIFFERS:
        return None
    return "differs from its committed output:\n" + diff(listing, run["stdout"])


def compare(listing: Listing, first: dict, second: dict) -> tuple[str, list[str]]:
    """A listing's two runs against each other and against its page.

    Returns SAME, WITHIN_TOLERANCE (the runs differ, but only within the
    listing's declared tolerance, and both match the page) or DIFFERS, and
    one message per problem found.
    """
    messages = []
    for number, run in enumerate((first, second), start=1):
        if run["error"]:
            last = run["error"].strip().splitlines()[-1]
            messages.append(f"raised in run {number}: {last}")
    if messages:
        return DIFFERS, messages
    status = compare_outputs(
        first["stdout"], second["stdout"], listing.mark("tolerance")
    )
    if status != SAME:
        if status == WITHIN_TOLERANCE:
            messages.append("differs between runs within its declared tolerance")
        else:
            messages.append(
                "differs between runs:\n" + _run_diff(first["stdout"], second["stdout"])
            )
    if first["figures"] != second["figures"]:
        status = DIFFERS
        messages.append("drew different figures in the two runs")
    first_problem = _against_page(listing, first)
    if first_problem is not None:
        messages.append(f"run 1 {first_problem}")
    second_problem = _against_page(listing, second)
    if second_problem is not None and (
        first_problem is None
        or normalize(first["stdout"]) != normalize(second["stdout"])
    ):
        messages.append(f"run 2 {second_problem}")
    if first_problem is not None or second_problem is not None:
        status = DIFFERS
    return status, messages


def check_page(project: Project, path: Path, env: dict) -> tuple[int, int, int]:
    """Run one page twice and print its report; (checked, differing, tolerated)."""
    try:
        page = project.load(path)
    except PageError as exc:
        print(f"{path}: cannot be read: {exc}")
        return 0, 1, 0
    if not page.listings:
        return 0, 0, 0
    runs = [run_fresh(project, page, env) for _ in range(2)]
    seconds = ", ".join(f"{run['seconds']:.1f} s" for run in runs)
    differing = tolerated = 0
    lines = []
    for listing, first, second in zip(
        page.listings, runs[0]["listings"], runs[1]["listings"], strict=True
    ):
        status, messages = compare(listing, first, second)
        differing += status == DIFFERS
        tolerated += status == WITHIN_TOLERANCE
        for message in messages:
            head, _, rest = message.partition("\n")
            lines.append(f"  {listing.id} ({listing.where(project.root)}) {head}")
            if rest:
                lines.append(_indent(rest, "      "))
    verdict = f"{differing} differ" if differing else "all the same"
    print(f"{page.name}: {len(page.listings)} listings, {verdict} (runs: {seconds})")
    print("\n".join(lines), end="\n" if lines else "")
    return len(page.listings), differing, tolerated


def parse_env(pairs: list[str]) -> dict:
    env = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise argparse.ArgumentTypeError(f"--env wants NAME=VALUE, got '{pair}'")
        env[name] = value
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pages", nargs="*", help="page names (default: every page)")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="environment variable for both runs (repeatable)",
    )
    parser.add_argument("--root", default=".", help="the site's folder (mkdocs.yml)")
    args = parser.parse_args(argv)
    project = Project.from_root(args.root)
    try:
        env = parse_env(args.env)
        paths = [project.resolve_page(n) for n in args.pages] or project.page_paths()
    except (argparse.ArgumentTypeError, FileNotFoundError) as exc:
        parser.error(str(exc))
    if env:
        print("environment: " + " ".join(f"{k}={v}" for k, v in env.items()))
    checked = differing = tolerated = 0
    for path in paths:
        n, d, t = check_page(project, path, env)
        checked, differing, tolerated = checked + n, differing + d, tolerated + t
    summary = f"{checked} listings checked, {differing} differ"
    if tolerated:
        summary += f" ({tolerated} more differ within their declared tolerance)"
    print(summary)
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
