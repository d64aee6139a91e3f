"""The engine as pytest and MkDocs use it, on small sites built from scratch."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import REPO, SCRATCH_MKDOCS_YML, listing

SNIPPET = """
    # --8<-- [start:greet]
    print("hello")
    # --8<-- [end:greet]

    # --8<-- [start:plot]
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    print("plotted")
    # --8<-- [end:plot]
"""

MKDOCS_YML = SCRATCH_MKDOCS_YML + "nav:\n  - Page: page.md\n"


@pytest.fixture
def small_site(site):
    site.snippet("page", SNIPPET)
    (site.root / "mkdocs.yml").write_text(MKDOCS_YML)
    site.page(
        "page",
        "# Page\n\n"
        + listing("greet", "hello")
        + '<!--pytest.mark.figure("A rising line")-->\n'
        + listing("plot", "plotted"),
    )
    return site


def build(site) -> subprocess.CompletedProcess:
    return site.mkdocs(
        "build", "--strict", "-q", LISTINGS_NO_CACHE="1", PYTHONPATH=str(REPO)
    )


def pytest_on(pytester, site) -> pytest.RunResult:
    pytester.chdir()
    return pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-v",
        "--rootdir", str(site.root), str(site.root / "docs"),
    )  # fmt: skip


def test_pytest_collects_one_item_per_listing(pytester, small_site):
    result = pytest_on(pytester, small_site)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["*docs/page.md::greet PASSED*", "*docs/page.md::plot PASSED*"]
    )


def test_pytest_fails_a_wrong_output_naming_the_listing(pytester, small_site):
    page = small_site.root / "docs" / "page.md"
    page.write_text(page.read_text().replace("hello\n```", "hellO\n```"))
    result = pytest_on(pytester, small_site)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*docs/page.md:* (greet, snippets/page.py:2) printed something else*"]
    )


def test_pytest_fails_collection_of_a_listing_without_output(pytester, small_site):
    page = small_site.root / "docs" / "page.md"
    text = page.read_text()
    page.write_text(text + '\n```python\nprint("inline")\n```\n')
    result = pytest_on(pytester, small_site)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*one snippet include*"])


def test_strict_build_renders_outputs_and_figures(small_site):
    done = build(small_site)
    assert done.returncode == 0, done.stderr
    html = (small_site.root / "site" / "page" / "index.html").read_text()
    assert html.count("listing-output") == 2
    assert 'alt="A rising line"' in html
    assert "../figures/page/plot-1.png" in html
    figure = small_site.root / "site" / "figures" / "page" / "plot-1.png"
    assert figure.read_bytes().startswith(b"\x89PNG")


def test_strict_build_fails_on_a_wrong_output(small_site):
    page = small_site.root / "docs" / "page.md"
    page.write_text(page.read_text().replace("plotted\n```", "plottet\n```"))
    done = build(small_site)
    assert done.returncode != 0
    assert "(plot, snippets/page.py:6) printed something else" in done.stderr


def test_strict_build_fails_on_a_listing_that_raises(small_site):
    snippet = small_site.root / "snippets" / "page.py"
    snippet.write_text(snippet.read_text().replace('print("hello")', "print(1 / 0)"))
    done = build(small_site)
    assert done.returncode != 0
    assert "(greet, snippets/page.py:2) raised at page.py:2" in done.stderr
    assert "ZeroDivisionError" in done.stderr


def test_pytest_fails_collection_of_a_listing_without_expected_output(
    pytester, small_site
):
    page = small_site.root / "docs" / "page.md"
    text = page.read_text()
    page.write_text(
        text.replace(
            "<!--pytest-codeblocks:expected-output-->\n\n```text\nhello\n```\n", ""
        )
    )
    result = pytest_on(pytester, small_site)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*no expected output for greet*"])


def test_pages_are_scheduled_slow_first_then_by_size_then_the_tests(pytester, site):
    site.snippet("a", "# --8<-- [start:one]\nprint(1)\n# --8<-- [end:one]\n")
    site.snippet(
        "b",
        "".join(
            f"# --8<-- [start:s{i}]\nprint({i})\n# --8<-- [end:s{i}]\n"
            for i in range(3)
        ),
    )
    site.snippet("c", "# --8<-- [start:run]\nprint(2)\n# --8<-- [end:run]\n")
    site.page("a", "# A\n\n" + listing("one", "1", file="a.py"))
    site.page(
        "b",
        "# B\n\n" + "".join(listing(f"s{i}", str(i), file="b.py") for i in range(3)),
    )
    site.page("c", "# C\n\n<!--pytest.mark.slow-->\n" + listing("run", "2", "c.py"))
    (site.root / "tests").mkdir()
    (site.root / "tests" / "test_after.py").write_text("def test_x():\n    pass\n")
    pytester.chdir()
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--collect-only",
        "-q", "--rootdir", str(site.root), str(site.root / "tests"),
        str(site.root / "docs"),
    )  # fmt: skip
    collected = [line for line in result.outlines if "::" in line]
    assert [line.split("/")[-1] for line in collected] == [
        "c.md::run",
        "b.md::s0",
        "b.md::s1",
        "b.md::s2",
        "a.md::one",
        "test_after.py::test_x",
    ]


def test_under_xdist_each_page_runs_once_on_one_worker(site):
    """A plain ``pytest -n 2`` on a site with no pytest configuration (the
    plugin is an entry point, and picks ``--dist loadgroup``) keeps a page's
    items together: every listing of a page reports from one worker, and the
    page's code runs once (each run appends a line to a file)."""
    runs = site.root / "runs.txt"
    for name in ("one", "two"):
        site.snippet(
            name,
            "".join(
                f"# --8<-- [start:s{i}]\n"
                f"with open({str(runs)!r}, 'a') as log:\n"
                f"    log.write('{name} {i}\\n')\n"
                f"print({i})\n"
                f"# --8<-- [end:s{i}]\n\n"
                for i in range(4)
            ),
        )
        site.page(
            name, "".join(listing(f"s{i}", str(i), f"{name}.py") for i in range(4))
        )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2",
         "-v", "docs"],
        cwd=site.root, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    workers = {}
    for line in done.stdout.splitlines():
        m = re.search(r"\[(gw\d)\].*PASSED docs/(\w+)\.md::", line)
        if m:
            workers.setdefault(m.group(2), set()).add(m.group(1))
    assert sorted(workers) == ["one", "two"]
    assert all(len(seen) == 1 for seen in workers.values()), workers
    lines = sorted(runs.read_text().splitlines())
    assert lines == sorted(f"{name} {i}" for name in ("one", "two") for i in range(4))
