"""The listing engine: the one piece the site build and the tests share.

A page's python fences embed snippet sections; the engine reads the page
(``listings.page``), runs its listings in order in one namespace in a worker
process (``listings.run``), and judges what each printed against the output
committed under it (``listings.verify``); ``listings.update`` rewrites
those outputs. The adapters in ``listings/adapters/`` (the MkDocs plugin,
the pytest plugin, the ``listings`` command, the pre-build) bring it to
their hosts; nothing here imports them.
"""

from __future__ import annotations

from .cache import Cache
from .page import Listing, Page, PageError
from .project import Project
from .result import Result
from .run import PageOutcome, PageRun, run_pages
from .settings import Settings
from .verify import Problem, problems

__all__ = [
    "Cache",
    "Listing",
    "Page",
    "PageError",
    "PageOutcome",
    "PageRun",
    "Problem",
    "Project",
    "Result",
    "Settings",
    "problems",
    "run_pages",
]
