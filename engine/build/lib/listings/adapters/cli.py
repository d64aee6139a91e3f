"""``listings update``: rewrite committed outputs from fresh runs, or report drift;
``listings prebuild``: the verified docs, for a generator that runs no plugins.

    python -m listings update                 every page
    python -m listings update intro guide     some pages
    python -m listings update --dry-run       what would change; write nothing
    python -m listings update --dry-run --env OMP_NUM_THREADS=1 ...
    python -m listings prebuild [--out FOLDER]   (default: WORK_DIR/zensical/docs)

The update runs each page twice and writes only what both runs printed
(``listings.update``); the pre-build is ``listings.adapters.prebuild``.

Exit status: 0 when the pages hold what the code prints (or were rewritten);
1 when --dry-run found drift, a listing raised, was unstable, or has a
problem the outputs alone cannot fix (a figure without its mark); 2 for a
page that cannot be read.
"""

from __future__ import annotations

import argparse
import sys

from ..project import Project
from ..update import update
from .prebuild import prebuild


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
