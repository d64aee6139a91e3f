"""``listings update``: rewrite committed outputs from fresh runs, or report drift;
``listings prebuild``: the verified docs, for a generator that runs no plugins.

    python -m listings update                 every page
    python -m listings update tensors mnist   some pages
    python -m listings update --dry-run       what would change; write nothing
    python -m listings update --dry-run --env OMP_NUM_THREADS=1 ...
    python -m listings prebuild [--out FOLDER]   (default: WORK_DIR/zensical/docs)

Each page runs twice, in two fresh workers. A listing that prints something
else in the second run is not written (its page is left as it was): the
message names the output line that changed and the usual causes. An output
that differs from the committed one only within its listing's ``tolerance``
mark is not drift and is not rewritten (the tests accept it). A page with a
listing that failed is never rewritten, and each page is written whole or
not at all.

Exit status: 0 when the pages hold what the code prints (or were rewritten);
1 when --dry-run found drift, a listing raised, was unstable, or has a
problem the outputs alone cannot fix (a figure without its mark); 2 for a
page that cannot be read.
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import sys
from pathlib import Path

from . import render
from .files import write_atomically
from .page import Listing, Page, PageError
from .project import Project
from .result import Result
from .rewrite import with_outputs
from .verify import DIFFERS, compare, located, normalize, problems, unstable


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


def _other_problems(page: Page, results: list[Result], root: Path) -> list[str]:
    """What the listings do wrong that writing their outputs does not mend
    (figures without marks, warnings)."""
    found = []
    for listing, result in zip(page.listings, results, strict=True):
        if listing.prints_nothing and normalize(result.stdout):
            continue  # its output is written instead (see with_outputs)
        pinned = Listing(**{**vars(listing), "expected": result.stdout})
        found += problems(pinned, result, root)
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
            found += problems(listing, one, project.root)
            why = why or "a listing failed"
            continue
        message = unstable(listing, one, two)
        if message is not None:
            found.append(f"{located(listing, project.root)} {message}")
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
            print("\n\n".join(refused))
            print(f"{page.name}: not updated, {why}", file=sys.stderr)
            status = 1
            continue
        results = runs[0]
        for problem in _other_problems(page, results, project.root):
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


def prebuild(project: Project, out: Path) -> int:
    """Write the docs folder a generator that runs no MkDocs plugin (Zensical)
    builds: every page with its fresh outputs, figures, provenance line and
    notebook, as the MkDocs plugin shows them. Verifies as the build does:
    exit status 1, and every problem printed, if a listing fails its page."""
    docs = project.docs_dir
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(docs, out, ignore=shutil.ignore_patterns("*.md"))
    found: list[str] = []
    pages = []
    for path in project.page_paths():
        try:
            pages.append(project.load(path))
        except PageError as exc:
            found.append(str(exc))
    running = [page for page in pages if page.listings]
    outcomes = {o.page.name: o for o in project.run(running)}
    results = [r for o in outcomes.values() for r in o.results]
    for page in pages:
        src_uri = Path(page.path).relative_to(docs).as_posix()
        outcome = outcomes.get(page.name)
        text = page.text.replace(
            render.VERIFIED_WITH, render.site_provenance(results, len(outcomes))
        )
        found += render.prose_problems(
            project, text, page.name, outcome and page, outcome and outcome.results
        )
        if outcome is not None:
            text, problems_ = render.page_markdown(
                project, page, outcome.results, src_uri
            )
            found += problems_
            figures = render.figure_files(src_uri, page, outcome.results)
            for uri, image in figures.items():
                write_atomically(out / uri, image)
            notebook = render.notebook(
                project, page, outcome.results, src_uri, project.site_url
            )
            write_atomically(out / render.notebook_uri(src_uri), notebook)
            for snippet in page.snippets:
                name = project.snippets.relative(snippet)
                write_atomically(out / render.SNIPPETS / name, snippet.read_bytes())
        write_atomically(out / src_uri, text)
    for problem in found:
        print(problem)
    print(f"{out}: {len(pages)} pages, {len(results)} listings, {len(found)} problems")
    return 1 if found else 0


def _env_pair(pair: str) -> tuple[str, str]:
    name, sep, value = pair.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"--env wants NAME=VALUE, got '{pair}'")
    return name, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="listings", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("update", help="rewrite expected outputs from fresh runs")
    up.add_argument("pages", nargs="*", help="page names (default: every page)")
    up.add_argument(
        "--dry-run", action="store_true", help="report drift, write nothing"
    )
    up.add_argument(
        "--env",
        action="append",
        default=[],
        type=_env_pair,
        metavar="NAME=VALUE",
        help="an environment variable for the page's runs (repeatable)",
    )
    up.add_argument("--root", default=".", help="the site's folder (with mkdocs.yml)")
    pre = commands.add_parser(
        "prebuild", help="write the verified docs for a generator without plugins"
    )
    pre.add_argument(
        "--out", help="the folder (default: zensical/docs in the work_dir setting)"
    )
    pre.add_argument("--root", default=".", help="the site's folder (with mkdocs.yml)")
    args = parser.parse_args(argv)
    project = Project.from_root(args.root)
    if args.command == "prebuild":
        out = (
            project.root / args.out if args.out else project.work / "zensical" / "docs"
        )
        return prebuild(project, out)
    try:
        return update(project, args.pages, args.dry_run, dict(args.env))
    except FileNotFoundError as exc:
        parser.error(str(exc))


if __name__ == "__main__":
    sys.exit(main())
