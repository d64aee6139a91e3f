"""The one way pages are run: ``run_pages`` runs them (or takes them from the
cache) and yields their outcomes; every adapter and benchmark judges those
with ``listings.verify``.

Each page runs in a worker process of its own (``listings/worker.py``).
``PageRun`` sends one listing at a time over a pipe and waits for the reply
at most the listing's time limit. The worker's first process is a keeper
(a subreaper, on Linux), so every process a listing starts stays below it,
even one that detaches into a session of its own; when the limit expires,
and whenever the page is done, the keeper kills them all, and the engine
the worker's process group: nothing a listing starts outlives its page, and
nothing a listing does (an endless loop, ``os._exit``, closing stdout)
reaches the build or the tests.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .cache import Cache
from .page import Listing, Page
from .result import Result
from .settings import Settings

STARTUP_LIMIT = 120.0  # Python starting, before any listing
KEEPER_LIMIT = 15.0  # the worker's keeper stopping the page's processes
WORKER = Path(__file__).with_name("worker.py")
_running: set[PageRun] = set()


def limit_of(listing: Listing, settings: Settings) -> float:
    """The listing's ``timeout(SECONDS)`` mark, else the site's limit."""
    mark = listing.mark("timeout")
    return float(mark.args[0]) if mark is not None else float(settings.timeout)


class WorkerGone(Exception):
    """The worker ended or did not answer in time; the message says which."""


class PageRun:
    """A page being executed in its worker: listings run on demand, in order.

    The worker runs in a new empty folder, as the page's notebook does where
    a reader saves it: ``setup`` (the notebook's first code cell, which
    writes the files the page needs there) runs before the first listing,
    and the site's own modules cannot be imported. The folder goes with the
    worker.
    """

    # What the worker runs: "serve", or "snapshots" for previews (listings.warm).
    mode = "serve"

    def __init__(
        self,
        page: Page,
        root: Path,
        settings: Settings | None = None,
        env: dict | None = None,
        setup: str | None = None,
    ):
        self.page = page
        self.root = Path(root)
        self.settings = settings or Settings()
        self.env = worker_env(self.settings, env)
        self.setup = setup
        self.folder: Path | None = None
        self.results: list[Result] = []
        self._process: subprocess.Popen | None = None
        self._requests = self._replies = None
        self._buffer = b""
        self._failed: str | None = None
        self.replies: list[dict] = []  # what the worker said about each listing

    def result(self, index: int) -> Result:
        """Run listings up to ``index`` (if not yet run) and return its result."""
        while len(self.results) <= index:
            self.results.append(self._run_next())
        return self.results[index]

    def run_all(self) -> list[Result]:
        """Every listing's result; the worker is stopped after the last."""
        try:
            if self.page.listings:
                self.result(len(self.page.listings) - 1)
        finally:
            self.close()
        return self.results

    def _run_next(self) -> Result:
        listing = self.page.listings[len(self.results)]
        if self._process is None and self._failed is None:
            try:
                self.start()
            except WorkerGone as exc:
                self.close()
                self._failed = f"{listing.id} could not start: {exc}"
                return Result(halted=str(exc))
        if self._failed is not None:
            return Result(skipped_because=self._failed)
        limit = limit_of(listing, self.settings)
        try:
            request = {
                "snippet": str(listing.snippet),
                "line": listing.line,
                "code": listing.code,
            }
            self._send(request)
            late = (
                f"did not finish within its time limit of {limit:g} s; it and the "
                "processes it started were stopped. Make it faster, or give it "
                "more time with a <!--pytest.mark.timeout(SECONDS)--> mark above it"
            )
            reply = json.loads(self._receive(limit, late))
            self.replies.append(reply)
            result = Result.from_json(reply)
        except WorkerGone as exc:
            self.close()
            result = Result(halted=str(exc))
        if result.halted is not None:
            self.close()
            self._failed = f"{listing.id} was stopped before it"
        elif result.error is not None:
            self._failed = f"{listing.id} raised before it"
        return result

    def start(self) -> None:
        """Start the worker now (it starts with the first listing otherwise)."""
        if self._process is not None:
            return
        self.folder = Path(tempfile.mkdtemp(prefix="listings-"))
        requests_read, self._requests = os.pipe()
        self._replies, replies_write = os.pipe()
        options = {
            "palette": self.settings.dark_palette,
            "dpi": self.settings.figure_dpi,
            "repository": str(self.root),
            "device_probe": self.settings.device_probe,
        }
        env = {**os.environ, "MPLBACKEND": "Agg", **self.env}
        command = [sys.executable, "-P", str(WORKER), str(self.folder)]
        command += [str(requests_read), str(replies_write), self.mode]
        command += [json.dumps(options)]
        try:
            self._process = subprocess.Popen(
                command,
                cwd=self.folder,
                env=env,
                stdin=subprocess.DEVNULL,
                pass_fds=(requests_read, replies_write),
                start_new_session=True,
            )
        finally:
            os.close(requests_read)
            os.close(replies_write)
        _running.add(self)
        # The worker says it is ready: a listing's limit is for its own code.
        self._receive(
            STARTUP_LIMIT,
            f"could not run: its page's worker process did not start within "
            f"{STARTUP_LIMIT:g} s",
        )
        if self.setup:
            self._send({"snippet": "<setup>", "line": 1, "code": self.setup})
            reply = Result.from_json(json.loads(self._receive(STARTUP_LIMIT, "")))
            if not reply.ok:
                self._failed = (
                    "the notebook's first cell, which writes the files the page "
                    f"needs (support_files), failed:\n{reply.error or reply.halted}"
                )

    def _send(self, message: dict) -> None:
        data = (json.dumps(message) + "\n").encode()
        try:
            while data:
                data = data[os.write(self._requests, data) :]
        except OSError as exc:  # the worker is gone
            raise WorkerGone(self._ended()) from exc

    def _receive(self, limit: float, late: str) -> bytes:
        """One reply line, waiting at most ``limit`` seconds (else ``late``)."""
        deadline = time.monotonic() + limit
        with selectors.DefaultSelector() as selector:
            selector.register(self._replies, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise WorkerGone(late)
                chunk = os.read(self._replies, 1 << 20)
                if not chunk:
                    raise WorkerGone(self._ended())
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _ended(self) -> str:
        """Why the worker is gone, from its keeper's exit status. The keeper
        is not reaped here (``close`` stops its group, then reaps it)."""
        status = None
        if self._process is not None:
            _wait_ended(self._process.pid, 5)
            with contextlib.suppress(ChildProcessError):
                info = os.waitid(
                    os.P_PID,
                    self._process.pid,
                    os.WEXITED | os.WNOHANG | os.WNOWAIT,
                )
                if info is not None:
                    killed = info.si_code in (os.CLD_KILLED, os.CLD_DUMPED)
                    status = -info.si_status if killed else info.si_status
        how = (
            f"signal {signal.Signals(-status).name}"
            if status is not None and status < 0
            else f"status {status}"
        )
        return (
            f"ended the process running its page ({how}); a listing must not "
            "end the interpreter (os._exit, os.abort, a crash): raise an "
            "exception instead"
        )

    def close(self) -> None:
        """Stop the worker and every process its listings started."""
        process, self._process = self._process, None
        _running.discard(self)
        for fd in (self._requests, self._replies):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._requests = self._replies = None
        if process is not None:
            # The worker's first process, its keeper, stops every process
            # below it, however it detached; then whatever is left of its
            # group goes. It is not reaped before that, so its pid (the
            # group's id) cannot be reused meanwhile.
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)
            _wait_ended(process.pid, KEEPER_LIMIT)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def _wait_ended(pid: int, limit: float) -> None:
    """Wait at most ``limit`` seconds for a child to end, without reaping it
    (a child already reaped has nothing left to wait for)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
                return
        except ChildProcessError:
            return
        time.sleep(0.005)


@atexit.register
def _stop_all() -> None:
    for run in list(_running):
        run.close()


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def worker_env(settings: Settings, env: dict | None = None) -> dict:
    """What a page's worker gets on top of this process's environment: ``env``
    and its thread count (``threads``, the same whether pages run alone or
    side by side). An OMP_NUM_THREADS set by the caller, or in ``env``, wins,
    and the other thread variables follow it unless set themselves."""
    given = {**os.environ, **(env or {})}
    threads = given.get("OMP_NUM_THREADS") or str(settings.threads)
    found = {name: threads for name in THREAD_VARIABLES if name not in given}
    return {**found, **(env or {})}


@dataclass
class PageOutcome:
    """A page's results, whether they came from the cache, and its time."""

    page: Page
    results: list[Result]
    cached: bool
    seconds: float


def run_pages(
    pages: list[Page],
    root: Path,
    settings: Settings | None = None,
    cache: Cache | None = None,
    read_cache: bool = True,
    parallel: int | None = None,
    previews=None,
    env: dict | None = None,
) -> Iterator[PageOutcome]:
    """Outcomes of ``pages``, in their order; up to ``parallel`` run at once.

    A page whose results are in ``cache`` (and ``read_cache``) is not run;
    a page that ran whole and clean is stored there. With ``previews``
    (``listings.warm.Previews``, ``mkdocs serve`` only), a page not in the
    cache is resumed in its warm preview worker, and what it shows is not
    stored. ``env`` is added to the workers' environment.
    """
    settings = settings or Settings()
    parallel = settings.parallel if parallel is None else parallel
    env = worker_env(settings, env)
    environment = cache.environment(root, env) if cache is not None else None

    def outcome(page: Page) -> PageOutcome:
        started = time.perf_counter()
        key = cache.key(page, environment) if cache is not None else None
        if cache is not None and read_cache:
            cached = cache.load(page, key)
            if cached is not None:
                return PageOutcome(page, cached, True, time.perf_counter() - started)
        if previews is not None:
            results = previews.run(page)
            return PageOutcome(page, results, False, time.perf_counter() - started)
        setup = setup_code(page, root, settings)
        results = PageRun(page, root, settings, env, setup).run_all()
        if cache is not None:
            cache.store(page, key, results)
        return PageOutcome(page, results, False, time.perf_counter() - started)

    if parallel <= 1 or len(pages) <= 1:
        for page in pages:
            yield outcome(page)
        return
    # The longest pages start first, so none is left running alone at the end.
    order = sorted(range(len(pages)), key=lambda i: expected_cost(pages[i]))
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        futures = {i: pool.submit(outcome, pages[i]) for i in order}
        for i in range(len(pages)):
            yield futures[i].result()


def support(page: Page, root: Path, settings: Settings) -> dict[str, str]:
    """The files the page's notebook carries: {name there: their text}."""
    files = settings.support_files.get(page.name, {})
    return {
        name: (Path(root) / source).read_text(encoding="utf-8")
        for name, source in sorted(files.items())
    }


def setup_code(page: Page, root: Path, settings: Settings) -> str | None:
    """The notebook's first code cell: it writes the page's support files."""
    files = support(page, root, settings)
    return support_cell(files) if files else None


def support_cell(files: dict[str, str]) -> str:
    """Python that writes ``files`` (name: text) into the working folder."""
    lines = [
        "# The files this notebook's code needs beside it, written into the",
        "# folder it runs in.",
        "def _write_files():",
        "    from pathlib import Path",
        "",
        "    files = {",
    ]
    for name, text in files.items():
        if not text:
            lines.append(f'        {name!r}: "",')
            continue
        lines.append(f"        {name!r}: (")
        lines += [f"            {line!r}" for line in text.splitlines(keepends=True)]
        lines.append("        ),")
    lines += [
        "    }",
        "    for name, text in files.items():",
        "        Path(name).parent.mkdir(parents=True, exist_ok=True)",
        '        Path(name).write_text(text, encoding="utf-8")',
        "",
        "",
        "_write_files()",
        "del _write_files",
    ]
    return "\n".join(lines) + "\n"


def expected_cost(page: Page) -> tuple[int, int]:
    """A sort key: pages with a ``slow`` listing first, then by length."""
    slow = any(listing.mark("slow") for listing in page.listings)
    return (0 if slow else 1, -len(page.listings))
