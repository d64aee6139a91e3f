"""The References page's "Used in" lists come from the pages' citations.

Each entry of docs/references.md (``Term { #key }``) ends its description
with "Used in:" and links to pages. A page uses an entry when its text cites
it with a footnote reference ``[^key]`` (the footnote's definition,
``[^key]: ... See [References](references.md#key).``, does not count on its
own). The links under an entry must be exactly the pages that cite it; an
entry that no page cites fails too, and so does a ``[^key]`` without an
entry. On failure the message names the entry, the difference, and the
"Used in" line that would be right.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
REFERENCES = DOCS / "references.md"

ENTRY = re.compile(r"^(?P<term>\S.*?) \{ #(?P<key>[\w-]+) \}$", re.MULTILINE)
USED_IN = re.compile(r"Used in:(?P<body>(?:(?!\n[ \t]*\n)[\s\S])*)")
PAGE_LINK = re.compile(r"\]\((?P<page>[\w./-]+\.md)\)")
FENCE = re.compile(r"^([ \t]*)(`{3,}|~{3,}).*?^\1\2[ \t]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
FOOTNOTE = re.compile(r"\[\^(?P<key>[^\]\s]+)\](?P<colon>:?)")
NAV_ITEM = re.compile(r"^\s*-\s+(?P<title>[^:\n]+?):\s+(?P<page>\S+\.md)\s*$", re.M)


def entries() -> dict[str, tuple[str, str]]:
    """Each entry of the References page by key: (its term, its text)."""
    text = REFERENCES.read_text()
    found = list(ENTRY.finditer(text))
    ends = [m.start() for m in found[1:]] + [len(text)]
    return {
        m["key"]: (m["term"], text[m.end() : end])
        for m, end in zip(found, ends, strict=True)
    }


def pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if p != REFERENCES)


def name(path: Path) -> str:
    return path.relative_to(DOCS).as_posix()


def prose(text: str) -> str:
    """The page without code (fences, inline code) and HTML comments."""
    for pattern in (FENCE, COMMENT, INLINE_CODE):
        text = pattern.sub("", text)
    return text


def footnotes(text: str) -> tuple[set[str], dict[str, str]]:
    """The keys a page cites, and each footnote definition's text by key."""
    cited, defined = set(), {}
    for m in FOOTNOTE.finditer(text):
        at_line_start = m.start() == 0 or text[m.start() - 1] == "\n"
        if at_line_start and m["colon"]:
            defined[m["key"]] = text[m.end() : text.find("\n", m.end())]
        else:
            cited.add(m["key"])
    return cited, defined


def citing_pages() -> dict[str, set[str]]:
    """For each footnote key, the pages whose text cites it."""
    citing: dict[str, set[str]] = {}
    for path in pages():
        cited, _ = footnotes(prose(path.read_text()))
        for key in cited:
            citing.setdefault(key, set()).add(name(path))
    return citing


def used_in(key: str, text: str) -> set[str]:
    found = USED_IN.findall(text)
    if len(found) != 1:
        pytest.fail(
            f"references.md #{key}: {len(found)} 'Used in:' lines, not one",
            pytrace=False,
        )
    return set(PAGE_LINK.findall(found[0]))


def nav_titles() -> dict[str, str]:
    config = (REPO / "mkdocs.yml").read_text()
    return {m["page"]: m["title"] for m in NAV_ITEM.finditer(config)}


def expected_line(citing: set[str]) -> str:
    """The 'Used in' line for these pages, in the order of the site's nav."""
    titles = nav_titles()
    order = list(titles)
    ranked = sorted(citing, key=lambda p: (order.index(p) if p in order else 99, p))
    links = ", ".join(f"[{titles.get(p, p)}]({p})" for p in ranked)
    return f"Used in: {links}."


ENTRIES = entries()


def test_the_references_page_has_entries():
    assert len(ENTRIES) >= 20, sorted(ENTRIES)


@pytest.mark.parametrize("key", sorted(ENTRIES))
def test_used_in_lists_exactly_the_pages_that_cite_the_entry(key):
    term, text = ENTRIES[key]
    listed = used_in(key, text)
    citing = citing_pages().get(key, set())
    where = f"references.md #{key} ({term})"
    if not citing:
        pytest.fail(
            f"{where} is cited by no page: cite it with [^{key}] where a page "
            f"uses it, or remove the entry"
            + (f"; 'Used in' lists {', '.join(sorted(listed))}" if listed else ""),
            pytrace=False,
        )
    missing, extra = sorted(citing - listed), sorted(listed - citing)
    if missing or extra:
        problems = []
        if missing:
            problems.append(f"cited by {', '.join(missing)} but not listed")
        if extra:
            problems.append(f"listed but not cited by {', '.join(extra)}")
        pytest.fail(
            f"{where}: 'Used in' is wrong: {'; '.join(problems)}. "
            f"Write: {expected_line(citing)}",
            pytrace=False,
        )


def test_used_in_links_to_pages_that_exist():
    problems = [
        f"references.md #{key}: 'Used in' links to {page}, which docs/ lacks"
        for key, (_, text) in ENTRIES.items()
        for page in sorted(set(PAGE_LINK.findall(text)))
        if not (DOCS / page).is_file()
    ]
    assert not problems, "\n".join(problems)


def test_every_footnote_cites_an_entry_and_links_to_it():
    problems = []
    for path in pages():
        cited, defined = footnotes(prose(path.read_text()))
        for key in sorted(cited - set(ENTRIES)):
            problems.append(
                f"{name(path)} cites [^{key}], which references.md has no "
                f"entry {{ #{key} }} for"
            )
        for key in sorted(cited - set(defined)):
            problems.append(f"{name(path)} cites [^{key}] but defines no [^{key}]:")
        for key, definition in sorted(defined.items()):
            if not definition.rstrip().endswith(
                f"See [References](references.md#{key})."
            ):
                problems.append(
                    f"{name(path)}: the footnote [^{key}] does not end "
                    f'"See [References](references.md#{key})."'
                )
    assert not problems, "\n".join(problems)


# The parsing itself, on small cases.


def test_a_footnote_reference_counts_and_a_definition_alone_does_not():
    text = "Adam[^kingma2015] works.\n\n[^kingma2015]: Kingma and Ba.\n[^x]: X.\n"
    cited, defined = footnotes(text)
    assert cited == {"kingma2015"}
    assert set(defined) == {"kingma2015", "x"}


def test_footnote_syntax_in_code_and_comments_is_not_a_citation():
    text = (
        "A regex `[^a]` and\n\n```text\nx[^kingma2015]\n```\n\n"
        "<!-- [^he2015] -->\nText[^glorot2010].\n"
    )
    cited, _ = footnotes(prose(text))
    assert cited == {"glorot2010"}


def test_used_in_reads_the_links_of_its_paragraph_only():
    text = (
        "\n:   Authors. *Title*. [doi](https://doi.org/x).\n\n"
        "    What it is.\n    Used in: [XOR](xor.md),\n    [MNIST](mnist.md).\n\n"
        "    See also [Tensors](tensors.md).\n"
    )
    assert used_in("k", text) == {"xor.md", "mnist.md"}


def test_the_expected_line_follows_the_nav():
    assert expected_line({"mpg.md", "autograd.md"}) == (
        "Used in: [Autograd](autograd.md), [Auto MPG](mpg.md)."
    )
