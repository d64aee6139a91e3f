"""The listing engine: the one piece the site build and the tests share.

A page's python fences embed snippet sections; the engine expands them with
pymdownx.snippets, reads the blocks with pytest-codeblocks, runs the listings
in order in one namespace in a worker process per page, and compares what
each printed with the output committed under it (``listings.pipeline``).
"""

from __future__ import annotations

from .cache import Cache
from .page import Listing, Page, PageError
from .pipeline import PageOutcome, PageSession, check_page, check_pages, run_page
from .project import Project
from .runner import Result
from .verify import problems
from .worker import PageRun

__all__ = [
    "Cache",
    "Listing",
    "Page",
    "PageError",
    "PageOutcome",
    "PageRun",
    "PageSession",
    "Project",
    "Result",
    "check_page",
    "check_pages",
    "problems",
    "run_page",
]
