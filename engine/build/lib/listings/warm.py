"""Previews under ``mkdocs serve``: resume a page from just before the first
listing that changed, as a notebook would, instead of running it from the top.

A preview worker forks before each listing: the child runs on, the parent
stays behind, asleep, as a snapshot of the page's state before that listing
(its libraries imported, its data made). When an edit changes listing ``j`` and
nothing before it, the snapshots from ``j`` on are dropped and the one before
``j`` forks a fresh runner. Any doubt (an earlier listing changed or failed,
the data module, the engine or a library changed, a file the page shows but
does not run changed, a time limit expired) falls back to a fresh worker.

Only ``mkdocs serve`` uses this, and only to show: its results never go into
the cache, and ``mkdocs build`` and pytest always run every page fresh. The
worker runs its numeric libraries on one thread (a process that forks must
not have an OpenMP thread pool), and needs Linux (``fork`` and a
parent-death signal).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

from .cache import Cache
from .page import Page
from .result import Result
from .run import PageRun, setup_code, worker_env
from .settings import Settings

WAKE = signal.SIGUSR1


def supported() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork")


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


def _context(page: Page, root: Path, settings: Settings) -> str:
    """What, beyond the listings' code, must be unchanged to resume."""
    shown = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in page.shown}
    environment = Cache(root, settings).environment(root, worker_env(settings))
    material = [environment, page.name, shown]
    return json.dumps(material, sort_keys=True)


class PreviewRun(PageRun):
    """A page's preview worker, kept between rebuilds."""

    mode = "snapshots"

    def __init__(self, page: Page, root: Path, settings: Settings):
        super().__init__(page, root, settings, setup=setup_code(page, root, settings))
        self.keys: list[tuple] = []
        self.context = _context(page, root, settings)

    def reusable(self, page: Page) -> int:
        """How many listings of ``page`` can be kept: the unchanged ones before
        the first edited one (0: start afresh)."""
        if (
            self._process is None
            or _context(page, self.root, self.settings) != self.context
        ):
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
            # (The reader may be gone already: it dies with its parent.)
            for pid in (reply["snapshot_after"], reader):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            _wait_gone(reader)
            os.kill(reply["snapshot_before"], WAKE)
        self.page = page
        self.results, self.replies = self.results[:keep], self.replies[:keep]
        self.keys = _listing_keys(page)[:keep]
        self._failed = None

    def run_all(self) -> list[Result]:
        """Every listing's result; unlike a build's run, the worker stays."""
        if self.page.listings:
            self.result(len(self.page.listings) - 1)
        self.keys = _listing_keys(self.page)[: len(self.replies)]
        return self.results

    def close(self) -> None:
        super().close()
        self.keys = []


class Previews:
    """The preview workers of a ``mkdocs serve`` session, one per page."""

    def __init__(self, root: Path, settings: Settings | None = None):
        self.root = Path(root)
        self.settings = settings or Settings()
        self.runs: dict[str, PreviewRun] = {}
        self.resumed: dict[str, int] = {}  # page -> listings kept, last time
        self.closed = False
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, page: Page) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(page.name, threading.Lock())

    def warm(self, pages: list[Page]) -> None:
        """Start a preview worker for each page, one after another, unless an
        edit started it first (``mkdocs serve`` calls this in a thread once
        the first build is served)."""
        for page in pages:
            with self._lock(page):
                if self.closed:
                    return
                if page.name not in self.runs:
                    self._run(page)

    def run(self, page: Page) -> list[Result]:
        """The page's results, resumed from before its first edited listing."""
        with self._lock(page):
            return self._run(page)

    def _run(self, page: Page) -> list[Result]:
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
            run = self.runs[page.name] = PreviewRun(page, self.root, self.settings)
        self.resumed[page.name] = keep
        results = run.run_all()
        return list(results)

    def close(self) -> None:
        self.closed = True
        for run in list(self.runs.values()):
            run.close()  # a page warming now ends with its worker
        self.runs.clear()
