"""``pytest --codeblocks`` verifies the same listings as plain ``pytest``.

pytest-codeblocks collects every fence of a Markdown file when ``--codeblocks``
is given. For a page of the docs the listings plugin takes the page instead, so
each listing is collected once, expanded from its snippet, run in its page's
namespace and compared; other Markdown files stay pytest-codeblocks' own.
"""

from __future__ import annotations

import shutil
import textwrap

import pytest
from conftest import REPO, listing

from listings import Project

SNIPPET = """
    # --8<-- [start:first]
    x = 41
    print("first")
    # --8<-- [end:first]

    # --8<-- [start:second]
    print(x + 1)
    # --8<-- [end:second]
"""


def run(pytester, *args: str) -> pytest.RunResult:
    pytester.chdir()
    return pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-v",
        "--rootdir", str(pytester.path), *args,
    )  # fmt: skip


@pytest.fixture
def two_listings(pytester):
    """A page whose second listing reads a name the first one set."""
    for folder in ("docs", "snippets"):
        (pytester.path / folder).mkdir()
    (pytester.path / "snippets" / "page.py").write_text(textwrap.dedent(SNIPPET))
    page = pytester.path / "docs" / "page.md"
    page.write_text("# Page\n\n" + listing("first", "first") + listing("second", "42"))
    return page


@pytest.mark.parametrize("flag", [[], ["--codeblocks"]], ids=["plain", "codeblocks"])
def test_each_listing_is_collected_once_and_run_in_the_page_namespace(
    pytester, two_listings, flag
):
    result = run(pytester, *flag, "docs")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["*docs/page.md::first PASSED*", "*docs/page.md::second PASSED*"]
    )
    result.stdout.no_fnmatch_line("*line *")  # pytest-codeblocks' item names


def test_codeblocks_fails_a_wrong_output(pytester, two_listings):
    two_listings.write_text(two_listings.read_text().replace("42\n```", "43\n```"))
    result = run(pytester, "--codeblocks", "docs")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*docs/page.md:*(second, *) printed something else*"])


def test_markdown_outside_the_docs_stays_pytest_codeblocks_own(pytester, two_listings):
    pytester.makefile(".md", notes="```python\nprint(1)\n```\n")
    result = run(pytester, "--codeblocks", "notes.md", "docs")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*notes.md::line 1 PASSED*"])


@pytest.fixture
def tensors_copy(pytester):
    """A scratch copy of the tensors chapter with the repository's settings."""
    for name in ("mkdocs.yml", "pyproject.toml"):
        shutil.copy(REPO / name, pytester.path / name)
    for folder, name in (("docs", "tensors.md"), ("snippets", "tensors.py")):
        (pytester.path / folder).mkdir()
        shutil.copy(REPO / folder / name, pytester.path / folder / name)
    return pytester.path / "docs" / "tensors.md"


def _committed_output_lines(page) -> list[int]:
    """Indexes of the first line inside each expected-output fence."""
    lines = page.read_text().split("\n")
    marker = "<!--pytest-codeblocks:expected-output-->"
    found = []
    for number, line in enumerate(lines):
        if line.strip() == marker:
            fence = next(i for i in range(number + 1, len(lines)) if lines[i].strip())
            found.append(fence + 1)
    return found


def test_pytest_codeblocks_on_the_tensors_page(pytester, tensors_copy):
    """The reader's command on the real page, with one changed character in
    its first committed output: that listing alone fails, every other one
    passes (each page's outputs are verified by the suite itself)."""
    lines = tensors_copy.read_text().split("\n")
    first = _committed_output_lines(tensors_copy)[0]
    text = lines[first]
    # One character: a digit becomes another digit, else a letter is swapped.
    index = next((i for i, c in enumerate(text) if c.isdigit()), 0)
    swapped = "7" if text[index] != "7" else "3"
    lines[first] = text[:index] + swapped + text[index + 1 :]
    tensors_copy.write_text("\n".join(lines))
    pytester.chdir()
    result = pytester.runpytest_subprocess(
        "--codeblocks", "-p", "no:cacheprovider", "-q", "docs/tensors.md"
    )
    listings = len(Project.from_root(pytester.path).load(tensors_copy).listings)
    assert listings >= 10
    result.assert_outcomes(passed=listings - 1, failed=1)
    result.stdout.fnmatch_lines(["*printed something else than its page shows*"])
