"""Previews under ``mkdocs serve``: resume a page from just before the first
listing that changed, as a notebook would, instead of running it from the top.

A preview worker forks before each listing: the child runs on, the parent
stays behind, asleep, as a snapshot of the page's state before that listing
(torch imported, tensors made). When an edit changes listing ``j`` and
nothing before it, the snapshots from ``j`` on are dropped and the one before
``j`` forks a fresh runner. Any doubt (an earlier listing changed or failed,
the data module, the engine or a library changed, a file the page shows but
does not run changed, a time limit expired) falls back to a fresh worker.

Only ``mkdocs serve`` uses this, and only to show: its results never go into
the cache, and ``mkdocs build`` and pytest always run every page fresh. The
worker runs torch on one thread (a process that forks must not have an
OpenMP thread pool), and needs Linux (``fork`` and a parent-death signal).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import ClassVar

from .cache import environment_fingerprint
from .page import Page
from .runner import Result
from .worker import PageRun, end_of_page, read_line, run_request

WAKE = signal.SIGUSR1
PR_SET_PDEATHSIG = 1


def supported() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork")


def _die_with_parent() -> None:
    """Let the kernel kill this process when its parent dies, so dropping one
    snapshot drops every later one and the runner waiting at the end."""
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def _fork_reader() -> int:
    """Fork: 0 in the child, which reads the next request; its pid in the parent."""
    pid = os.fork()
    if pid == 0:
        _die_with_parent()  # WAKE stays blocked: this is a snapshot-to-be
    return pid


def _stay_as_snapshot(engine: int | None) -> None:
    """Sleep as a snapshot of the page's state until woken, then fork a new
    reader and return in it (never in this process). The first snapshot
    (``engine``: its parent's pid) ends the page when the engine is gone;
    the later ones die with their parent."""
    while True:
        while signal.sigtimedwait({WAKE}, 1.0) is None:
            if engine is not None and os.getppid() != engine:
                end_of_page()
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:  # the processes dropped so far
                pass
        if _fork_reader() == 0:
            return


def serve_snapshots(root: Path, requests: int, replies) -> None:
    """The preview worker's loop: run each listing sent, then stay behind as
    the snapshot after it while a child reads the next request."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {WAKE})
    if _fork_reader():  # this process: the snapshot before the first listing
        _stay_as_snapshot(engine=os.getppid())
    namespace = None
    while True:
        line = read_line(requests)
        if not line:
            end_of_page()
        namespace, reply = run_request(namespace, root, line)
        reader = _fork_reader()
        if reader == 0:
            continue
        reply["snapshot_before"], reply["snapshot_after"] = os.getppid(), os.getpid()
        reply["reader"] = reader  # the process waiting for the next request
        replies.write(json.dumps(reply).encode() + b"\n")
        replies.flush()
        _stay_as_snapshot(engine=None)


def _wait_gone(pid: int, limit: float = 10.0) -> None:
    """Wait until a process has ended (a zombie has); OSError if it does not."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            return
        if stat.rsplit(")", 1)[1].split()[0] in {"Z", "X"}:
            return
        time.sleep(0.002)
    raise OSError(f"process {pid} did not end")


def _listing_keys(page: Page) -> list[tuple]:
    return [(str(item.snippet), item.line, item.code) for item in page.listings]


def _context(page: Page, root: Path) -> str:
    """What, beyond the listings' code, must be unchanged to resume."""
    shown = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in page.shown}
    material = [environment_fingerprint(root, PreviewRun.env), page.name, shown]
    return json.dumps(material, sort_keys=True)


class PreviewRun(PageRun):
    """A page's preview worker, kept between rebuilds."""

    mode = "snapshots"
    env: ClassVar[dict] = {"OMP_NUM_THREADS": "1"}

    def __init__(self, page: Page, root: Path):
        super().__init__(page, root, self.env)
        self.keys: list[tuple] = []
        self.context = _context(page, root)

    def reusable(self, page: Page) -> int:
        """How many listings of ``page`` can be kept: the unchanged ones before
        the first edited one (0: start afresh)."""
        if self._process is None or _context(page, self.root) != self.context:
            return 0
        keep = 0
        keys = _listing_keys(page)
        for old, new, result in zip(self.keys, keys, self.results, strict=False):
            if old != new or not result.ok:
                break
            keep += 1
        return keep

    def resume(self, page: Page, keep: int) -> None:
        """Drop what ran after listing ``keep``; the snapshot before it wakes."""
        if keep < len(self.replies):
            reply, reader = self.replies[keep], self.replies[-1]["reader"]
            # The runner of listing `keep` and, with it, every later process;
            # the reader of requests must be gone before the next one is sent.
            os.kill(reply["snapshot_after"], signal.SIGKILL)
            os.kill(reader, signal.SIGKILL)
            _wait_gone(reader)
            os.kill(reply["snapshot_before"], WAKE)
        self.page = page
        self.results, self.replies = self.results[:keep], self.replies[:keep]
        self.keys = _listing_keys(page)[:keep]
        self._failed = None

    def run_all(self) -> list[Result]:
        results = super().run_all()
        self.keys = _listing_keys(self.page)[: len(self.replies)]
        return results

    def close(self) -> None:
        super().close()
        self.keys = []

    def result(self, index: int) -> Result:
        # Unlike a build's run, the worker stays when the page is done.
        while len(self.results) <= index:
            self.results.append(self._run_next())
        return self.results[index]


class Previews:
    """The preview workers of a ``mkdocs serve`` session, one per page."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.runs: dict[str, PreviewRun] = {}
        self.resumed: dict[str, int] = {}  # page -> listings kept, last time

    def run(self, page: Page) -> list[Result]:
        run = self.runs.get(page.name)
        keep = run.reusable(page) if run is not None else 0
        if keep:
            try:
                run.resume(page, keep)
            except OSError:  # a snapshot is gone: start afresh
                keep = 0
        if keep == 0:
            if run is not None:
                run.close()
            run = self.runs[page.name] = PreviewRun(page, self.root)
        self.resumed[page.name] = keep
        results = run.run_all()
        return list(results)

    def close(self) -> None:
        for run in self.runs.values():
            run.close()
        self.runs.clear()
