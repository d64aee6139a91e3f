"""The listing engine: the one piece the site build and the tests share.

A page's python fences embed snippet sections; the engine expands them with
pymdownx.snippets, reads the blocks with pytest-codeblocks, runs the listings
in order in one namespace, and compares what each printed with the output
committed under it.
"""

from __future__ import annotations

import time
from pathlib import Path

from .cache import Cache, environment_fingerprint, page_key
from .page import Listing, Page, PageError
from .project import Project
from .runner import PageRun, Result
from .verify import problems

__all__ = [
    "Cache",
    "Listing",
    "Page",
    "PageError",
    "PageRun",
    "Project",
    "Result",
    "problems",
    "run_page",
]


def run_page(
    page: Page, root: Path, cache: Cache | None = None, environment: dict | None = None
) -> tuple[list[Result], bool, float]:
    """Results of every listing of a page, from the cache when it holds them.

    Returns the results, whether they came from the cache, and the seconds spent.
    """
    started = time.perf_counter()
    key = None
    if cache is not None:
        key = page_key(page, environment or environment_fingerprint(root))
        cached = cache.load(page, key)
        if cached is not None:
            return cached, True, time.perf_counter() - started
    results = PageRun(page, root).run_all()
    if cache is not None and key is not None:
        cache.store(page, key, results)
    return results, False, time.perf_counter() - started
