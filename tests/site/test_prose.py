"""Numbers in the prose restate what the listings print (listings.prose).

One test per page checks its prose against its committed outputs (the page's
listing items verify that those equal what the code prints now). The parser
is tested case by case, and a scratch site shows that a number left stale
after an output changes fails the strict build, naming the page and line.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import REPO, listing

from listings import Project
from pytorch_mechanics.prose import check, scan

PROJECT = Project.from_root(REPO)


@pytest.mark.parametrize(
    "path", PROJECT.page_paths(), ids=lambda p: p.relative_to(REPO).as_posix()
)
def test_prose_numbers_are_printed_by_the_page(path):
    page = PROJECT.load(path)
    outputs = [listing.expected or "" for listing in page.listings]
    code = [listing.code for listing in page.listings]
    problems = check(page.text, page.name, outputs, code)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def numbers(markdown: str) -> list[str]:
    return [n.text for n in scan(markdown).numbers]


def problems(markdown: str, outputs=(), code=()) -> list[str]:
    return check(markdown, "docs/page.md", outputs, code)


# The parser: what counts as a number in prose.


def test_decimals_and_percentages_in_text_and_inline_code():
    text = "A loss of 2.029, an accuracy of 95.6% and `lr=0.001`; 3 epochs, 50 %."
    assert numbers(text) == ["2.029", "95.6%", "0.001"]


def test_negative_numbers_keep_their_sign_but_a_range_is_not_a_sign():
    assert numbers("It moved to -0.0898 and then \u22120.5.") == [
        "-0.0898",
        "\u22120.5",
    ]
    assert numbers("from 0.1-0.5") == ["0.1", "0.5"]
    assert [n.signed for n in scan("x -0.5 and 1-0.5").numbers] == [True, False]


def test_fences_of_any_indent_and_length_are_skipped():
    text = (
        "Before 1.5.\n\n```text\n2.5\n```\n\n"
        "1. item\n\n    ````python\n    3.5\n    ```\n    4.5\n    ````\n\nAfter 6.5.\n"
    )
    assert numbers(text) == ["1.5", "6.5"]


def test_math_is_skipped():
    text = (
        "Inline $\\sigma(17) = 1 - 4.1 \\cdot 10^{-8}$ and \\(0.5\\), "
        "then\n\n$$\nx = 0.25\n$$\n\nand \\[y = 0.75\\] but 1.25 stays."
    )
    assert numbers(text) == ["1.25"]


def test_a_dollar_amount_is_not_math_across_paragraphs():
    assert numbers("It costs $5 and 1.5 more.\n\nThen $2.") == ["1.5"]


def test_comments_links_attributes_and_identifiers_are_skipped():
    text = (
        "<!--pytest.mark.tolerance(rtol=1e-4, atol=0.5)-->\n"
        "See [the 0.5 page](https://example.org/v0.5/page.html) "
        "{ .class-0.5 data-x=0.5 }, <https://x.org/1.5>, https://y.org/2.5, "
        "arXiv:1502.01852, doi 10.1109/ICCV.2015.123 and <span width=0.5>7.5</span>."
        "\n\n[ref]: https://example.org/3.5\n"
    )
    assert numbers(text) == ["0.5", "7.5"]


def test_versions_are_not_results():
    text = "torch 2.14.1, Python 3.10, PyTorch 2.5, v1.2 and version 0.29 but 1.25."
    assert numbers(text) == ["1.25"]


def test_front_matter_is_skipped():
    assert numbers("---\nversion: 1.5\n---\n\n# T\n\n2.5\n") == ["2.5"]


def test_line_numbers_are_the_page_lines():
    found = scan("# T\n\nA 1.5\nand `2.5`\n\n```\n9.9\n```\nthen 3.5\n").numbers
    assert [(n.text, n.line) for n in found] == [("1.5", 3), ("2.5", 4), ("3.5", 9)]


# Matching: what the prose may restate.


def test_a_printed_number_and_its_roundings_match():
    outputs = ["loss 2.029\ntensor([-0.0898,  1.0000e+00])\naccuracy 95.62%"]
    text = "Loss 2.029, 2.03 or 2.0; -0.0898 or 0.09; 1.0; 95.6% or 96%."
    assert problems(text, outputs) == []


def test_a_number_that_is_not_a_rounding_fails_with_page_and_line():
    found = problems("# T\n\nThe loss is\n2.031 now.", ["loss 2.029"])
    assert found == [
        "docs/page.md:4: the number 2.031 is not printed by any listing on this "
        "page; update the prose to what the listings print, or mark a number "
        "quoted from a source with <!--quoted: 2.031--> or a citation"
    ]


def test_more_decimals_than_printed_fail():
    assert problems("It is 2.0291.", ["2.029"])


def test_a_signed_number_must_match_the_sign():
    assert problems("It is -2.5.", ["2.5"])
    assert not problems("It is 2.5 in size.", ["-2.5"])


def test_percent_of_a_fraction_and_of_a_percentage():
    assert not problems("About 95.6%.", ["accuracy 0.9562"])
    assert not problems("About 95.6%.", ["accuracy 95.6%"])
    assert problems("About 95.7%.", ["accuracy 0.9562"])


def test_an_ellipsis_marks_a_cut_not_a_rounding():
    assert not problems("It is -0.5599997\u2026, not -0.56.", ["-0.5599997639656067"])
    assert problems("It is -0.5599997, not -0.56.", ["-0.5599997639656067"])


def test_a_constant_in_the_code_matches_exactly():
    code = ["optimizer = torch.optim.SGD(params, lr=1e-3, momentum=0.9)"]
    assert not problems("A rate of 0.001 and momentum 0.9.", [], code)
    assert problems("A rate of 0.0010001.", [], code)


def test_a_cited_paragraph_is_exempt():
    text = "He et al. use 2.0 / fan_in[^he2015].\n\nBut 3.5 is not.\n"
    assert [p.split(":")[1] for p in problems(text)] == ["3"]


def test_a_quoted_comment_exempts_its_numbers_in_its_paragraph_only():
    text = (
        "Sources report 9.6133\nand 2.1211.<!--quoted: 9.6133 2.1211-->\n\n"
        "Again 9.6133.\n"
    )
    found = problems(text)
    assert len(found) == 1 and found[0].startswith("docs/page.md:4: the number 9.6133")


def test_a_quoted_comment_that_names_no_number_of_its_paragraph_fails():
    found = problems("A figure of 4.5.\n<!--quoted: 4.5 0.25-->\n")
    assert len(found) == 1
    assert found[0].startswith("docs/page.md:2: <!--quoted: 0.25--> lists a number")


# A stale number fails the build.

SNIPPET = """
    # --8<-- [start:loss]
    loss = 2.029
    print(f"loss {loss:.3f}")
    # --8<-- [end:loss]
"""

MKDOCS_YML = f"""
site_name: Test site
plugins:
  - listings
# The site's hook, which checks the prose.
hooks:
  - {REPO / "pytorch_mechanics" / "hooks.py"}
markdown_extensions:
  - attr_list
  - footnotes
  - pymdownx.superfences
  - pymdownx.snippets:
      base_path: [snippets]
      check_paths: true
nav:
  - Page: page.md
"""


def run(site, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=site.root,
        capture_output=True,
        text=True,
        env={"LISTINGS_NO_CACHE": "1", "PATH": "/usr/bin:/bin"},
        timeout=300,
    )


def test_a_stale_number_fails_the_strict_build(site):
    site.snippet("page", SNIPPET)
    (site.root / "mkdocs.yml").write_text(MKDOCS_YML)
    site.page(
        "page",
        "# Page\n\n"
        + listing("loss", "loss 2.029")
        + "The loss is 2.029, about 2.03.\n\nBooks quote 9.99[^b].\n\n[^b]: A book.\n",
    )
    built = site.mkdocs("build", "--strict", "-q", LISTINGS_NO_CACHE="1")
    assert built.returncode == 0, built.stderr

    snippet = site.root / "snippets" / "page.py"
    snippet.write_text(snippet.read_text().replace("2.029", "2.041"))
    updated = run(site, "listings", "update", "page")
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert "loss 2.041" in (site.root / "docs" / "page.md").read_text()

    built = site.mkdocs("build", "--strict", "-q", LISTINGS_NO_CACHE="1")
    assert built.returncode != 0
    errors = re.findall(r"docs/page\.md:\d+: the number [\d.]+", built.stderr)
    assert errors == [
        "docs/page.md:13: the number 2.029",
        "docs/page.md:13: the number 2.03",
    ], built.stderr


# Citations and the glossary stay in step with the pages.

REFERENCE = re.compile(r"^(?P<term>\S.*?) \{ #(?P<id>[\w-]+) \}$", re.MULTILINE)


def reference_entries() -> dict[str, str]:
    """Each entry of docs/references.md by id, with its text."""
    text = (PROJECT.docs_dir / "references.md").read_text()
    matches = list(REFERENCE.finditer(text))
    ends = [m.start() for m in matches[1:]] + [len(text)]
    return {m["id"]: text[m.end() : end] for m, end in zip(matches, ends, strict=True)}


def test_every_cited_source_is_on_the_references_page_with_its_chapters():
    entries = reference_entries()
    problems = []
    for path in PROJECT.page_paths():
        if path.name == "references.md":
            continue
        for anchor in sorted(
            set(re.findall(r"references\.md#([\w-]+)", path.read_text()))
        ):
            if anchor not in entries:
                problems.append(
                    f"{path.name} cites #{anchor}, which references.md lacks"
                )
            elif f"]({path.name})" not in entries[anchor]:
                problems.append(
                    f"{path.name} cites #{anchor}; add it to that entry's 'Used in'"
                )
    assert not problems, "\n".join(problems)


def glossary_terms() -> tuple[set[str], set[str]]:
    hover = (REPO / "includes" / "abbreviations.md").read_text()
    abbreviations = set(re.findall(r"^\*\[([^\]]+)\]:", hover, re.MULTILINE))
    page = (PROJECT.docs_dir / "glossary.md").read_text().split("\n")
    defined = set()
    for line, following in zip(page, [*page[1:], ""], strict=True):
        if line and not line.startswith(("#", " ")) and following.startswith(":"):
            defined |= {term.strip() for term in line.split(",")}
    return abbreviations, defined


def test_the_hover_definitions_and_the_glossary_page_hold_the_same_terms():
    abbreviations, defined = glossary_terms()
    assert len(abbreviations) >= 20
    assert abbreviations == defined
