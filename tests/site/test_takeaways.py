"""Every takeaway of a chapter names the section that shows it.

A takeaway is a general statement; the section behind it holds the listing
whose output shows it. A bullet without that link is how a claim written
from memory slips onto a page, so each bullet of "Key takeaways" must link
to a heading of the same page (the strict build checks that the anchor
resolves; this checks that there is one, and that it is a real heading).
"""

from __future__ import annotations

import re

import markdown
import pytest
from conftest import REPO

from listings import Project

PROJECT = Project.from_root(REPO)
CHAPTERS = [p for p in PROJECT.page_paths() if PROJECT.load(p).listings]
TAKEAWAYS = re.compile(r"^## Key takeaways\s*$", re.MULTILINE)
LINK = re.compile(r"\]\(#([\w-]+)\)")


def heading_ids(text: str) -> set[str]:
    """The ids Python-Markdown's toc gives the page's headings."""
    md = markdown.Markdown(extensions=["toc", "attr_list"])
    md.convert(text)

    def walk(tokens):
        for token in tokens:
            yield token["id"]
            yield from walk(token["children"])

    return set(walk(md.toc_tokens))


def takeaway_bullets(text: str) -> list[tuple[int, str]]:
    """(line, text) of each top-level bullet under "## Key takeaways"."""
    match = TAKEAWAYS.search(text)
    if match is None:
        return []
    start = text.count("\n", 0, match.start()) + 1
    bullets: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines()[start:], start=start + 1):
        if line.startswith("#"):
            break
        if line.startswith("- "):
            bullets.append((number, line))
        elif bullets and line.startswith("  ") and line.strip():
            bullets[-1] = (bullets[-1][0], bullets[-1][1] + " " + line.strip())
    return bullets


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_takeaway_links_the_section_that_shows_it(path):
    text = path.read_text(encoding="utf-8")
    bullets = takeaway_bullets(text)
    assert bullets, f"{path.name} has no '## Key takeaways' bullets"
    ids = heading_ids(text)
    problems = []
    for number, bullet in bullets:
        anchors = LINK.findall(bullet)
        if not anchors:
            problems.append(
                f"{path.name}:{number}: the takeaway links no section of the "
                "page; end it with ([Section title](#anchor))"
            )
        problems += [
            f"{path.name}:{number}: #{anchor} is not a heading of the page"
            for anchor in anchors
            if anchor not in ids
        ]
    assert not problems, "\n".join(problems)


def test_a_bullet_without_a_link_is_reported():
    text = "# T\n\n## Views\n\n## Key takeaways\n\n- A claim\n  on two lines.\n"
    bullets = takeaway_bullets(text)
    assert bullets == [(7, "- A claim on two lines.")]
    assert not LINK.findall(bullets[0][1])
    assert heading_ids(text) >= {"views", "key-takeaways"}
