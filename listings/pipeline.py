"""The one path from a page to its verdict: run it (or take it from the cache),
judge each listing against its page, report.

The MkDocs hook, the pytest plugin, the ``listings`` command and the
benchmarks all go through here. Pages are independent, so ``check_pages``
runs several at once, each in its own worker process (``LISTINGS_JOBS``,
default: the number of cores; ``1`` runs them one after another).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .cache import Cache, environment_fingerprint, page_key
from .page import Page
from .runner import Result
from .verify import problems
from .warm import Previews
from .worker import PageRun

JOBS_VARIABLE = "LISTINGS_JOBS"


def jobs() -> int:
    """How many pages run at once: ``LISTINGS_JOBS``, else one per core."""
    value = os.environ.get(JOBS_VARIABLE, "").strip()
    return max(1, int(value)) if value else max(1, os.cpu_count() or 1)


def worker_env(parallel: int) -> dict:
    """Threads for each worker: the cores shared among the pages running at
    once (N workers each using every core fight over them). An
    OMP_NUM_THREADS set by the caller wins."""
    if parallel <= 1 or "OMP_NUM_THREADS" in os.environ:
        return {}
    return {"OMP_NUM_THREADS": str(max(1, (os.cpu_count() or 1) // parallel))}


class PageSession:
    """A page's listings checked in order, one at a time (a pytest item each)
    or all at once (the build); a page that ran whole and clean is stored in
    the cache for the next build."""

    def __init__(
        self,
        page: Page,
        root: Path,
        cache: Cache | None = None,
        environment: dict | None = None,
        env: dict | None = None,
    ):
        self.page, self.root, self.cache = page, Path(root), cache
        self.env = env or {}
        self.environment = environment
        self.run = PageRun(page, root, self.env)

    def key(self) -> str:
        if self.environment is None:
            self.environment = environment_fingerprint(self.root, self.env)
        return page_key(self.page, self.environment)

    def result(self, index: int) -> Result:
        result = self.run.result(index)
        last = len(self.page.listings) - 1
        if index == last and self.cache is not None:
            self.cache.store(self.page, self.key(), self.run.results)
        return result

    def problems(self, index: int) -> list[str]:
        """Every way listing ``index`` fails its page; empty when verified."""
        return problems(self.page.listings[index], self.result(index), self.root)

    def close(self) -> None:
        self.run.close()


@dataclass
class PageOutcome:
    """A page's results, whether they came from the cache, and its time."""

    page: Page
    results: list[Result]
    cached: bool
    seconds: float

    def problems(self, root: Path, page: Page | None = None) -> list[list[str]]:
        """One list of problems per listing (of ``page``, if its text changed)."""
        listings = (page or self.page).listings
        return [
            problems(listing, result, root)
            for listing, result in zip(listings, self.results, strict=True)
        ]


def check_page(
    page: Page,
    root: Path,
    cache: Cache | None = None,
    environment: dict | None = None,
    env: dict | None = None,
    previews: Previews | None = None,
) -> PageOutcome:
    """Run a page (or take its results from the cache). With ``previews``
    (``mkdocs serve`` only), a page not in the cache is resumed in its warm
    preview worker, and what it shows is not stored."""
    started = time.perf_counter()
    session = PageSession(page, root, cache, environment, env)
    if cache is not None:
        cached = cache.load(page, session.key())
        if cached is not None:
            return PageOutcome(page, cached, True, time.perf_counter() - started)
    if previews is not None:
        results = previews.run(page)
        return PageOutcome(page, results, False, time.perf_counter() - started)
    results = []
    try:
        results = [session.result(i) for i in range(len(page.listings))]
    finally:
        session.close()
    return PageOutcome(page, results, False, time.perf_counter() - started)


def run_page(
    page: Page,
    root: Path,
    cache: Cache | None = None,
    environment: dict | None = None,
    env: dict | None = None,
) -> tuple[list[Result], bool, float]:
    """Results of every listing of a page, whether cached, and the seconds spent."""
    outcome = check_page(page, root, cache, environment, env)
    return outcome.results, outcome.cached, outcome.seconds


def check_pages(
    pages: list[Page],
    root: Path,
    cache: Cache | None = None,
    parallel: int | None = None,
    previews: Previews | None = None,
) -> Iterator[PageOutcome]:
    """Outcomes of ``pages``, in their order; up to ``parallel`` run at once."""
    parallel = jobs() if parallel is None else parallel
    env = worker_env(min(parallel, len(pages)))
    environment = environment_fingerprint(Path(root), env)
    if parallel <= 1 or len(pages) <= 1:
        for page in pages:
            yield check_page(page, root, cache, environment, env, previews)
        return
    # The longest pages start first, so none is left running alone at the end.
    longest_first = sorted(range(len(pages)), key=lambda i: _expected_cost(pages[i]))
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        futures = {
            i: pool.submit(
                check_page, pages[i], root, cache, environment, env, previews
            )
            for i in longest_first
        }
        for i in range(len(pages)):
            yield futures[i].result()


def _expected_cost(page: Page) -> tuple[int, int]:
    slow = any(listing.mark("slow") for listing in page.listings)
    return (0 if slow else 1, -len(page.listings))
