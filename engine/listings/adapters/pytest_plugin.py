"""pytest collects each page's listings as items named ``docs/<page>.md::<section>``.

A page runs once, through ``listings.run_pages``, when its first item runs;
each item then judges its own listing with ``listings.verify``. The items of
a page share an ``xdist_group``, so under ``pytest -n`` (``--dist
loadgroup``, which this plugin picks) a page stays on one worker. Tests
always execute: the cache is never read to verify (a page that passed whole
is stored for the build to reuse). The settings come from
``[tool.listings]`` in ``pyproject.toml``, as the build's. The plugin is a
``pytest11`` entry point: a site needs no ``-p`` or marker list for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..page import Listing, PageError, missing_outputs
from ..project import Project
from ..run import PageOutcome, expected_cost
from ..verify import problems, update_command

PROJECT = pytest.StashKey[Project]()
MARKS = [
    "no_output: the listing prints nothing (its page shows no output block).",
    "tolerance(rtol=0, atol=0): numbers in the output may differ by this much; "
    "text must match exactly.",
    "figure(alt): the listing draws a figure; alt is its alt text and caption.",
    "slow: the listing runs for many seconds (it starts processes); its page "
    "is scheduled first.",
    "timeout(seconds): the listing's time limit (default: the timeout setting); "
    "on expiry it and the processes it started are stopped.",
]


def pytest_configure(config: pytest.Config) -> None:
    """The listings' marks, so that ``--strict-markers`` knows them; on an
    xdist worker, the grouping its controller picked (see below)."""
    for mark in MARKS:
        config.addinivalue_line("markers", mark)
    if getattr(config, "workerinput", {}).get("listings_loadgroup"):
        config.option.loadgroup = True


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Under pytest-xdist (``-n``) with no ``--dist`` of the caller's: the
    listings of a page share an ``xdist_group``, so ``loadgroup`` runs the
    page on one worker, and the groups go out in the order this plugin sorts
    them (pages with a slow listing first). Before xdist's own default."""
    option = config.option
    if getattr(option, "numprocesses", None) and getattr(option, "dist", "") == "no":
        option.dist = "loadgroup"
        option.loadscopereorder = False


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """A worker reads ``--dist`` from the command line, which says nothing
    when this plugin picked it: tell it (xdist's ``workerinput``)."""
    node.workerinput["listings_loadgroup"] = node.config.option.dist == "loadgroup"


def _project(config: pytest.Config) -> Project:
    if PROJECT not in config.stash:
        config.stash[PROJECT] = Project.from_root(config.rootpath)
    return config.stash[PROJECT]


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Pages first, those with a ``slow`` listing first of all, then the rest by
    their number of listings; other tests after, in their collected order.

    pytest-xdist hands the groups to the workers in this order (see
    ``pytest_cmdline_main``), so a page that starts processes does
    not finish last. A page's listings keep their order: the sort is stable
    and gives all items of a page the same rank.
    """
    ranks = {}
    for item in items:
        if isinstance(item, ListingItem):
            ranks.setdefault(item.parent, expected_cost(item.parent.page))
    items.sort(key=lambda item: ranks.get(item.parent, (2, 0)))


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


class ListingFailure(Exception):
    """A listing that raised or printed something other than its page shows."""


class PageFile(pytest.File):
    """A documentation page; its items are its listings, in page order."""

    outcome: PageOutcome | None = None

    def collect(self):
        project = _project(self.config)
        try:
            self.page = project.load(self.path)
        except PageError as exc:
            raise self.CollectError(str(exc)) from exc
        unpinned = missing_outputs(self.page)
        if unpinned:
            names = ", ".join(item.name for item in unpinned)
            raise self.CollectError(
                f"{self.page.name}: no expected output for {names}; write it with "
                f"{update_command(unpinned[0], project.settings.update_command)}, "
                "or mark a listing that prints nothing <!--pytest.mark.no_output-->"
            )
        for index, listing in enumerate(self.page.listings):
            item = ListingItem.from_parent(self, name=listing.name)
            item.setup_listing(listing, index)
            yield item

    def results(self):
        """The page's results: it runs, whole, the first time they are asked for."""
        if self.outcome is None:
            project = _project(self.config)
            self.outcome = next(project.run([self.page], read_cache=False))
        return self.outcome.results


class ListingItem(pytest.Item):
    """One listing: it must run and print exactly its committed output."""

    def setup_listing(self, listing: Listing, index: int) -> None:
        self.listing, self.index = listing, index
        self.add_marker(pytest.mark.xdist_group(listing.page))
        for mark in listing.marks:
            self.add_marker(getattr(pytest.mark, mark.name)(*mark.args, **mark.kwargs))

    def runtest(self) -> None:
        result = self.parent.results()[self.index]
        project = _project(self.config)
        found = problems(
            self.listing, result, project.root, project.settings.update_command
        )
        if found:
            raise ListingFailure("\n\n".join(str(problem) for problem in found))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ListingFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        root = _project(self.config).root
        return self.listing.snippet, self.listing.line - 1, self.listing.where(root)
