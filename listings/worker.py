"""Run a page's listings in a child process, each under a time limit.

``PageRun`` (the parent side) starts a Python running ``main`` in a new
session, so the worker and every process its listings start form one process
group. It sends one listing at a time over a pipe (a JSON line: the code and
where it comes from) and waits for the result line at most the listing's
limit. When the limit expires, and whenever the page is done, it kills the
whole group: nothing a listing starts outlives its page, and nothing a listing
does (an endless loop, ``os._exit``, closing stdout) reaches the build or the
tests. The worker never reads the page: it only runs the code it is sent.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import selectors
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from .page import Listing, Page
from .runner import Result

DEFAULT_LIMIT = 120.0
STARTUP_LIMIT = 120.0  # Python and the engine's imports, before any listing
LIMIT_VARIABLE = "LISTINGS_TIMEOUT"
_running: set[PageRun] = set()
WORKER = "import sys; from listings.worker import main; main(sys.argv[1:])"


def limit_of(listing: Listing) -> float:
    """The listing's ``timeout(SECONDS)`` mark, else the default for all."""
    mark = listing.mark("timeout")
    if mark is not None:
        return float(mark.args[0])
    return float(os.environ.get(LIMIT_VARIABLE) or DEFAULT_LIMIT)


class WorkerGone(Exception):
    """The worker ended or did not answer in time; the message says which."""


class PageRun:
    """A page being executed in its worker: listings run on demand, in order."""

    # What the worker runs: "serve" here, or warm.serve_snapshots for previews.
    mode = "serve"

    def __init__(self, page: Page, root: Path, env: dict | None = None):
        self.page = page
        self.root = Path(root)
        self.env = env or {}
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
        if len(self.results) == len(self.page.listings):
            self.close()
        return self.results[index]

    def run_all(self) -> list[Result]:
        if self.page.listings:
            self.result(len(self.page.listings) - 1)
        return self.results

    def _run_next(self) -> Result:
        listing = self.page.listings[len(self.results)]
        if self._failed is not None:
            return Result(skipped_because=self._failed)
        limit = limit_of(listing)
        try:
            if self._process is None:
                self._start()
            self._send(
                {"snippet": str(listing.snippet), "line": listing.line,
                 "code": listing.code}
            )  # fmt: skip
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
        if self._process is None:
            self._start()

    def _start(self) -> None:
        requests_read, self._requests = os.pipe()
        self._replies, replies_write = os.pipe()
        package = str(Path(__file__).resolve().parents[1])
        path = os.environ.get("PYTHONPATH")
        env = {
            **os.environ,
            "MPLBACKEND": "Agg",
            "PYTHONPATH": package + (os.pathsep + path if path else ""),
            **self.env,
        }
        command = [sys.executable, "-c", WORKER, str(self.root)]
        command += [str(requests_read), str(replies_write), self.mode]
        try:
            self._process = subprocess.Popen(
                command,
                cwd=self.root,
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
        status = None
        with contextlib.suppress(subprocess.TimeoutExpired, AttributeError):
            status = self._process.wait(timeout=5)
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
        if process is None:
            return
        # The worker is not reaped yet, so its group id cannot have been reused.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@atexit.register
def _stop_all() -> None:
    for run in list(_running):
        run.close()


def read_line(fd: int) -> bytes:
    """One request line. The engine sends the next request only after the
    reply to this one, so nothing is read ahead (and a forked process
    inherits no half-read request)."""
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b""
        line += chunk
    return line


def run_request(namespace, root: Path, line: bytes):
    """Run the listing a request line names; the namespace and the reply."""
    from .runner import Namespace

    request = json.loads(line)
    if namespace is None:
        namespace = Namespace(root, request["snippet"])
    result = namespace.run(request["snippet"], request["line"], request["code"])
    return namespace, result.to_json()


def serve(root: Path, requests: int, replies) -> None:
    """The worker's loop: run each listing sent, reply with its result."""
    namespace = None
    while line := read_line(requests):
        namespace, reply = run_request(namespace, root, line)
        replies.write(json.dumps(reply).encode() + b"\n")
        replies.flush()
    end_of_page()


def watch_engine(replies: int) -> None:
    """A thread that ends the page when the engine is gone, even while a
    listing runs: the replies pipe then has no reader (POLLERR), however the
    engine ended (SIGKILL included)."""

    def watch() -> None:
        poller = select.poll()
        poller.register(replies, 0)
        while True:
            for _, event in poller.poll():
                if event & (select.POLLERR | select.POLLHUP):
                    end_of_page()

    threading.Thread(target=watch, name="listings-engine-watch", daemon=True).start()


def end_of_page() -> None:
    """The engine closed the pipe (or died, even by SIGKILL): stop this page's
    whole process group, the processes its listings left running included."""
    os.killpg(0, signal.SIGKILL)


def main(argv: list[str]) -> None:
    root, requests_fd, replies_fd = Path(argv[0]), int(argv[1]), int(argv[2])
    mode = argv[3] if len(argv) > 3 else "serve"
    # Processes a listing starts must not hold the engine's pipes open.
    os.set_inheritable(requests_fd, False)
    os.set_inheritable(replies_fd, False)
    with os.fdopen(replies_fd, "wb") as out:
        out.write(b'{"ready": true}\n')
        out.flush()
        if mode == "snapshots":
            from .warm import serve_snapshots

            serve_snapshots(root, requests_fd, out)
        else:
            watch_engine(replies_fd)
            serve(root, requests_fd, out)
