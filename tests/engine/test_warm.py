"""Previews under ``mkdocs serve`` resume a page before its first edited
listing, show what a fresh run shows, and fall back to a fresh run on doubt."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from conftest import SCRATCH_MKDOCS_YML, listing, run_page

from listings import Cache, Settings
from listings.warm import Previews, supported

pytestmark = pytest.mark.skipif(not supported(), reason="needs Linux and fork")

SNIPPET = """
    # --8<-- [start:count]
    with open(RUNS, "a") as log:
        log.write("count ")
    total = 0
    # --8<-- [end:count]

    # --8<-- [start:add]
    total += 1
    print(total)
    # --8<-- [end:add]
"""


def make(site, add="total += 1"):
    code = SNIPPET.replace("total += 1", add)
    site.snippet("page", code.replace("RUNS", repr(str(site.root / "runs.txt"))))
    site.page(
        "page",
        "<!--pytest.mark.no_output-->\n" + listing("count", None) + listing("add", "1"),
    )
    return site.load("page")


def test_an_edit_resumes_from_the_snapshot_before_it(site):
    previews = Previews(site.root)
    try:
        first = previews.run(make(site))
        assert first[1].stdout == "1\n"
        # The edited listing sees the state before it: `total` is 0 again, not
        # 1 as the first run of the listing left it.
        again = previews.run(make(site, add="total += 10"))
        assert again[1].stdout == "10\n"
        assert previews.resumed["docs/page.md"] == 1
        assert (site.root / "runs.txt").read_text() == "count "  # ran once
        back = previews.run(make(site))
        assert back[1].stdout == "1\n"
        # What a fresh run (a build) of the same page shows.
        fresh = run_page(make(site), site.root).results
        assert [r.stdout for r in back] == [r.stdout for r in fresh]
    finally:
        previews.close()


def test_an_edit_of_the_first_listing_or_its_data_runs_afresh(site):
    (site.root / "pyproject.toml").write_text('[tool.listings]\ndata_dirs = ["data"]\n')
    previews = Previews(site.root, Settings.read(site.root))
    try:
        previews.run(make(site))
        site.snippet(
            "page",
            SNIPPET.replace('"count "', '"again "').replace(
                "RUNS", repr(str(site.root / "runs.txt"))
            ),
        )
        previews.run(site.load("page"))
        assert previews.resumed["docs/page.md"] == 0
        (site.root / "data").mkdir()
        (site.root / "data" / "load.py").write_text("CHECKSUM = 1\n")
        previews.run(site.load("page"))
        assert previews.resumed["docs/page.md"] == 0
        previews.run(site.load("page"))
        assert previews.resumed["docs/page.md"] == 2
    finally:
        previews.close()


def test_a_listing_that_raised_is_run_again_from_before_it(site):
    previews = Previews(site.root)
    try:
        results = previews.run(make(site, add="total += undefined"))
        assert "NameError" in results[1].error
        results = previews.run(make(site))
        assert results[1].stdout == "1\n"
        assert previews.resumed["docs/page.md"] == 1
    finally:
        previews.close()


def test_the_time_limit_holds_and_closing_stops_every_snapshot(site):
    site.snippet(
        "page",
        "# --8<-- [start:spin]\nwhile True:\n    pass\n# --8<-- [end:spin]\n",
    )
    site.page(
        "page",
        "<!--pytest.mark.timeout(1)-->\n<!--pytest.mark.no_output-->\n"
        + listing("spin", None),
    )
    previews = Previews(site.root)
    [result] = previews.run(site.load("page"))
    assert "did not finish within its time limit of 1 s" in result.halted
    run = previews.runs["docs/page.md"]
    assert run._process is None  # the worker and its snapshots are gone
    previews.close()


def test_a_preview_worker_yields_to_the_servers_rebuild(site):
    """Preview workers warm in the background of `mkdocs serve` at a lower
    priority (niceness + 10) than the server, whose rebuild comes first; a
    build's worker runs at the caller's."""
    site.snippet(
        "page",
        "# --8<-- [start:nice]\nimport os\nprint(os.nice(0))\n# --8<-- [end:nice]\n",
    )
    site.page("page", "<!--pytest.mark.no_output-->\n" + listing("nice", None))
    previews = Previews(site.root)
    try:
        [shown] = previews.run(site.load("page"))
    finally:
        previews.close()
    [built] = run_page(site.load("page"), site.root).results
    assert int(built.stdout) == os.nice(0)
    assert int(shown.stdout) == min(os.nice(0) + 10, 19)


def test_serve_stores_its_first_build_and_previews_the_edits_after_it(site, caplog):
    """`mkdocs serve`'s first build runs a page fresh and stores it, as
    `mkdocs build` does (a restarted serve starts from the cache); the
    rebuilds after an edit come from the preview worker and store nothing."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    (site.root / "mkdocs.yml").write_text(SCRATCH_MKDOCS_YML)
    page = make(site)
    cache = Cache(site.root, Settings.read(site.root))
    here = Path.cwd()
    os.chdir(site.root)
    try:
        config = load_config("mkdocs.yml", site_dir=str(site.root / "site"))
        config.plugins.on_startup(command="serve", dirty=False)
        try:
            with caplog.at_level(logging.INFO):
                build(config)
                stored = cache._file(page).read_bytes()
                assert "executed docs/page.md" in caplog.text
                caplog.clear()
                make(site, add="total += 10")
                build(load_config("mkdocs.yml", site_dir=str(site.root / "site")))
                # The first edit, too: the worker warmed up after the first build.
                assert "previewed docs/page.md from listing 2 of 2" in caplog.text
                caplog.clear()
                make(site, add="total += 100")
                build(load_config("mkdocs.yml", site_dir=str(site.root / "site")))
                assert "previewed docs/page.md from listing 2 of 2" in caplog.text
        finally:
            config.plugins.on_shutdown()
    finally:
        os.chdir(here)
    assert cache._file(page).read_bytes() == stored  # the previews stored nothing
    html = (site.root / "site" / "page" / "index.html").read_text()
    # The last edit's preview, as the listing's output (not its code).
    assert '<div class="listing-output highlight"><pre><span></span><code>100\n' in html


def test_the_theme_templates_are_compiled_once_for_every_rebuild():
    """The plugin's in-memory bytecode cache (set in on_env): a second
    environment, as the next rebuild makes, renders from what the first
    compiled."""
    import jinja2

    from listings.adapters.mkdocs_plugin import TemplateCache

    cache = TemplateCache()
    loader = jinja2.DictLoader({"page.html": "Hello {{ name }}"})
    first = jinja2.Environment(loader=loader, bytecode_cache=cache)
    assert first.get_template("page.html").render(name="a") == "Hello a"
    assert len(cache.compiled) == 1
    stored = dict(cache.compiled)
    second = jinja2.Environment(loader=loader, bytecode_cache=cache)
    assert second.get_template("page.html").render(name="b") == "Hello b"
    assert cache.compiled == stored  # loaded, not compiled again
