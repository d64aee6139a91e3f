"""``listings``: rewrite committed outputs from a fresh run, or report drift.

    listings update                 every page
    listings update tensors mnist   some pages
    listings update --dry-run       list what would change; write nothing

Exit status: 0 when the pages hold what the code prints (or were rewritten),
1 when --dry-run found drift or a listing raised, 2 for a page that cannot be read.

An output that differs from the committed one only within its listing's
``tolerance`` mark is not drift and is not rewritten (the tests accept it). A
page with a listing that failed is never rewritten, and each page is written
whole or not at all (a temporary file moved over it).
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import tempfile
from pathlib import Path

from .page import Listing, Page, PageError
from .pipeline import check_pages
from .project import Project
from .rewrite import with_outputs
from .verify import DIFFERS, compare, normalize, problems


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


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` whole: never a half-written page."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def update(project: Project, names: list[str], dry_run: bool) -> int:
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
    status = 0
    for outcome in check_pages(pages, project.root):
        page, results = outcome.page, outcome.results
        pairs = zip(page.listings, results, strict=True)
        broken = [(item, r) for item, r in pairs if not r.ok]
        if broken:
            for listing, result in broken:
                print("\n".join(problems(listing, result, project.root)))
            print(f"{page.name}: not updated, a listing failed", file=sys.stderr)
            status = 1
            continue
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="listings", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("update", help="rewrite expected outputs from a fresh run")
    up.add_argument("pages", nargs="*", help="page names (default: every page)")
    up.add_argument(
        "--dry-run", action="store_true", help="report drift, write nothing"
    )
    up.add_argument("--root", default=".", help="the site's folder (with mkdocs.yml)")
    args = parser.parse_args(argv)
    project = Project.from_root(args.root)
    return update(project, args.pages, args.dry_run)


if __name__ == "__main__":
    sys.exit(main())
