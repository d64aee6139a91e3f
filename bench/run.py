"""Measure how fast the site builds, previews and tests, against issue 6's targets.

The site runs every listing when it builds, so speed is part of its design:
a warm build must cost little more than a build that runs nothing, a prose
edit in ``mkdocs serve`` must show at once, and the engine's bookkeeping
around each listing must be small. This script prints, on this machine, as a
Markdown table to paste into the README:

- cold ``mkdocs build`` (empty listings cache), warm build (nothing changed),
  and the same build with the listings hook removed (execution off);
- a cold build with the pages run in parallel (``LISTINGS_JOBS`` unset: one
  worker per core) against the same build run serially (``LISTINGS_JOBS=1``);
- ``mkdocs serve`` rebuild after a prose edit and after a snippet edit, and
  the preview after an edit of the last listing of a page (its warm worker
  resumes just before it);
- test-suite time on 1 and 2 pytest-xdist workers (``--suite-workers``), and
  the time of the notebook job, which re-runs every chapter's notebook in
  Jupyter (both skipped by ``--quick``);
- each page's execution time and the engine's overhead per listing;
- the output of ``bench/targets_*.py`` scripts, if any (skipped by ``--quick``).

Everything runs in a temporary snapshot of the working tree (the files git
tracks or would track, with ``data/`` linked in), so the user's cache, site
and files are never touched, and the edits made to time ``mkdocs serve`` land
in the snapshot (and are reverted there too).

    .venv/bin/python bench/run.py            # everything
    .venv/bin/python bench/run.py --quick    # no test suite, no targets scripts
    .venv/bin/python bench/run.py --parallel # only the parallel/serial cold builds

Timings on a machine shared with other work are noisy: compare figures taken
on a quiet machine.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
HOOK = "hooks/verified_listings.py"
EXECUTED = re.compile(
    r"listings: executed (?P<page>\S+) \((?P<n>\d+) listings?\) in (?P<s>[\d.]+) s"
)
# The end of a rebuild. MkDocs drops a log message it has already printed once
# (its DuplicateFilter), so a rebuild as long as an earlier one prints no
# "Documentation built in"; the reload line after it carries the time of day.
BUILT = re.compile(r"Documentation built in [\d.]+ seconds|Reloading browsers")
# What `mkdocs serve` logs when a rebuild fails; it then waits for the next edit.
REBUILD_FAILED = re.compile(r"error happened during the rebuild|Aborted with")
WATCHING = re.compile(r"Watching paths for changes: (?P<paths>.*)")
PYTEST_SUMMARY = re.compile(r"\d+ (passed|failed|errors?|skipped)\b")
PROSE_EDIT = "\n\nSentence {} was added by bench/run.py and is removed again.\n"
EDITS = 3  # of each kind timed one after another; the report gives their median
SNIPPET_EDIT = "\n# Added by bench/run.py and removed again.\n"


def say(message: str) -> None:
    """Progress, on stderr, so that stdout is only the Markdown report."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


@dataclass
class Row:
    """One line of the report: a measure, its figure, its target, met or not."""

    measure: str
    figure: str
    target: str = ""
    met: bool | None = None


def table(rows: list[Row]) -> str:
    cells = [["Measure", "This machine", "Target", "Met"]]
    for row in rows:
        met = {True: "yes", False: "**no**", None: ""}[row.met]
        cells.append([row.measure, row.figure, row.target, met])
    return markdown_table(cells)


def markdown_table(cells: list[list[str]]) -> str:
    lines = ["| " + " | ".join(cells[0]) + " |"]
    lines.append("|" + "|".join("---" for _ in cells[0]) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
    return "\n".join(lines)


def machine() -> str:
    """Date, cores, CPU model, Python and torch versions, load at the start."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        torch = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch = "absent"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    today = datetime.date.today().isoformat()
    return (
        f"{today}, {cores} cores (nproc), {model}, Python "
        f"{platform.python_version()}, torch {torch}; load average {load}"
    )


def snapshot(destination: Path) -> Path:
    """Copy the files git tracks or would track; link the git-ignored data/."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    if (REPO / "data").is_dir():
        (destination / "data").symlink_to(REPO / "data")
    return destination


def without_hook(config_text: str, hook: str = HOOK) -> str:
    """mkdocs.yml with the listings hook removed: the build with execution off."""
    kept = [line for line in config_text.splitlines() if hook not in line]
    if len(kept) == len(config_text.splitlines()):
        raise ValueError(f"{hook} is not in the config; cannot switch execution off")
    return "\n".join(kept) + "\n"


def executed_pages(log: str) -> dict[str, tuple[int, float]]:
    """Pages the build executed: name -> (listings, seconds) from its log."""
    return {m["page"]: (int(m["n"]), float(m["s"])) for m in EXECUTED.finditer(log)}


def clean_env() -> dict:
    """The environment of the commands timed: as ``make`` runs them (see the
    Makefile's exported variables), without a forced re-execution."""
    env = {k: v for k, v in os.environ.items() if k != "LISTINGS_NO_CACHE"}
    made = {"NO_MKDOCS_2_WARNING": "1", "NBCONVERT_DISABLE_CONFIG_EXPORTERS": "1"}
    return {**env, **made, "PYTHONUNBUFFERED": "1"}


def build(
    root: Path, site_dir: Path, config: str = "mkdocs.yml", env: dict | None = None
) -> tuple[float, str]:
    """Wall-clock seconds of one ``mkdocs build``, and its log."""
    command = [PYTHON, "-m", "mkdocs", "build", "-f", config, "-d", str(site_dir)]
    started = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=root,
        env={**clean_env(), **(env or {})},
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"mkdocs build failed:\n{done.stderr[-3000:]}")
    return seconds, done.stderr + done.stdout


def parallel_rows(root: Path, site_dir: Path) -> list[Row]:
    """Cold builds (no cache) serially and with one page worker per core."""
    no_cache = {"LISTINGS_NO_CACHE": "1"}
    say("cold build, pages one after another (LISTINGS_JOBS=1)")
    serial, _ = build(root, site_dir, env={**no_cache, "LISTINGS_JOBS": "1"})
    jobs = os.cpu_count() or 1
    say(f"cold build, pages in parallel (LISTINGS_JOBS={jobs})")
    parallel, _ = build(root, site_dir, env={**no_cache, "LISTINGS_JOBS": str(jobs)})
    ratio = parallel / serial
    return [
        Row("Cold build, `LISTINGS_JOBS=1` (serial)", _seconds(serial)),
        Row(f"Cold build, `LISTINGS_JOBS={jobs}`", _seconds(parallel)),
        Row("Parallel / serial cold build", f"{ratio:.2f}x", "≤ 0.6x", ratio <= 0.6),
    ]


def median_build(root: Path, site_dir: Path, repeat: int, config: str = "mkdocs.yml"):
    runs = [build(root, site_dir, config) for _ in range(repeat)]
    return statistics.median(s for s, _ in runs), [log for _, log in runs]


class Server:
    """``mkdocs serve`` in a child process, its log lines timestamped."""

    def __init__(self, root: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.lines: list[tuple[float, str]] = []
        self.process = subprocess.Popen(
            [PYTHON, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
            cwd=root,
            env=clean_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append((time.monotonic(), line.rstrip()))

    def wait_for(
        self,
        pattern: re.Pattern,
        since: int,
        timeout: float,
        fail: re.Pattern | None = None,
    ):
        """The first log line from index ``since`` on that matches, or None.

        A line matching ``fail`` first raises, with the log from ``since`` on.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for stamp, line in self.lines[since:]:
                if fail is not None and fail.search(line):
                    log = "\n".join(text for _, text in self.lines[since:])
                    raise RuntimeError(f"mkdocs serve failed to rebuild:\n{log}")
                match = pattern.search(line)
                if match:
                    return stamp, match
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        return None

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def edited(path: Path, change: Callable[[str], str]) -> Iterator[None]:
    """``path`` changed by ``change`` for the block; always restored after it."""
    original = path.read_bytes()
    try:
        path.write_text(change(original.decode()))
        yield
    finally:
        path.write_bytes(original)


def rebuild_after(server: Server, path: Path, change, timeout: float) -> float | None:
    """Seconds from an edit of ``path`` to the end of the rebuild it caused.

    None if no rebuild ended in ``timeout``; a failed rebuild raises, with the
    server's log, rather than leaving the benchmark waiting.
    """
    since = len(server.lines)
    with edited(path, change):
        started = time.monotonic()
        found = server.wait_for(BUILT, since, timeout, fail=REBUILD_FAILED)
    if found is not None:  # let the rebuild for the restore finish too
        server.wait_for(BUILT, len(server.lines), timeout, fail=REBUILD_FAILED)
    return None if found is None else found[0] - started


def last_listing_edit(note: str) -> Callable[[str], str]:
    """An edit of a snippet file's last section that changes its code, not
    its output: a comment line before the section's end marker."""

    def change(text: str) -> str:
        end = text.rfind("# --8<-- [end:")
        return f"{text[:end]}# {note}\n{text[end:]}"

    return change


def serve_rebuilds(
    root: Path, page: Path, snippet: Path, warm_snippet: Path
) -> dict[str, str]:
    """Serve rebuild times after prose edits (``prose 1`` ...), a snippet edit
    and edits of the last listing of ``warm_snippet``'s page (``last listing
    1`` ...), or why none. The last listing's edits are timed after a first
    one, which starts the page's preview worker."""
    server = Server(root)
    try:
        ready = server.wait_for(re.compile("Serving on"), 0, timeout=1200)
        if ready is None:
            tail = "\n".join(line for _, line in server.lines[-20:])
            raise RuntimeError(f"mkdocs serve did not start:\n{tail}")
        watching = server.wait_for(WATCHING, 0, timeout=1)
        watched = watching[1]["paths"] if watching else ""
        time.sleep(1.0)  # the file watcher starts just before "Serving on"
        figures = {}
        edits = [
            (f"prose {n}", page, lambda text, n=n: text + PROSE_EDIT.format(n))
            for n in range(1, EDITS + 1)
        ]
        edits += [
            ("snippet", snippet, lambda text: text + SNIPPET_EDIT),
            ("warm-up", warm_snippet, last_listing_edit("Edited by bench/run.py.")),
        ]
        edits += [
            (f"last listing {n}", warm_snippet, last_listing_edit(f"Edit {n}."))
            for n in range(1, EDITS + 1)
        ]
        for label, path, change in edits:
            relative = path.relative_to(root).as_posix()
            if relative.split("/")[0] not in watched:
                figures[label] = f"no rebuild: serve watches only {watched}"
                continue
            say(f"serve: timing a rebuild after editing {relative}")
            seconds = rebuild_after(server, path, change, timeout=300)
            figures[label] = "no rebuild" if seconds is None else f"{seconds:.1f} s"
        return figures
    finally:
        server.stop()


def run_tests(root: Path, workers: int) -> tuple[float, str]:
    """Wall-clock seconds of the whole suite on ``workers`` xdist workers."""
    command = [
        PYTHON,
        "-m",
        "pytest",
        "-n",
        str(workers),
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=root, env=clean_env(), capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    return seconds, pytest_summary(done.stdout) or f"exit status {done.returncode}"


def run_notebooks(root: Path, workers: int) -> tuple[float, str]:
    """Wall-clock seconds of the notebook job: every chapter's notebook
    re-run in a fresh Jupyter kernel, as ``make test`` runs it after the
    suite (the notebooks shared out over the workers one by one)."""
    command = [PYTHON, "-m", "pytest", "-n", str(workers), "--dist", "load"]
    command += ["-q", "-p", "no:cacheprovider", "-m", "notebook"]
    command += ["tests/test_notebook.py"]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=root, env=clean_env(), capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    return seconds, pytest_summary(done.stdout) or f"exit status {done.returncode}"


def pytest_summary(output: str) -> str | None:
    """The "3 passed, 1 skipped" of pytest's last summary line (-q or not)."""
    for line in reversed(output.strip().splitlines()):
        if PYTEST_SUMMARY.search(line):
            return re.sub(r" in [\d.]+s.*", "", line.strip(" =")).strip()
    return None


@dataclass
class PageTiming:
    """One page run through the engine in this process, listing by listing."""

    page: str
    parse: float  # seconds to read and expand the page
    start: float  # seconds to start the page's worker process
    calls: list[float]  # seconds of each PageRun.result(i) call
    own: list[float]  # each listing's own Result.seconds
    names: list[str]  # each listing's id, docs/page.md::section

    @property
    def listings(self) -> int:
        return len(self.calls)

    @property
    def overheads(self) -> list[float]:
        """Engine time around each listing: call time minus the listing's own."""
        return [call - own for call, own in zip(self.calls, self.own, strict=True)]


def engine_timings(root: Path) -> list[PageTiming]:
    """Run every page through ``listings.PageRun`` here, timing engine and code."""
    from listings import PageError, PageRun, Project

    project = Project.from_root(root)
    timings = []
    for path in project.page_paths():
        started = time.perf_counter()
        try:
            page = project.load(path)
        except PageError as exc:
            say(f"skipping a page that cannot be read: {exc}")
            continue
        parse = time.perf_counter() - started
        if not page.listings:
            continue
        say(f"engine: running {page.name}")
        run = PageRun(page, project.root)
        started = time.perf_counter()
        run.start()
        timing = PageTiming(page.name, parse, time.perf_counter() - started, [], [], [])
        for index in range(len(page.listings)):
            started = time.perf_counter()
            result = run.result(index)
            timing.calls.append(time.perf_counter() - started)
            timing.own.append(result.seconds)
            timing.names.append(page.listings[index].id)
        timings.append(timing)
    return timings


def overhead_ms(timings: list[PageTiming]) -> tuple[float, int]:
    """Mean engine overhead per listing in ms, and how many listings it covers."""
    values = [overhead for t in timings for overhead in t.overheads]
    return (1000 * statistics.mean(values) if values else 0.0), len(values)


def largest_overhead(timings: list[PageTiming]) -> tuple[float, str]:
    """The largest single listing's overhead in ms, and that listing's id."""
    pairs = [
        (o, name) for t in timings for o, name in zip(t.overheads, t.names, strict=True)
    ]
    seconds, name = max(pairs, default=(0.0, "none"))
    return 1000 * seconds, name


def page_table(timings: list[PageTiming], cold: dict[str, tuple[int, float]]) -> str:
    cells = [
        [
            "Page",
            "Listings",
            "Cold build (s)",
            "Engine run (s)",
            "Listings' own (s)",
            "Overhead per listing (ms)",
            "Parse (ms)",
        ]
    ]
    for t in timings:
        build_s = f"{cold[t.page][1]:.1f}" if t.page in cold else "cached"
        cells.append(
            [
                t.page,
                str(t.listings),
                build_s,
                f"{sum(t.calls):.2f}",
                f"{sum(t.own):.2f}",
                f"{1000 * statistics.mean(t.overheads):.2f}",
                f"{1000 * t.parse:.0f}",
            ]
        )
    return markdown_table(cells)


def run_targets_scripts() -> list[str]:
    """Run each bench/targets_*.py from the repository; its status and output."""
    sections = []
    for script in sorted((REPO / "bench").glob("targets_*.py")):
        say(f"running {script.name}")
        started = time.perf_counter()
        done = subprocess.run(
            [PYTHON, str(script)], cwd=REPO, capture_output=True, text=True
        )
        seconds = time.perf_counter() - started
        verdict = "passed" if done.returncode == 0 else f"exit {done.returncode}"
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
        sections.append(
            f"`{script.relative_to(REPO)}`: {verdict} in {seconds:.0f} s\n\n"
            f"```text\n{tail}\n```"
        )
    return sections


def _seconds(value: float) -> str:
    return f"{value:.1f} s"


def median_of(edits: list[str]) -> tuple[str, float | None]:
    """Timed edits ("2.1 s" each) as their median with each shown, and the
    median; the reasons, joined, if any edit gave no time."""
    if not all(edit.endswith(" s") for edit in edits):
        return "; ".join(edits), None
    seconds = statistics.median(float(edit.split()[0]) for edit in edits)
    each = ", ".join(edit.removesuffix(" s") for edit in edits)
    return f"{seconds:.1f} s (median of {each} s)", seconds


def serve_rows(root: Path, args, cold_pages: dict) -> list[Row]:
    """The ``mkdocs serve`` timings: prose edit, snippet edit, last listing."""
    rows: list[Row] = []
    page = root / args.page
    if not page.is_file():
        raise SystemExit(f"no page {args.page} to edit for the serve timings")
    snippet = root / "snippets" / f"{page.stem}.py"
    warm_page = root / args.warm_page
    warm_snippet = root / "snippets" / f"{warm_page.stem}.py"
    serve = serve_rebuilds(root, page, snippet, warm_snippet)
    prose, prose_s = median_of([serve[f"prose {n}"] for n in range(1, EDITS + 1)])
    rows.append(
        Row(
            f"`mkdocs serve` rebuild after a prose edit ({EDITS} in a row)",
            prose,
            "≤ 3 s",
            None if prose_s is None else prose_s <= 3,
        )
    )
    rows.append(Row("`mkdocs serve` rebuild after a snippet edit", serve["snippet"]))
    last, last_s = median_of([serve[f"last listing {n}"] for n in range(1, EDITS + 1)])
    full = cold_pages.get(args.warm_page, (0, 0.0))[1]
    rows.append(
        Row(
            f"`mkdocs serve` preview after editing the last listing of "
            f"{args.warm_page} ({EDITS} in a row; its page's cold run: {full:.1f} s)",
            last,
            "≤ 2 s and ≤ 0.25x",
            None if last_s is None else last_s <= 2 and last_s <= 0.25 * full,
        )
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="skip the test suite and targets_*.py"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="builds per warm figure (median)"
    )
    parser.add_argument(
        "--page", default="docs/tensors.md", help="the page edited to time serve"
    )
    parser.add_argument(
        "--warm-page",
        default="docs/autograd.md",
        help="the page whose last listing is edited to time a warm preview",
    )
    parser.add_argument(
        "--suite-workers",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 2],
        help="time the test suite on these numbers of workers (default: 1,2)",
    )
    parser.add_argument(
        "--serve",
        action="store_true",
        help="only the mkdocs serve timings (after a cold build)",
    )
    parser.add_argument(
        "--parallel",
        action="store_true",
        help="only the parallel and serial cold builds",
    )
    args = parser.parse_args(argv)
    # Make SIGTERM unwind like Ctrl-C, so the finally blocks stop the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    about = machine()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="pytorch-mechanics-bench-") as folder:
        root = snapshot(Path(folder) / "site-src")
        site_dir = Path(folder) / "site"
        if args.parallel:
            print(f"Benchmark: {about}\n")
            print(table(parallel_rows(root, site_dir)))
            return 0
        if args.serve:
            say("cold build (empty listings cache)")
            _, cold_log = build(root, site_dir)
            print(f"Benchmark: {about}\n")
            print(table(serve_rows(root, args, executed_pages(cold_log))))
            return 0
        say("cold build (empty listings cache)")
        cold_s, cold_log = build(root, site_dir)
        cold_pages = executed_pages(cold_log)
        say(f"warm builds ({args.repeat})")
        warm_s, warm_logs = median_build(root, site_dir, args.repeat)
        views = len(list((site_dir / "notebooks").glob("*/index.html")))
        (root / "mkdocs.noexec.yml").write_text(
            without_hook((root / "mkdocs.yml").read_text())
        )
        say(f"builds without the listings hook ({args.repeat})")
        off_s, _ = median_build(root, site_dir, args.repeat, "mkdocs.noexec.yml")
        rows.append(Row("Cold `mkdocs build` (empty cache)", _seconds(cold_s)))
        rows.append(Row("Notebook views in every build (mkdocs-jupyter)", str(views)))
        rows.append(
            Row(
                "Warm `mkdocs build`, nothing changed",
                _seconds(warm_s),
                "≤ 5 s",
                warm_s <= 5,
            )
        )
        rows.append(Row("Build with execution off (no listings hook)", _seconds(off_s)))
        rows += parallel_rows(root, site_dir)
        rows.append(
            Row(
                "Warm build / execution-off build",
                f"{warm_s / off_s:.2f}x",
                "≤ 2x",
                warm_s <= 2 * off_s,
            )
        )
        rerun = sorted({p for log in warm_logs for p in executed_pages(log)})
        if rerun:
            rows.append(Row("Pages the warm build executed", ", ".join(rerun), "none"))

        rows += serve_rows(root, args, cold_pages)

        if not args.quick:
            for workers in args.suite_workers:
                say(f"test suite on {workers} worker(s)")
                seconds, summary = run_tests(root, workers)
                target = "≤ 90 s" if workers == 2 else ""
                rows.append(
                    Row(
                        f"Test suite, `pytest -n {workers}`",
                        f"{_seconds(seconds)} ({summary})",
                        target,
                        seconds <= 90 if workers == 2 else None,
                    )
                )
            say("the notebook job: every chapter's notebook in a fresh kernel")
            seconds, summary = run_notebooks(root, 2)
            rows.append(
                Row(
                    "Notebook job (after the suite in `make test`), "
                    "`pytest -n 2 --dist load -m notebook`",
                    f"{_seconds(seconds)} ({summary})",
                )
            )

        say("engine overhead (every page through listings.PageRun)")
        timings = engine_timings(root)
        overhead, count = overhead_ms(timings)
        rows.append(
            Row(
                f"Engine overhead per listing (mean of {count})",
                f"{overhead:.2f} ms",
                "≤ 5 ms",
                overhead <= 5,
            )
        )
        largest, name = largest_overhead(timings)
        rows.append(Row("… the largest, one listing", f"{largest:.1f} ms ({name})"))
        starts = [t.start for t in timings]
        rows.append(
            Row(
                "Starting a page's worker process (mean, once per page)",
                f"{1000 * sum(starts) / max(1, len(starts)):.0f} ms",
            )
        )
    targets = [] if args.quick else run_targets_scripts()

    print(f"Benchmark: {about}\n")
    print(table(rows))
    print("\nEach page (cold build from the build log; the rest from PageRun):\n")
    print(page_table(timings, cold_pages))
    for section in targets:
        print(f"\n{section}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
