"""Measure how fast the site builds, previews and tests, against its targets.

The site runs every listing when it builds, so speed is part of its design.
This script prints, on this machine, one Markdown table with each figure
beside its target (and whether it is met), then a table of each page:

1. ``mkdocs serve --dirty`` (as ``make serve`` runs it), a prose edit: the
   rebuild's wall time, and the listings plugin's share of it (the seconds
   its handlers took, which it logs at the end of every build, over the
   rebuild's wall time); the median of ``EDITS`` edits, taken once the
   server has warmed every page.
2. ``mkdocs serve``, an edit of the last listing of ``--warm-page``: from the
   edit to the end of the rebuild that shows it, for the first such edit
   (made as a reader would: once the page's preview worker has had the time
   to warm) and for the next ones, against the page's cold run.
3. A warm ``mkdocs build`` (nothing changed), the whole process.
4. A cold build (cache off) with the pages in parallel (``LISTINGS_JOBS``
   unset) over the same build run serially (``LISTINGS_JOBS=1``).
5. ``make test``'s test run over its irreducible work: the whole suite on
   ``--workers`` pytest-xdist workers, over (every page run once on as many
   workers + the browser audit alone). Skipped by ``--quick``.

Besides: a cold build, the build with execution off (``mkdocs.yml`` without
the ``listings`` plugin), each page's time through the engine
(``listings.PageRun``) and the engine's overhead per listing, and the output
of the ``bench/targets_*.py`` scripts (skipped by ``--quick``).

Everything runs in a temporary snapshot of the working tree (the files git
tracks or would track, with ``data/`` linked in), so the user's cache, site
and files are never touched, and the edits made to time ``mkdocs serve`` land
in the snapshot (and are reverted there too).

    .venv/bin/python bench/run.py            # everything
    .venv/bin/python bench/run.py --quick    # no test run, no targets scripts
    .venv/bin/python bench/run.py --serve    # only the mkdocs serve timings
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
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
PLUGIN = "listings"
# What the listings plugin logs (logger mkdocs.plugins.listings, at INFO).
EXECUTED = re.compile(
    r"executed (?P<page>\S+) \((?P<n>\d+) listings?\) in (?P<s>[\d.]+) s"
)
PREVIEWED = re.compile(
    r"previewed (?P<page>\S+) from listing (?P<k>\d+) of (?P<n>\d+) "
    r"in (?P<s>[\d.]+) s"
)
HANDLERS = re.compile(r"the listings plugin's handlers took (?P<s>[\d.]+) s")
# The end of a rebuild. MkDocs drops a log message it has already printed once
# (its DuplicateFilter), so a rebuild as long as an earlier one prints no
# "Documentation built in"; the reload line after it is printed every time.
BUILT = re.compile(r"Documentation built in [\d.]+ seconds|Reloading browsers")
DETECTED = re.compile(r"Detected file changes")
# What `mkdocs serve` logs when a rebuild fails; it then waits for the next edit.
REBUILD_FAILED = re.compile(r"error happened during the rebuild|Aborted with")
WATCHING = re.compile(r"Watching paths for changes: (?P<paths>.*)")
PYTEST_SUMMARY = re.compile(r"\d+ (passed|failed|errors?|skipped)\b")
PROSE_EDIT = "\n\nSentence {} was added by bench/run.py and is removed again.\n"
EDITS = 3  # of each kind timed one after another; the report gives their median
WARM_MARGIN = 5.0  # seconds beyond the warm-up's expected time, before editing
# The environment overrides of the engine: the caller's are dropped.
OVERRIDES = ("LISTINGS_JOBS", "LISTINGS_TIMEOUT", "LISTINGS_NO_CACHE")
# Every page run once, as the test run runs them, in a process of its own.
EVERY_PAGE = """
from listings import PageError, Project

project = Project.from_root(".")
pages = []
for path in project.page_paths():
    try:
        pages.append(project.load(path))
    except PageError as exc:
        print("cannot read:", exc)
failed = [
    outcome.page.name
    for outcome in project.run(pages, cache=None)
    if not all(result.ok for result in outcome.results)
]
print(len(pages), "pages;", "failed:", " ".join(failed) or "none")
"""


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
    cells = [["Measure", "This machine", "Target", "Met?"]]
    for row in rows:
        met = {True: "yes", False: "**no**", None: ""}[row.met]
        cells.append([row.measure, row.figure, row.target, met])
    return markdown_table(cells)


def markdown_table(cells: list[list[str]]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(map(cell, cells[0])) + " |"]
    lines.append("|" + "|".join("---" for _ in cells[0]) + "|")
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in cells[1:]]
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
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{now}, {cores} cores (nproc), {model}, Python "
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


def without_plugin(config_text: str, plugin: str = PLUGIN) -> str:
    """mkdocs.yml without ``plugin`` (and its settings, if any) in its
    ``plugins:`` list: the build with execution off."""
    lines = config_text.splitlines()
    entry = re.compile(rf"^(?P<indent>\s*)-\s*{re.escape(plugin)}\s*:?\s*(#.*)?$")
    in_plugins = False
    for index, line in enumerate(lines):
        if re.match(r"^[\w\"']", line):  # a top-level key
            in_plugins = line.split("#")[0].strip() == "plugins:"
            continue
        found = entry.match(line) if in_plugins else None
        if found is None:
            continue
        # The entry's own settings are the lines indented deeper than it.
        depth, end = len(found["indent"]), index + 1
        while end < len(lines) and (
            not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > depth
        ):
            end += 1
        while end > index + 1 and not lines[end - 1].strip():
            end -= 1  # a blank line after the entry stays
        return "\n".join(lines[:index] + lines[end:]) + "\n"
    raise ValueError(
        f"the {plugin} plugin is not in the config's plugins: cannot switch "
        "execution off"
    )


def executed_pages(log: str) -> dict[str, tuple[int, float]]:
    """Pages the build executed, in the build's order (the plugin logs them
    in the order of the site's files, the order it warms them under serve):
    name -> (listings, seconds)."""
    return {m["page"]: (int(m["n"]), float(m["s"])) for m in EXECUTED.finditer(log)}


def handlers_seconds(log: str) -> float | None:
    """The seconds the listings plugin's handlers took, from a build's log
    (the last build's, if it holds several)."""
    found = HANDLERS.findall(log)
    return float(found[-1]) if found else None


def clean_env() -> dict:
    """The environment of the commands timed: as ``make`` runs them (see the
    Makefile's exported variables), without the caller's engine overrides."""
    env = {k: v for k, v in os.environ.items() if k not in OVERRIDES}
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


def median_build(root: Path, site_dir: Path, repeat: int, config: str = "mkdocs.yml"):
    runs = [build(root, site_dir, config) for _ in range(repeat)]
    return statistics.median(s for s, _ in runs), [log for _, log in runs]


def parallel_rows(root: Path, site_dir: Path) -> list[Row]:
    """Cold builds (cache off) serially and with the default jobs."""
    no_cache = {"LISTINGS_NO_CACHE": "1"}
    say("cold build, cache off, pages one after another (LISTINGS_JOBS=1)")
    serial, _ = build(root, site_dir, env={**no_cache, "LISTINGS_JOBS": "1"})
    jobs = os.cpu_count() or 1
    say(f"cold build, cache off, LISTINGS_JOBS unset ({jobs} pages at once)")
    parallel, _ = build(root, site_dir, env=no_cache)
    ratio = parallel / serial
    return [
        Row("Cold build, cache off, `LISTINGS_JOBS=1` (serial)", _seconds(serial)),
        Row(
            f"Cold build, cache off, `LISTINGS_JOBS` unset ({jobs} at once)",
            _seconds(parallel),
        ),
        Row("Parallel / serial cold build", f"{ratio:.2f}x", "≤ 0.6x", ratio <= 0.6),
    ]


# mkdocs serve -------------------------------------------------------------------


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by ``pid`` and every process under it (those
    that ended and were waited for count in their parent's)."""
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        # After the name: state ppid ... utime(12) stime cutime cstime.
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        times[int(entry.name)] = sum(int(value) for value in fields[11:15])
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0)
        todo += children.get(current, [])
    return total / os.sysconf("SC_CLK_TCK")


def wait_idle(
    pid: int,
    timeout: float,
    window: float = 3.0,
    busy: float = 0.1,
    cpu: Callable[[int], float] = tree_cpu_seconds,
) -> float | None:
    """Wait until ``pid`` and its processes use less than ``busy`` of a core
    over ``window`` seconds; the seconds waited, or None after ``timeout``."""
    started = time.monotonic()
    before = cpu(pid)
    while time.monotonic() - started < timeout:
        time.sleep(window)
        after = cpu(pid)
        if 0 <= after - before < busy * window:
            return time.monotonic() - started
        before = after
    return None


class Server:
    """``mkdocs serve`` in a child process, its log lines timestamped."""

    def __init__(self, root: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.lines: list[tuple[float, str]] = []
        self.process = subprocess.Popen(
            # As `make serve` runs it: each rebuild builds the pages that changed.
            [PYTHON, "-m", "mkdocs", "serve", "--dirty", "-a", f"127.0.0.1:{port}"],
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
    ) -> tuple[int, float, re.Match] | None:
        """The first log line from index ``since`` on that matches, as (its
        index, its time, the match), or None.

        A line matching ``fail`` first raises, with the log from ``since`` on.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index, (stamp, line) in enumerate(self.lines[since:], start=since):
                if fail is not None and fail.search(line):
                    log = "\n".join(text for _, text in self.lines[since:])
                    raise RuntimeError(f"mkdocs serve failed to rebuild:\n{log}")
                match = pattern.search(line)
                if match:
                    return index, stamp, match
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        return None

    def text(self, start: int, end: int) -> str:
        return "\n".join(line for _, line in self.lines[start:end])

    def settle(self, timeout: float) -> None:
        """Wait until no rebuild has started for a second (a file watcher may
        report one write twice)."""
        while True:
            mark = len(self.lines)
            time.sleep(1.0)
            if not any(DETECTED.search(line) for _, line in self.lines[mark:]):
                return
            self.wait_for(BUILT, mark, timeout, fail=REBUILD_FAILED)

    def stop(self) -> None:
        """Stop as Ctrl-C does (the plugin then stops its preview workers)."""
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGINT)
        for stop in (None, self.process.terminate, self.process.kill):
            if stop is not None:
                stop()
            try:
                self.process.wait(timeout=20)
                return
            except subprocess.TimeoutExpired:
                continue


@contextlib.contextmanager
def edited(path: Path, change: Callable[[str], str]) -> Iterator[None]:
    """``path`` changed by ``change`` for the block; always restored after it."""
    original = path.read_bytes()
    try:
        path.write_text(change(original.decode()))
        yield
    finally:
        path.write_bytes(original)


@dataclass
class Rebuild:
    """What one rebuild under serve took, from the edit to its end."""

    seconds: float
    handlers: float | None = None  # the plugin's handlers' seconds
    previewed: tuple[int, int] | None = None  # resumed from listing K of N
    preview: float | None = None  # the seconds the plugin logged for it
    executed: list[str] = field(default_factory=list)  # pages run from the top

    @property
    def share(self) -> float | None:
        return None if self.handlers is None else self.handlers / self.seconds


def rebuild_facts(seconds: float, log: str, page: str | None = None) -> Rebuild:
    """A rebuild's time and what its log says: the plugin's handlers' time,
    and whether ``page`` was previewed (resumed) or run from the top."""
    previewed = preview = None
    for match in PREVIEWED.finditer(log):
        if page is None or match["page"] == page:
            previewed = (int(match["k"]), int(match["n"]))
            preview = float(match["s"])
    return Rebuild(
        seconds, handlers_seconds(log), previewed, preview, [*executed_pages(log)]
    )


def rebuild_after(
    server: Server, path: Path, change, timeout: float, page: str | None = None
) -> Rebuild | None:
    """The rebuild an edit of ``path`` caused: from the write to its end.

    None if no rebuild ended in ``timeout``; a failed rebuild raises, with the
    server's log, rather than leaving the benchmark waiting. The edit is
    reverted, and the rebuild that causes waited for, before this returns.
    """
    since = len(server.lines)
    with edited(path, change):
        started = time.monotonic()
        found = server.wait_for(BUILT, since, timeout, fail=REBUILD_FAILED)
    if found is None:
        return None
    index, stamp, _ = found
    server.wait_for(BUILT, index + 1, timeout, fail=REBUILD_FAILED)
    server.settle(timeout)
    return rebuild_facts(stamp - started, server.text(since, index + 1), page)


def last_listing_edit(note: str) -> Callable[[str], str]:
    """An edit of a snippet file's last section that changes its code, not
    its output: a comment line before the section's end marker."""

    def change(text: str) -> str:
        end = text.rfind("# --8<-- [end:")
        return f"{text[:end]}# {note}\n{text[end:]}"

    return change


def warm_wait(cold_pages: dict[str, tuple[int, float]], page: str) -> float:
    """How long after the first build the plugin should have warmed ``page``:
    it warms the pages one by one in the order of the cold build's log, so
    the cold runs of the pages up to ``page``, and a margin."""
    total = 0.0
    for name, (_, seconds) in cold_pages.items():
        total += seconds
        if name == page:
            break
    return total + WARM_MARGIN


@dataclass
class ServeFigures:
    watched: str = ""
    first_wait: float = 0.0  # seconds from serving to the first edit
    idle_after: float | None = None  # seconds to the end of the warm-up
    first: Rebuild | None = None  # the first last-listing edit
    last: list[Rebuild | None] = field(default_factory=list)  # the next ones
    prose: list[Rebuild | None] = field(default_factory=list)
    # Prose edits of the page whose listing is edited: what any edit of it costs.
    page_prose: list[Rebuild | None] = field(default_factory=list)


def serve_session(
    root: Path, prose_page: Path, warm_page: str, cold_pages: dict
) -> ServeFigures:
    """Time ``mkdocs serve``: the first edit of ``warm_page``'s last listing
    as a reader makes it (once the plugin has had the time to warm that
    page), then, once every page is warm (the server's processes idle), the
    next edits of that listing and the prose edits."""
    snippet = root / "snippets" / f"{Path(warm_page).stem}.py"
    figures = ServeFigures()
    server = Server(root)
    try:
        ready = server.wait_for(re.compile("Serving on"), 0, timeout=1200)
        if ready is None:
            tail = "\n".join(line for _, line in server.lines[-20:])
            raise RuntimeError(f"mkdocs serve did not start:\n{tail}")
        watching = server.wait_for(WATCHING, 0, timeout=1)
        figures.watched = watching[2]["paths"] if watching else ""
        for path in (snippet, prose_page):
            if path.relative_to(root).parts[0] not in figures.watched:
                raise RuntimeError(f"serve does not watch {path}: {figures.watched}")
        figures.first_wait = warm_wait(cold_pages, warm_page)
        say(f"serve: waiting {figures.first_wait:.0f} s for {warm_page} to warm")
        time.sleep(figures.first_wait)
        say(f"serve: the first edit of the last listing of {warm_page}")
        figures.first = rebuild_after(
            server, snippet, last_listing_edit("Edit 0."), 300, warm_page
        )
        say("serve: waiting for the warm-up of every page (the server idle)")
        figures.idle_after = wait_idle(server.process.pid, timeout=900)
        for n in range(1, EDITS + 1):
            say(f"serve: edit {n} of the last listing of {warm_page}")
            change = last_listing_edit(f"Edit {n}.")
            figures.last.append(rebuild_after(server, snippet, change, 300, warm_page))
        for n in range(1, EDITS + 1):
            say(f"serve: prose edit {n} of {prose_page.relative_to(root)}")
            change = lambda text, n=n: text + PROSE_EDIT.format(n)  # noqa: E731
            figures.prose.append(rebuild_after(server, prose_page, change, 300))
        for n in range(1, EDITS + 1):
            say(f"serve: prose edit {n} of {warm_page}")
            change = lambda text, n=n: text + PROSE_EDIT.format(n)  # noqa: E731
            figures.page_prose.append(
                rebuild_after(server, root / warm_page, change, 300)
            )
        return figures
    finally:
        server.stop()


def median_of(values: list[float | None], unit: str = " s") -> tuple[str, float | None]:
    """Values as their median with each shown, and the median; None if any
    is missing (no rebuild)."""
    if not values or any(value is None for value in values):
        return "no rebuild", None
    middle = statistics.median(values)
    each = ", ".join(f"{value:.1f}" for value in values)
    return f"{middle:.1f}{unit} (median of {each}{unit})", middle


def resumed(rebuild: Rebuild, seconds: bool = True) -> str:
    """Whether the rebuild resumed the page, ran it or ran nothing."""
    if rebuild.previewed is not None:
        said = "resumed from listing {} of {}".format(*rebuild.previewed)
        if seconds and rebuild.preview is not None:
            said += f", in {rebuild.preview:.1f} s of it"
        return said
    if rebuild.executed:
        return "ran from the top"
    return "nothing ran"


def serve_rows(figures: ServeFigures, warm_page: str, cold_pages: dict) -> list[Row]:
    rows: list[Row] = []
    walls = [r.seconds if r else None for r in figures.prose]
    prose, prose_s = median_of(walls)
    rows.append(
        Row(
            f"`mkdocs serve` rebuild after a prose edit (wall, {EDITS} in a row)",
            prose,
            "≤ 3 s",
            None if prose_s is None else prose_s <= 3,
        )
    )
    shares = [r.share if r else None for r in figures.prose]
    if all(share is not None for share in shares) and shares:
        share = statistics.median(shares)
        handlers = statistics.median(r.handlers for r in figures.prose)
        rows.append(
            Row(
                "… the listings plugin's share of it (its handlers' time / "
                "the rebuild's wall time)",
                f"{share:.2f} (median; handlers {handlers:.2f} s)",
                "≤ 0.3",
                share <= 0.3,
            )
        )
    else:
        rows.append(Row("… the listings plugin's share of it", "not logged"))
    cold = cold_pages.get(warm_page, (0, 0.0))[1]
    limit = 0.25 * cold
    target = f"≤ 0.25x ({limit:.1f} s)"
    first = figures.first
    if first is None:
        said = "no rebuild"
    else:
        ratio = f" = {first.seconds / cold:.2f}x" if cold else ""
        said = f"{first.seconds:.1f} s{ratio} ({resumed(first)})"
    rows.append(
        Row(
            f"`mkdocs serve` preview after the first edit of the last listing of "
            f"{warm_page}, {figures.first_wait:.0f} s after serving (its cold "
            f"run: {cold:.1f} s)",
            said,
            target,
            None if first is None or not cold else first.seconds <= limit,
        )
    )
    idle = (
        "the warm-up did not end within 900 s"
        if figures.idle_after is None
        else f"every page warm {figures.idle_after:.0f} s after the first edit"
    )
    last, last_s = median_of([r.seconds if r else None for r in figures.last])
    done = [r for r in figures.last if r]
    how = sorted({resumed(r, seconds=False) for r in done})
    previews = [r.preview for r in done if r.preview is not None]
    if previews:
        how.append(f"the preview itself: {statistics.median(previews):.1f} s")
    rows.append(
        Row(
            f"… the next edits ({EDITS} in a row; {idle})",
            last + (f" ({'; '.join(how)})" if how else ""),
            target,
            None
            if last_s is None or not cold
            else all(r.seconds <= limit for r in figures.last),
        )
    )
    page_prose, page_prose_s = median_of(
        [r.seconds if r else None for r in figures.page_prose]
    )
    over = None if page_prose_s is None or last_s is None else last_s - page_prose_s
    if over is not None:  # +0.0, never -0.0
        page_prose += f"; the preview: {round(over, 1) + 0.0:+.1f} s over it"
    rows.append(
        Row(
            f"… against a prose edit of {warm_page} ({EDITS} in a row; it makes the "
            "page and its notebook view again, as a listing edit does): the next "
            "edits' preview over it",
            page_prose,
            "preview ≤ it + 0.5 s",
            None if over is None else over <= 0.5,
        )
    )
    return rows


# The test run -------------------------------------------------------------------


def pytest_run(root: Path, workers: int, *paths: str) -> tuple[float, str, bool]:
    """Wall-clock seconds of ``pytest -n workers [paths]``, its summary, and
    whether it passed."""
    command = [PYTHON, "-m", "pytest", "-n", str(workers), "-q", "-rfE"]
    command += ["-p", "no:cacheprovider", *paths]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=root, env=clean_env(), capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    said = pytest_summary(done.stdout) or f"exit status {done.returncode}"
    # A run that did not pass names what failed (pytest's -rfE lines).
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", done.stdout, re.MULTILINE)
    if failed:
        said += ": " + ", ".join(f"`{name}`" for name in failed)
    return seconds, said, done.returncode == 0


def pytest_summary(output: str) -> str | None:
    """The "3 passed, 1 skipped" of pytest's last summary line (-q or not)."""
    for line in reversed(output.strip().splitlines()):
        if PYTEST_SUMMARY.search(line):
            return re.sub(r" in [\d.]+s.*", "", line.strip(" =")).strip()
    return None


def every_page(root: Path, workers: int) -> tuple[float, str]:
    """Wall-clock seconds of running every page once (no cache) on
    ``workers`` page workers, in a process of its own, and what it said."""
    env = {**clean_env(), "LISTINGS_JOBS": str(workers)}
    started = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "-c", EVERY_PAGE], cwd=root, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    said = (done.stdout.strip().splitlines() or [""])[-1]
    if done.returncode != 0:
        said = f"exit status {done.returncode}: {done.stderr.strip()[-300:]}"
    return seconds, said


def keep_only_page_results(root: Path) -> str:
    """Empty the build's caches in ``root/.cache`` but the pages' results (the
    listings cache), and say what went."""
    cache = root / ".cache"
    gone = []
    for entry in sorted(cache.iterdir()) if cache.is_dir() else []:
        if entry.name == "listings":
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
        gone.append(f"`.cache/{entry.name}`")
    return "emptied " + (", ".join(gone) or "nothing")


def suite_rows(root: Path, site_dir: Path, workers: int) -> list[Row]:
    """``make test``'s test run over its irreducible work."""
    # As `make test` does first: the browser tests need a Chromium.
    subprocess.run([root / "scripts" / "ensure-chromium"], cwd=root, check=False)
    say(f"the test run: pytest -n {workers}, the whole suite")
    suite, suite_said, suite_passed = pytest_run(root, workers)
    say(f"every page once, {workers} at once, no cache")
    pages, pages_said = every_page(root, workers)
    say("a warm build, then the browser audit alone")
    build(root, site_dir)
    # What a fresh clone's test run must make once besides the pages (the
    # notebook views, the notebooks, the API links' resolutions) is work the
    # audit's own build does too: only the pages' results are kept for it.
    kept = keep_only_page_results(root)
    audit, audit_said, audit_passed = pytest_run(
        root, workers, "tests/site/test_accessibility.py"
    )
    ratio = suite / (pages + audit)
    say("the browser audit again, every cache warm (as reported before 2026-12-07)")
    warm_audit, _, warm_passed = pytest_run(
        root, workers, "tests/site/test_accessibility.py"
    )
    # A run that failed or errored did not do the work it is compared on.
    passed = suite_passed and audit_passed
    verdict = "" if passed else " (not comparable: a run did not pass)"
    return [
        Row(
            f"Test run, `pytest -n {workers}` (the whole suite; `make test` "
            "runs `pytest -n auto`)",
            f"{_seconds(suite)} ({suite_said})",
        ),
        Row(
            f"… every page run once, {workers} at once, cache off "
            "(`Project.run(pages, cache=None)`)",
            f"{_seconds(pages)} ({pages_said})",
        ),
        Row(
            f"… the browser audit alone, `pytest -n {workers} "
            "tests/site/test_accessibility.py` (its own build reads the pages' "
            f"results from the cache and makes the rest, as in a fresh clone: "
            f"{kept})",
            f"{_seconds(audit)} ({audit_said})",
        ),
        Row(
            "Test run / (every page once + the audit)",
            f"{ratio:.2f}x{verdict}",
            "≤ 1.5x",
            passed and ratio <= 1.5,
        ),
        Row(
            "… for comparison, the audit again with every cache warm, "
            "and the ratio over it (how this row was measured before)",
            f"{_seconds(warm_audit)}; "
            f"{suite / (pages + warm_audit):.2f}x"
            + ("" if warm_passed else " (the audit did not pass)"),
        ),
    ]


# The engine, page by page --------------------------------------------------------


@dataclass
class PageTiming:
    """One page run through the engine in this process, listing by listing."""

    page: str
    parse: float  # seconds to read and expand the page
    start: float  # seconds to start the page's worker process (and its setup)
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
    from listings.run import setup_code

    project = Project.from_root(root)
    settings = project.settings
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
        setup = setup_code(page, project.root, settings)
        run = PageRun(page, project.root, settings, setup=setup)
        try:
            started = time.perf_counter()
            run.start()
            start = time.perf_counter() - started
            timing = PageTiming(page.name, parse, start, [], [], [])
            for index in range(len(page.listings)):
                started = time.perf_counter()
                result = run.result(index)
                timing.calls.append(time.perf_counter() - started)
                timing.own.append(result.seconds)
                timing.names.append(page.listings[index].id)
        finally:
            run.close()
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


def engine_rows(timings: list[PageTiming]) -> list[Row]:
    overhead, count = overhead_ms(timings)
    largest, name = largest_overhead(timings)
    starts = [t.start for t in timings]
    return [
        Row(
            f"Engine overhead per listing (mean of {count})",
            f"{overhead:.2f} ms",
            "≤ 5 ms",
            overhead <= 5,
        ),
        Row("… the largest, one listing", f"{largest:.1f} ms ({name})"),
        Row(
            "Starting a page's worker (mean, once per page, its setup cell included)",
            f"{1000 * sum(starts) / max(1, len(starts)):.0f} ms",
        ),
    ]


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
                f"{t.start + sum(t.calls):.2f}",
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


def with_handlers(seconds: float, logs: list[str]) -> str:
    """A build's time, with the plugin's handlers' share where logged."""
    found = [h for h in map(handlers_seconds, logs) if h is not None]
    if not found:
        return _seconds(seconds)
    handlers = statistics.median(found)
    return f"{_seconds(seconds)} (the plugin's handlers: {handlers:.2f} s)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="skip the test run and targets_*.py"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="builds per warm figure (median)"
    )
    parser.add_argument(
        "--page", default="docs/tensors.md", help="the page whose prose is edited"
    )
    parser.add_argument(
        "--warm-page",
        default="docs/autograd.md",
        help="the page whose last listing is edited to time a preview",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="pytest-xdist workers and pages at once for the test run (default 2)",
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
    parser.add_argument(
        "--suite",
        action="store_true",
        help="only the test run over its irreducible work",
    )
    args = parser.parse_args(argv)
    # Make SIGTERM unwind like Ctrl-C, so the finally blocks stop the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    about = machine()
    rows: list[Row] = []
    timings: list[PageTiming] = []
    with tempfile.TemporaryDirectory(prefix="pytorch-mechanics-bench-") as folder:
        root = snapshot(Path(folder) / "site-src")
        site_dir = Path(folder) / "site"
        prose_page = root / args.page
        if not prose_page.is_file():
            raise SystemExit(f"no page {args.page} to edit for the serve timings")
        if args.parallel:
            print(f"Benchmark: {about}\n")
            print(table(parallel_rows(root, site_dir)))
            return 0
        if args.suite:
            print(f"Benchmark: {about}\n")
            print(table(suite_rows(root, site_dir, args.workers)))
            return 0
        say("cold build (empty listings cache)")
        cold_s, cold_log = build(root, site_dir)
        cold_pages = executed_pages(cold_log)
        if args.serve:
            figures = serve_session(root, prose_page, args.warm_page, cold_pages)
            print(f"Benchmark: {about}\n")
            print(table(serve_rows(figures, args.warm_page, cold_pages)))
            return 0
        rows.append(
            Row("Cold `mkdocs build` (empty cache)", with_handlers(cold_s, [cold_log]))
        )
        say(f"warm builds ({args.repeat})")
        warm_s, warm_logs = median_build(root, site_dir, args.repeat)
        views = len(list((site_dir / "notebooks").glob("*/index.html")))
        rows.append(
            Row(
                f"Warm `mkdocs build`, nothing changed (median of {args.repeat})",
                with_handlers(warm_s, warm_logs),
                "≤ 5 s",
                warm_s <= 5,
            )
        )
        rerun = sorted({p for log in warm_logs for p in executed_pages(log)})
        if rerun:
            rows.append(Row("Pages the warm build executed", ", ".join(rerun), "none"))
        rows.append(Row("Notebook views in every build (mkdocs-jupyter)", str(views)))
        (root / "mkdocs.noexec.yml").write_text(
            without_plugin((root / "mkdocs.yml").read_text())
        )
        say(f"builds without the listings plugin ({args.repeat})")
        off_s, _ = median_build(root, site_dir, args.repeat, "mkdocs.noexec.yml")
        rows.append(
            Row("Build with execution off (no listings plugin)", _seconds(off_s))
        )
        rows.append(
            Row(
                "Warm build / execution-off build",
                f"{warm_s / off_s:.2f}x",
                "≤ 2x",
                warm_s <= 2 * off_s,
            )
        )
        rows += parallel_rows(root, site_dir)
        figures = serve_session(root, prose_page, args.warm_page, cold_pages)
        rows += serve_rows(figures, args.warm_page, cold_pages)
        if not args.quick:
            rows += suite_rows(root, site_dir, args.workers)
        say("engine overhead (every page through listings.PageRun)")
        timings = engine_timings(root)
        rows += engine_rows(timings)
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
