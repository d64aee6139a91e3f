"""``listings``: rewrite committed outputs from a fresh run, or report drift.

    listings update                 every page
    listings update tensors mnist   some pages
    listings update --dry-run       list what would change; write nothing

Exit status: 0 when the pages hold what the code prints (or were rewritten),
1 when --dry-run found drift or a listing raised, 2 for a page that cannot be read.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from .page import Page, PageError
from .project import Project
from .rewrite import with_outputs
from .runner import PageRun
from .verify import normalize


def _drift(page: Page, outputs: list[str]) -> list[str]:
    """One line per listing whose committed output differs from ``outputs``."""
    lines = []
    for listing, output in zip(page.listings, outputs, strict=True):
        committed = normalize(listing.expected or "")
        fresh = normalize(output)
        if committed != fresh:
            state = "new output" if listing.expected is None else "changed"
            if not fresh and listing.prints_nothing:
                continue
            old, new = len(committed.splitlines()), len(fresh.splitlines())
            lines.append(f"  {listing.name}: {state} ({old} -> {new} lines)")
    return lines


def update(project: Project, names: list[str], dry_run: bool) -> int:
    paths = [project.resolve_page(n) for n in names] or project.page_paths()
    status = 0
    for path in paths:
        try:
            page = project.load(path)
        except PageError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if not page.listings:
            continue
        results = PageRun(page, project.root).run_all()
        pairs = zip(page.listings, results, strict=True)
        broken = [(item, r) for item, r in pairs if not r.ok]
        if broken:
            for listing, result in broken:
                reason = result.error or f"not run: {result.skipped_because}"
                print(f"{listing.id} ({listing.where(project.root)}):\n{reason}")
            print(f"{page.name}: not updated, a listing raised", file=sys.stderr)
            status = 1
            continue
        outputs = [r.stdout for r in results]
        new_text = with_outputs(page, outputs)
        if dry_run:
            drift = _drift(page, outputs)
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
        Path(page.path).write_text(new_text)
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
