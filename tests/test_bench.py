"""The benchmark and determinism scripts' own logic, on fakes and tiny sites.

Nothing here times anything: the scripts' figures are for people to read,
not for tests to assert on.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest
from conftest import REPO, listing


def _load(name: str):
    spec = importlib.util.spec_from_file_location(
        f"bench_{name}", REPO / "bench" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


determinism = _load("determinism")
bench = _load("run")

SNIPPET = """
    # --8<-- [start:loss]
    print("loss 0.5000")
    # --8<-- [end:loss]
"""


def run(stdout: str, error: str | None = None, figures=()) -> dict:
    """What a child process reports for one listing."""
    return {"name": "loss", "stdout": stdout, "error": error, "figures": [*figures]}


@pytest.fixture
def loss(site):
    """A listing whose page shows 'loss 0.5000'."""
    site.snippet("page", SNIPPET)
    site.page("page", "# Page\n\n" + listing("loss", "loss 0.5000"))
    return site.load("page").listings[0]


@pytest.fixture
def tolerant_loss(site):
    site.snippet("page", SNIPPET)
    mark = "<!--pytest.mark.tolerance(rtol=1e-3)-->\n"
    site.page("page", "# Page\n\n" + mark + listing("loss", "loss 0.5000"))
    return site.load("page").listings[0]


def test_two_runs_that_print_the_page_are_the_same(loss):
    same = run("loss 0.5000\n")
    assert determinism.compare(loss, same, run("loss 0.5000")) == ("same", [])


def test_runs_that_differ_are_reported_with_a_diff(loss):
    status, messages = determinism.compare(loss, run("loss 0.5000"), run("loss 0.5001"))
    assert status == "differs"
    between = messages[0]
    assert between.startswith("differs between runs")
    assert "-loss 0.5000" in between and "+loss 0.5001" in between
    assert messages[1].startswith("run 2 differs from its committed output")
    assert "docs/page.md::loss" in messages[1]
    assert len(messages) == 2


def test_the_same_drift_from_the_page_is_reported_once(loss):
    status, messages = determinism.compare(loss, run("loss 0.4000"), run("loss 0.4000"))
    assert status == "differs"
    assert len(messages) == 1
    assert messages[0].startswith("run 1 differs from its committed output")
    assert "+loss 0.4000" in messages[0]


def test_drift_within_the_declared_tolerance_is_only_a_note(tolerant_loss):
    status, messages = determinism.compare(
        tolerant_loss, run("loss 0.5001"), run("loss 0.5002")
    )
    assert status == "within tolerance"
    assert messages == ["differs between runs within its declared tolerance"]


def test_drift_beyond_the_tolerance_differs(tolerant_loss):
    status, _ = determinism.compare(
        tolerant_loss, run("loss 0.5000"), run("loss 0.6000")
    )
    assert status == "differs"


def test_a_listing_that_raises_differs(loss):
    error = "Traceback (most recent call last):\nValueError: boom"
    status, messages = determinism.compare(loss, run("", error), run("loss 0.5000"))
    assert status == "differs"
    assert messages == ["raised in run 1: ValueError: boom"]


def test_different_figures_differ(loss):
    status, messages = determinism.compare(
        loss, run("loss 0.5000", figures=["aa"]), run("loss 0.5000", figures=["bb"])
    )
    assert status == "differs"
    assert messages == ["drew different figures in the two runs"]


def test_a_no_output_listing_that_prints_differs(site):
    site.snippet("page", SNIPPET)
    site.page(
        "page", "# Page\n\n<!--pytest.mark.no_output-->\n" + listing("loss", None)
    )
    quiet = site.load("page").listings[0]
    assert determinism.compare(quiet, run(""), run("\n")) == ("same", [])
    status, messages = determinism.compare(quiet, run("hi"), run("hi"))
    assert status == "differs"
    assert messages == ["run 1 is marked no_output but printed:\nhi"]


def test_env_options_are_name_value_pairs():
    pairs = ["ATEN_CPU_CAPABILITY=default", "OMP_NUM_THREADS=1", "EMPTY="]
    assert determinism.parse_env(pairs) == {
        "ATEN_CPU_CAPABILITY": "default",
        "OMP_NUM_THREADS": "1",
        "EMPTY": "",
    }
    with pytest.raises(Exception, match="NAME=VALUE"):
        determinism.parse_env(["OMP_NUM_THREADS"])


def test_the_check_runs_a_page_twice_in_fresh_processes(site, capsys):
    site.snippet(
        "page",
        """
        # --8<-- [start:fixed]
        print("always this")
        # --8<-- [end:fixed]

        # --8<-- [start:pid]
        import os

        print(os.getpid(), os.environ["BENCH_TEST_VALUE"])
        # --8<-- [end:pid]
        """,
    )
    site.page(
        "page",
        "# Page\n\n" + listing("fixed", "always this") + listing("pid", "1 set"),
    )
    args = ["--root", str(site.root), "--env", "BENCH_TEST_VALUE=set", "page"]
    status = determinism.main(args)
    out = capsys.readouterr().out
    assert status == 1
    assert "docs/page.md: 2 listings, 1 differ" in out
    assert "docs/page.md::pid (snippets/page.py:6) differs between runs" in out
    assert "docs/page.md::fixed" not in out
    assert out.rstrip().endswith("2 listings checked, 1 differ")


# bench/run.py


def test_execution_off_config_drops_only_the_listings_hook():
    config = "hooks:\n  - hooks/verified_listings.py\n  - hooks/mathml.py\nnav: []\n"
    assert bench.without_hook(config) == "hooks:\n  - hooks/mathml.py\nnav: []\n"
    with pytest.raises(ValueError, match="cannot switch execution off"):
        bench.without_hook("hooks:\n  - hooks/mathml.py\n")


def test_the_real_config_names_the_listings_hook():
    text = (REPO / "mkdocs.yml").read_text()
    assert bench.HOOK not in bench.without_hook(text)


def test_executed_pages_are_read_from_the_build_log():
    log = (
        "INFO    -  Cleaning site directory\n"
        "INFO    -  listings: executed docs/tensors.md (20 listings) in 9.3 s\n"
        "INFO    -  listings: executed docs/xor.md (1 listing) in 0.4 s\n"
        "INFO    -  Documentation built in 12.01 seconds\n"
    )
    assert bench.executed_pages(log) == {
        "docs/tensors.md": (20, 9.3),
        "docs/xor.md": (1, 0.4),
    }


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


def test_an_edit_is_reverted_even_when_the_block_fails(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Page\n")
    with pytest.raises(RuntimeError), bench.edited(page, lambda t: t + "edit\n"):
        assert page.read_text() == "# Page\nedit\n"
        raise RuntimeError
    assert page.read_text() == "# Page\n"


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


def test_report_is_a_markdown_table():
    rows = [
        bench.Row("Warm build", "1.0 s", "≤ 5 s", True),
        bench.Row("Ratio", "3.00x", "≤ 2x", False),
        bench.Row("Cold build", "9.0 s"),
    ]
    assert bench.table(rows).splitlines() == [
        "| Measure | This machine | Target | Met |",
        "|---|---|---|---|",
        "| Warm build | 1.0 s | ≤ 5 s | yes |",
        "| Ratio | 3.00x | ≤ 2x | **no** |",
        "| Cold build | 9.0 s |  |  |",
    ]


def test_the_last_listing_edit_changes_the_last_section_only():
    text = (
        "# --8<-- [start:a]\nx = 1\n# --8<-- [end:a]\n\n"
        "# --8<-- [start:b]\ny = 2\n# --8<-- [end:b]\n"
    )
    edited = bench.last_listing_edit("note")(text)
    assert edited == text.replace("y = 2\n", "y = 2\n# note\n")
