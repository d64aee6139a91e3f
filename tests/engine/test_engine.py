"""The listing engine: parsing pages, running listings, judging their output."""

from __future__ import annotations

import pytest
from conftest import listing

from listings import PageError, PageRun, Settings, problems
from listings.page import Mark
from listings.update import update
from listings.verify import DIFFERS, WITHIN_TOLERANCE, compare


def run(site, name):
    page = site.load(name)
    results = PageRun(page, site.root).run_all()
    return (
        page,
        results,
        [
            [str(problem) for problem in problems(item, r, site.root)]
            for item, r in zip(page.listings, results, strict=True)
        ],
    )


def test_state_carries_between_listings_of_a_page(site):
    site.snippet(
        "page",
        """
        # --8<-- [start:define]
        x = 41
        # --8<-- [end:define]

        # --8<-- [start:use]
        print(x + 1)
        # --8<-- [end:use]
    """,
    )
    site.page(
        "page",
        "# Page\n\n"
        + "<!--pytest.mark.no_output-->\n"
        + listing("define", None)
        + listing("use", "42"),
    )
    page, results, found = run(site, "page")
    assert [item.name for item in page.listings] == ["define", "use"]
    assert results[1].stdout == "42\n"
    assert found == [[], []]


def test_state_does_not_carry_between_pages(site):
    site.snippet(
        "first",
        """
        # --8<-- [start:define]
        secret = 1
        # --8<-- [end:define]
    """,
    )
    site.snippet(
        "second",
        """
        # --8<-- [start:peek]
        print("secret" in globals())
        # --8<-- [end:peek]
    """,
    )
    site.page(
        "first", "<!--pytest.mark.no_output-->\n" + listing("define", None, "first.py")
    )
    site.page("second", listing("peek", "False", "second.py"))
    run(site, "first")
    _, results, found = run(site, "second")
    assert results[0].stdout == "False\n"
    assert found == [[]]


def test_a_listing_that_raises_names_page_listing_and_line(site):
    site.snippet(
        "page",
        """
        # --8<-- [start:fine]
        print("fine")
        # --8<-- [end:fine]

        # --8<-- [start:boom]
        values = [1, 2]
        print(values[5])
        # --8<-- [end:boom]

        # --8<-- [start:after]
        print("after")
        # --8<-- [end:after]
    """,
    )
    site.page(
        "page",
        listing("fine", "fine") + listing("boom", "?") + listing("after", "after"),
    )
    _, _, found = run(site, "page")
    assert found[0] == []
    message = found[1][0]
    assert "docs/page.md:11 (boom," in message
    assert "snippets/page.py:6" in message
    assert "raised at page.py:7" in message
    assert "IndexError: list index out of range" in message
    assert "did not run" in found[2][0] and "boom raised" in found[2][0]


def test_a_wrong_expected_output_fails_with_a_diff(site):
    site.snippet(
        "page",
        """
        # --8<-- [start:hello]
        print("hello")
        print("world")
        # --8<-- [end:hello]
    """,
    )
    site.page("page", listing("hello", "hello\nworld!"))
    _, _, found = run(site, "page")
    [message] = found[0]
    assert "(hello," in message
    assert "-world!" in message and "+world" in message


def test_a_missing_snippet_section_is_a_page_error(site):
    site.snippet("page", "# --8<-- [start:there]\nprint(1)\n# --8<-- [end:there]\n")
    site.page("page", listing("not-there", "1"))
    with pytest.raises(PageError, match=r"docs/page\.md.*not-there"):
        site.load("page")


def test_a_missing_snippet_file_is_a_page_error(site):
    site.page("page", listing("any", "1", file="nowhere.py"))
    with pytest.raises(PageError, match=r"nowhere\.py"):
        site.load("page")


def test_inline_python_is_refused(site):
    site.page("page", "```python\nprint(1)\n```\n")
    with pytest.raises(PageError, match="one snippet include"):
        site.load("page")


def test_output_of_print_write_and_imported_functions_is_captured(site):
    site.snippet(
        "page",
        """
        # --8<-- [start:all]
        import sys
        from pprint import pprint

        print("print")
        sys.stdout.write("write\\n")
        pprint({"pprint": 1})
        # --8<-- [end:all]
    """,
    )
    site.page("page", listing("all", "print\nwrite\n{'pprint': 1}"))
    _, results, found = run(site, "page")
    assert results[0].stdout == "print\nwrite\n{'pprint': 1}\n"
    assert found == [[]]


def test_a_listing_with_a_figure(site):
    site.snippet(
        "page",
        """
        # --8<-- [start:plot]
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots()
        _ = ax.plot([0, 1], [1, 0])
        # --8<-- [end:plot]

        # --8<-- [start:unlabelled]
        fig, ax = plt.subplots()
        # --8<-- [end:unlabelled]
    """,
    )
    site.page(
        "page",
        '<!--pytest.mark.no_output-->\n<!--pytest.mark.figure("A falling line")-->\n'
        + listing("plot", None)
        + "<!--pytest.mark.no_output-->\n"
        + listing("unlabelled", None),
    )
    page, results, found = run(site, "page")
    assert page.listings[0].figure_alts == ["A falling line"]
    assert len(results[0].figures) == 1
    assert results[0].figures[0].startswith(b"\x89PNG")
    assert found[0] == []
    assert "drew 1 figure(s) but its page describes 0" in found[1][0]


def test_a_page_with_no_listings(site):
    site.page("page", "# Prose only\n\n```bash\nmake test\n```\n")
    page = site.load("page")
    assert page.listings == []
    assert PageRun(page, site.root).run_all() == []


def test_a_listing_without_output_block_must_be_marked(site):
    site.snippet(
        "page",
        """
        # --8<-- [start:quiet]
        x = 1
        # --8<-- [end:quiet]

        # --8<-- [start:loud]
        print("loud")
        # --8<-- [end:loud]
    """,
    )
    site.page(
        "page",
        listing("quiet", None)
        + "<!--pytest.mark.no_output-->\n"
        + listing("loud", None),
    )
    _, _, found = run(site, "page")
    assert "has no expected-output block" in found[0][0]
    assert "is marked no_output but printed" in found[1][0]


def test_marks_must_stand_directly_above_their_listing(site):
    site.snippet("page", "# --8<-- [start:a]\nx = 1\n# --8<-- [end:a]\n")
    site.page(
        "page", "<!--pytest.mark.no_output-->\n\nSome prose.\n\n" + listing("a", None)
    )
    with pytest.raises(PageError, match="directly above"):
        site.load("page")


def test_a_warning_fails_the_listing(site):
    site.snippet(
        "page",
        """
        # --8<-- [start:warn]
        import warnings

        warnings.warn("careful")
        # --8<-- [end:warn]
    """,
    )
    site.page("page", "<!--pytest.mark.no_output-->\n" + listing("warn", None))
    _, _, found = run(site, "page")
    assert "emitted a warning: UserWarning: careful" in found[0][0]


def test_tolerance_compares_numbers_within_bounds_and_text_exactly(site):
    site.snippet(
        "page",
        """
        # --8<-- [start:close]
        print("loss 0.12345")
        # --8<-- [end:close]

        # --8<-- [start:far]
        print("loss 0.2")
        # --8<-- [end:far]

        # --8<-- [start:text]
        print("gain 0.12345")
        # --8<-- [end:text]
    """,
    )
    tol = "<!--pytest.mark.tolerance(rtol=1e-3)-->\n"
    site.page(
        "page",
        tol
        + listing("close", "loss 0.1235")
        + tol
        + listing("far", "loss 0.1")
        + tol
        + listing("text", "loss 0.12345"),
    )
    _, _, found = run(site, "page")
    assert found[0] == []
    assert "printed something else" in found[1][0]
    assert "printed something else" in found[2][0]


def test_tolerance_lets_a_right_aligned_column_widen():
    tolerance = Mark("tolerance", kwargs={"atol": 2})
    expected = "    7    0   99    0\n    8    3   84    1"
    widened = "    7    1  100    0\n    8    3   84    1"
    assert compare(expected, widened, tolerance) == WITHIN_TOLERANCE
    assert compare(expected, "    7    0  100    0\n    8    3   84", tolerance) == (
        DIFFERS
    )
    assert compare(expected, "    7    0  100    0", None) == DIFFERS


def test_update_writes_outputs_and_dry_run_reports_drift(site, capsys):
    site.snippet(
        "page",
        """
        # --8<-- [start:one]
        print("one")
        # --8<-- [end:one]

        # --8<-- [start:two]
        x = 2
        # --8<-- [end:two]

        # --8<-- [start:three]
        print("three")
        # --8<-- [end:three]
    """,
    )
    path = site.page(
        "page",
        "# Page\n\n"
        + listing("one", "uno")
        + listing("two", None)
        + listing("three", None),
    )
    assert update(site.project, ["page"], dry_run=True) == 1
    report = capsys.readouterr().out
    assert "one: changed" in report and "three: new output" in report
    assert "two" not in report
    assert path.read_text().count("expected-output") == 1

    assert update(site.project, ["page"], dry_run=False) == 0
    diff = capsys.readouterr().out
    assert "-uno" in diff and "+one" in diff
    _, _, found = run(site, "page")
    assert found == [[], [], []]
    assert "<!--pytest.mark.no_output-->" in path.read_text()
    assert update(site.project, ["page"], dry_run=True) == 0


def test_update_keeps_indentation_inside_admonitions(site):
    site.snippet("page", "# --8<-- [start:a]\nprint('a\\n\\nb')\n# --8<-- [end:a]\n")
    path = site.page(
        "page",
        '??? success "Solution"\n    ```python\n    --8<-- "page.py:a"\n    ```\n',
    )
    update(site.project, [], dry_run=False)
    assert "    ```text\n    a\n    \n    b\n    ```" in path.read_text()
    _, _, found = run(site, "page")
    assert found == [[]]


def test_a_warning_filter_holds_for_the_rest_of_the_page(site):
    site.snippet(
        "page",
        """
        # --8<-- [start:filter]
        import warnings

        warnings.filterwarnings("ignore", message="harmless")
        # --8<-- [end:filter]

        # --8<-- [start:warn]
        warnings.warn("harmless")
        # --8<-- [end:warn]
        """,
    )
    marked = "<!--pytest.mark.no_output-->\n"
    site.page("page", marked + listing("filter", None) + marked + listing("warn", None))
    _, _, found = run(site, "page")
    assert found == [[], []]


def test_fence_attributes_decide_what_runs(site):
    site.snippet("page", "# --8<-- [start:a]\nprint('a')\n# --8<-- [end:a]\n")
    site.snippet(
        "script", "# --8<-- [start:main]\nprint('child')\n# --8<-- [end:main]\n"
    )
    site.page(
        "page",
        '``` {.python}\n--8<-- "page.py:a"\n```\n\n'
        "<!--pytest-codeblocks:expected-output-->\n\n```text\na\n```\n\n"
        '``` { .python .no-run }\n--8<-- "script.py:main"\n```\n',
    )
    page = site.load("page")
    assert [item.name for item in page.listings] == ["a"]
    assert [p.name for p in page.snippets] == ["page.py", "script.py"]


def test_a_no_run_fence_still_holds_an_include(site):
    site.page("page", '``` { .python .no-run }\nprint("typed by hand")\n```\n')
    with pytest.raises(PageError, match="no-run fence must hold one include"):
        site.load("page")


def test_pages_run_in_parallel_workers(site, monkeypatch):
    from listings import run_pages

    for name in ("one", "two"):
        site.snippet(
            name,
            f"""
            # --8<-- [start:wait]
            import os
            import time

            with open("{site.root / name}.times", "w") as out:
                out.write(f"{{time.time()}} ")
                time.sleep(1)
                out.write(f"{{time.time()}}")
            print(os.environ["OMP_NUM_THREADS"])
            # --8<-- [end:wait]
            """,
        )
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    for name in ("one", "two"):
        site.page(name, listing("wait", "1", f"{name}.py"))
    pages = [site.load("one"), site.load("two")]
    outcomes = list(run_pages(pages, site.root, parallel=2))
    assert [o.page.name for o in outcomes] == ["docs/one.md", "docs/two.md"]
    # Each worker gets the site's thread count (one by default), not a share.
    assert [o.results[0].stdout for o in outcomes] == ["1\n"] * 2
    spans = [
        [float(t) for t in (site.root / f"{name}.times").read_text().split()]
        for name in ("one", "two")
    ]
    assert max(s for s, _ in spans) < min(e for _, e in spans)  # they overlapped


THREADS = """
# --8<-- [start:threads]
import os

for name in ("MKL", "OMP", "OPENBLAS"):
    print(os.environ[f"{name}_NUM_THREADS"], end=" ")
# --8<-- [end:threads]
"""


@pytest.mark.parametrize(
    "setting, caller, printed",
    [
        (None, {}, "1 1 1"),  # the default: one thread, even for a page alone
        ("threads = 2", {}, "2 2 2"),
        ("threads = 2", {"OMP_NUM_THREADS": "3"}, "3 3 3"),  # the caller's wins
        (None, {"OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "4"}, "4 2 2"),
    ],
)
def test_a_worker_uses_the_threads_setting_alone_or_beside_others(
    site, monkeypatch, setting, caller, printed
):
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in caller.items():
        monkeypatch.setenv(name, value)
    if setting:
        (site.root / "pyproject.toml").write_text(f"[tool.listings]\n{setting}\n")
    site.snippet("page", THREADS)
    site.page("page", listing("threads", printed))
    project = site.project
    page = project.load(site.root / "docs" / "page.md")
    # Alone through the one run path, and through a PageRun of its own.
    [outcome] = project.run([page], cache=None, parallel=1)
    direct = PageRun(page, site.root, project.settings).run_all()
    for results in (outcome.results, direct):
        assert results[0].stdout == printed + " "


def test_a_thread_count_below_one_is_refused(site):
    (site.root / "pyproject.toml").write_text("[tool.listings]\nthreads = 0\n")
    with pytest.raises(ValueError, match=r"threads = 0 in \[tool.listings\]"):
        Settings.read(site.root)


def test_what_a_child_process_writes_to_stderr_is_in_the_error(site):
    site.snippet(
        "page",
        """
        # --8<-- [start:fail]
        import subprocess

        subprocess.run(["sh", "-c", "echo child trouble >&2"], check=True)
        raise ValueError("bad")
        # --8<-- [end:fail]
        """,
    )
    site.page("page", listing("fail", "x"))
    [result] = PageRun(site.load("page"), site.root).run_all()
    assert result.error.endswith("Its standard error:\nchild trouble\n")


@pytest.mark.parametrize(
    "probe, device",
    [
        ("", "cpu"),
        ("'cuda (a lab GPU)' if 'json' in sys.modules else 'cpu'", "cuda (a lab GPU)"),
        ("undefined", "(the device_probe setting failed: NameError("),
    ],
)
def test_the_device_is_what_the_sites_probe_says(site, probe, device):
    site.snippet("page", "# --8<-- [start:a]\nimport json\n# --8<-- [end:a]\n")
    site.page("page", "<!--pytest.mark.no_output-->\n" + listing("a", None))
    settings = Settings(device_probe=probe)
    [result] = PageRun(site.load("page"), site.root, settings).run_all()
    assert result.device.startswith(device)
