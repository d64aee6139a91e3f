"""pytest collects each page's listings as items named ``docs/<page>.md::<section>``.

The items of a page run in order in one namespace (notebook semantics), in
the page's worker process (``listings.worker``), each under its time limit;
with pytest-xdist's ``--dist loadfile`` a page stays on one pytest worker.
Tests always execute: the cache is for the site build, never for
verification (a page that passed whole is stored for the build to reuse).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .cache import Cache
from .page import Listing, PageError, missing_outputs
from .pipeline import PageSession
from .project import Project


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, share the cores among the workers: N workers each
    running torch on all cores would fight over them (tiny models get many
    times slower). An OMP_NUM_THREADS set by the caller wins."""
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers and "OMP_NUM_THREADS" not in os.environ:
        threads = max(1, (os.cpu_count() or 1) // int(workers))
        os.environ["OMP_NUM_THREADS"] = str(threads)


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Pages first, those with a ``slow`` listing first of all, then the rest by
    their number of listings; other tests after, in their collected order.

    pytest-xdist hands files to the workers in this order (the config passes
    ``--no-loadscope-reorder``). A page that starts processes then does not
    finish last, and every page has run, and stored its results, by the time
    the browser tests build the site from them. A page's listings keep their
    order: the sort is stable and gives all items of a file the same rank.
    """
    pages: dict[PageFile, list[pytest.Item]] = {}
    for item in items:
        if isinstance(item.parent, PageFile):
            pages.setdefault(item.parent, []).append(item)
    ranks = {}
    for page, listings in pages.items():
        slow = any(i.get_closest_marker("slow") for i in listings)
        ranks[page] = (0 if slow else 1, -len(listings))
    items.sort(key=lambda item: ranks.get(item.parent, (2, 0)))


class ListingFailure(Exception):
    """A listing that raised or printed something other than its page shows."""


def _project(config: pytest.Config) -> Project:
    if not hasattr(config, "_listings_project"):
        config._listings_project = Project.from_root(config.rootpath)
    return config._listings_project


def _from_codeblocks(collector: pytest.Collector) -> bool:
    return type(collector).__module__.split(".")[0] == "pytest_codeblocks"


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    """A page of the docs is this plugin's, with or without ``--codeblocks``.

    pytest-codeblocks (``pytest --codeblocks``) would collect the page's fences
    a second time, raw: its items would run each include line as Python, in a
    namespace of its own. For a page under the docs folder its collector is
    dropped; other Markdown files stay its own.
    """
    collected = yield
    project = _project(parent.config)
    if file_path.suffix == ".md" and file_path.is_relative_to(project.docs_dir):
        others = [c for c in collected or [] if not _from_codeblocks(c)]
        return [*others, PageFile.from_parent(parent, path=file_path)]
    return collected


class PageFile(pytest.File):
    """A documentation page; its items are its listings, in page order."""

    def collect(self):
        project = _project(self.config)
        try:
            page = project.load(self.path)
        except PageError as exc:
            raise self.CollectError(str(exc)) from exc
        unpinned = missing_outputs(page)
        if unpinned:
            names = ", ".join(item.name for item in unpinned)
            raise self.CollectError(
                f"{page.name}: no expected output for {names}; run the update "
                "command (python -m listings update) to write it, or mark a "
                "listing that prints nothing <!--pytest.mark.no_output-->"
            )
        # Started on the first item that runs: collecting starts no process.
        self.checker = PageSession(page, project.root, Cache.for_site(project.root))
        for index, listing in enumerate(page.listings):
            item = ListingItem.from_parent(self, name=listing.name)
            item.setup_listing(listing, index)
            yield item


class ListingItem(pytest.Item):
    """One listing: it must run and print exactly its committed output."""

    def setup_listing(self, listing: Listing, index: int) -> None:
        self.listing, self.index = listing, index
        for mark in listing.marks:
            self.add_marker(getattr(pytest.mark, mark.name)(*mark.args, **mark.kwargs))

    def runtest(self) -> None:
        found = self.parent.checker.problems(self.index)
        if found:
            raise ListingFailure("\n\n".join(found))

    def teardown(self) -> None:
        # After the page's last item, stop its worker (at exit, any left).
        if self.index == len(self.parent.checker.page.listings) - 1:
            self.parent.checker.close()

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ListingFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        root = _project(self.config).root
        return self.listing.snippet, self.listing.line - 1, self.listing.where(root)
