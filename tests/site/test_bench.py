"""The benchmark script's own logic, on fakes: nothing here builds or times.

The script's figures are for people to read, not for tests to assert on.
(Whether every page prints the same twice is ``python -m listings update
--dry-run``, tested in test_update.py.)
"""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest
from conftest import REPO


def _load(name: str):
    spec = importlib.util.spec_from_file_location(
        f"bench_{name}", REPO / "bench" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


bench = _load("run")

CONFIG = """\
site_name: Scratch
plugins:
  - search
  # Runs every listing.
  - listings
  - mkdocs-jupyter:
      include: ["*.ipynb"]
markdown_extensions:
  - toc
"""


def test_execution_off_drops_only_the_listings_plugin():
    assert bench.without_plugin(CONFIG) == CONFIG.replace("  - listings\n", "")


def test_execution_off_drops_the_plugins_settings_too():
    settings = "  - listings:\n      jobs: 2\n      data_dirs:\n        - x\n"
    config = CONFIG.replace("  - listings\n", settings)
    assert bench.without_plugin(config) == CONFIG.replace("  - listings\n", "")


def test_execution_off_needs_the_plugin_in_plugins():
    # A listings line elsewhere (a list under another key) is not the plugin.
    config = "plugins:\n  - search\nwatch:\n  - listings\n"
    with pytest.raises(ValueError, match="cannot switch execution off"):
        bench.without_plugin(config)


def test_execution_off_of_the_real_config():
    text = (REPO / "mkdocs.yml").read_text()
    off = bench.without_plugin(text)
    dropped = set(text.splitlines()) - set(off.splitlines())
    # The plugin's entry and its one option, nothing else.
    assert {line.strip().split(":")[0] for line in dropped} == {"- listings", "run_url"}
    assert "mkdocs-jupyter" in off


BUILD_LOG = """\
INFO    -  Cleaning site directory
INFO    -  executed docs/tensors.md (20 listings) in 9.3 s
INFO    -  executed docs/autograd.md (1 listing) in 0.4 s
INFO    -  the listings plugin's handlers took 11.204 s
INFO    -  Documentation built in 12.01 seconds
"""


def test_executed_pages_are_read_from_the_build_log_in_its_order():
    pages = bench.executed_pages(BUILD_LOG)
    assert pages == {"docs/tensors.md": (20, 9.3), "docs/autograd.md": (1, 0.4)}
    assert list(pages) == ["docs/tensors.md", "docs/autograd.md"]


def test_the_plugins_time_is_read_from_the_log():
    assert bench.handlers_seconds(BUILD_LOG) == pytest.approx(11.204)
    two = BUILD_LOG + "INFO    -  the listings plugin's handlers took 0.300 s\n"
    assert bench.handlers_seconds(two) == pytest.approx(0.3)
    assert bench.handlers_seconds("INFO    -  Documentation built") is None


def test_a_rebuild_says_whether_the_page_was_resumed():
    log = (
        "INFO    -  Detected file changes\n"
        "INFO    -  Building documentation...\n"
        "INFO    -  previewed docs/autograd.md from listing 38 of 38 in 0.3 s\n"
        "INFO    -  the listings plugin's handlers took 0.800 s\n"
        "INFO    -  [20:01:02] Reloading browsers\n"
    )
    rebuild = bench.rebuild_facts(2.0, log, "docs/autograd.md")
    assert rebuild.previewed == (38, 38)
    assert rebuild.executed == []
    assert rebuild.share == pytest.approx(0.4)
    assert rebuild.preview == pytest.approx(0.3)
    assert bench.resumed(rebuild) == "resumed from listing 38 of 38, in 0.3 s of it"
    other = bench.rebuild_facts(2.0, log, "docs/tensors.md")
    assert other.previewed is None
    ran = bench.rebuild_facts(1.0, BUILD_LOG, "docs/autograd.md")
    assert bench.resumed(ran) == "ran from the top"
    assert bench.rebuild_facts(1.0, "", None).share is None


def test_a_serve_rebuild_ends_at_its_built_line_or_the_reload_after_it():
    # MkDocs prints "Documentation built in 1.25 seconds" once per process: a
    # later rebuild of the same length logs only the reload.
    assert bench.BUILT.search("INFO    -  Documentation built in 1.25 seconds")
    assert bench.BUILT.search("INFO    -  [05:04:47] Reloading browsers")
    assert not bench.BUILT.search("INFO    -  Building documentation...")
    failed = (
        "ERROR   -  An error happened during the rebuild. The server will appear "
        "stuck until build errors are resolved."
    )
    assert bench.REBUILD_FAILED.search(failed)
    assert not bench.REBUILD_FAILED.search("INFO    -  Detected file changes")


def test_the_first_edit_waits_for_the_pages_warmed_before_it():
    cold = {"docs/a.md": (3, 2.0), "docs/autograd.md": (38, 6.0), "docs/z.md": (1, 9)}
    assert bench.warm_wait(cold, "docs/autograd.md") == 8.0 + bench.WARM_MARGIN
    assert bench.warm_wait(cold, "docs/a.md") == 2.0 + bench.WARM_MARGIN


def test_idle_is_a_window_of_little_cpu():
    used = iter([0.0, 2.5, 5.0, 5.0])  # busy, busy, then quiet
    waited = bench.wait_idle(1, timeout=10, window=0.01, cpu=lambda pid: next(used))
    assert waited is not None
    always = iter(range(0, 1000, 5))
    assert bench.wait_idle(1, 0.05, 0.01, cpu=lambda pid: next(always)) is None


def test_the_cpu_of_a_process_tree_counts_this_process():
    assert bench.tree_cpu_seconds(os.getpid()) > 0
    assert bench.tree_cpu_seconds(2**22 + 12345) == 0  # no such process


def test_an_edit_is_reverted_even_when_the_block_fails(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Page\n")
    with pytest.raises(RuntimeError), bench.edited(page, lambda t: t + "edit\n"):
        assert page.read_text() == "# Page\nedit\n"
        raise RuntimeError
    assert page.read_text() == "# Page\n"


def test_the_last_listing_edit_changes_the_last_section_only():
    text = (
        "# --8<-- [start:a]\nx = 1\n# --8<-- [end:a]\n\n"
        "# --8<-- [start:b]\ny = 2\n# --8<-- [end:b]\n"
    )
    edited = bench.last_listing_edit("note")(text)
    assert edited == text.replace("y = 2\n", "y = 2\n# note\n")


@pytest.mark.parametrize(
    ("output", "summary"),
    [
        ("....\n4 passed in 3.21s\n", "4 passed"),
        (
            "x\n==== 1 failed, 3 passed, 2 skipped in 9.00s (0:00:09) ====",
            "1 failed, 3 passed, 2 skipped",
        ),
        ("no tests ran\n", None),
    ],
)
def test_pytest_summary(output, summary):
    assert bench.pytest_summary(output) == summary


def test_median_of_edits():
    assert bench.median_of([2.0, 1.0, 3.0]) == ("2.0 s (median of 2.0, 1.0, 3.0 s)", 2)
    assert bench.median_of([1.0, None]) == ("no rebuild", None)


def _rebuild(seconds, handlers=None, previewed=None, preview=None):
    return bench.Rebuild(seconds, handlers, previewed, preview)


def test_serve_rows_hold_the_targets():
    figures = bench.ServeFigures(
        first_wait=12.0,
        idle_after=40.0,
        first=_rebuild(1.0, 0.3, (38, 38), 0.2),
        last=[_rebuild(0.9, None, (38, 38), 0.2), _rebuild(2.5, None, (38, 38), 0.4)],
        prose=[_rebuild(2.0, 0.4), _rebuild(2.0, 0.2), _rebuild(4.0, 2.0)],
        page_prose=[_rebuild(1.0, 0.3), _rebuild(1.2, 0.3), _rebuild(1.1, 0.3)],
    )
    cold = {"docs/autograd.md": (38, 8.0)}
    rows = bench.serve_rows(figures, "docs/autograd.md", cold)
    prose, share, first, nxt, same_page = rows
    assert (prose.target, prose.met) == ("≤ 3 s", True)  # median 2.0 s
    assert (share.target, share.met) == ("≤ 0.3", True)  # shares 0.2, 0.1, 0.5
    assert share.figure == "0.20 (median; handlers 0.40 s)"
    assert first.met is True and "0.12x" in first.figure
    assert "resumed from listing 38 of 38" in first.figure
    assert first.target == "≤ 0.25x (2.0 s)"
    assert nxt.met is False  # 2.5 s > 2.0 s
    assert nxt.figure == (
        "1.7 s (median of 0.9, 2.5 s) (resumed from listing 38 of 38; "
        "the preview itself: 0.3 s)"
    )
    # The preview's median, 1.7 s, over the page's prose edits' median, 1.1 s.
    assert (
        same_page.figure
        == "1.1 s (median of 1.0, 1.2, 1.1 s); the preview: +0.6 s over it"
    )
    assert (same_page.target, same_page.met) == ("preview ≤ it + 0.5 s", False)


def test_serve_rows_without_a_rebuild():
    figures = bench.ServeFigures(first=None, last=[None], prose=[None])
    rows = bench.serve_rows(figures, "docs/autograd.md", {})
    assert [row.met for row in rows] == [None, None, None, None, None]
    assert rows[0].figure == "no rebuild"


def test_overhead_is_call_time_minus_the_listings_own_time():
    timings = [
        bench.PageTiming(
            "a", 0.0, 0.3, [0.011, 0.102], [0.010, 0.002], ["a::x", "a::y"]
        ),
        bench.PageTiming("b", 0.0, 0.3, [0.5], [0.497], ["b::z"]),
    ]
    mean, count = bench.overhead_ms(timings)
    assert (mean, count) == (pytest.approx((1 + 100 + 3) / 3), 3)
    assert bench.largest_overhead(timings) == (pytest.approx(100.0), "a::y")
    assert bench.largest_overhead([]) == (0.0, "none")


def test_report_is_a_markdown_table_with_target_and_met():
    rows = [
        bench.Row("Warm build", "1.0 s", "≤ 5 s", True),
        bench.Row("Ratio", "3.00x", "≤ 2x", False),
        bench.Row("Cold build | serial", "9.0 s"),
    ]
    assert bench.table(rows).splitlines() == [
        "| Measure | This machine | Target | Met? |",
        "|---|---|---|---|",
        "| Warm build | 1.0 s | ≤ 5 s | yes |",
        "| Ratio | 3.00x | ≤ 2x | **no** |",
        "| Cold build \\| serial | 9.0 s |  |  |",
    ]


def test_the_environment_drops_the_callers_engine_overrides(monkeypatch):
    monkeypatch.setenv("LISTINGS_NO_CACHE", "1")
    monkeypatch.setenv("LISTINGS_JOBS", "7")
    env = bench.clean_env()
    assert "LISTINGS_NO_CACHE" not in env and "LISTINGS_JOBS" not in env
    assert env["NBCONVERT_DISABLE_CONFIG_EXPORTERS"] == "1"
