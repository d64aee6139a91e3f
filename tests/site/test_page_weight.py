"""What keeps a chapter light for a phone's browser: highlighted code with no
span that draws nothing, and code blocks the browser renders only near the
screen, while find in page, links to a heading and the copy button still
reach every block. Structural facts only: timings are bench/'s."""

from __future__ import annotations

import re

import pytest
from conftest import REPO
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from pytorch_mechanics.highlight import FEWER_SPANS

PHONE = {"width": 390, "height": 844}
CHAPTERS = [
    p.stem
    for p in sorted((REPO / "docs").glob("*.md"))
    if p.stem not in {"index", "glossary", "references"}
]
PYTHON_BLOCK = re.compile(
    r'<div class="language-python highlight"><pre>(.*?)</pre></div>', re.S
)


def test_the_filter_leaves_plain_names_and_whitespace_as_text():
    code = "x = torch.zeros(3) if flag is not None else True\n"
    plain = highlight(code, PythonLexer(), HtmlFormatter(nowrap=True))
    fewer = highlight(
        code, PythonLexer(filters=[FEWER_SPANS]), HtmlFormatter(nowrap=True)
    )
    assert '<span class="n">x</span>' in plain and '<span class="kc">' in plain
    assert re.sub(r"<[^>]+>", "", fewer) == re.sub(r"<[^>]+>", "", plain)
    assert fewer.startswith("x ") and not re.search(r'class="(n|w|kc)"', fewer)
    # Everything with a colour of its own keeps its span.
    for kept in ('class="o"', 'class="mi"', 'class="k"', 'class="ow"'):
        assert kept in fewer, kept
    assert fewer.count("<span") < plain.count("<span") * 0.7


def test_highlighted_python_on_the_chapters_has_no_span_that_draws_nothing(site_dir):
    spans = 0
    for chapter in CHAPTERS:
        html = (site_dir / chapter / "index.html").read_text()
        for block in PYTHON_BLOCK.findall(html):
            found = re.findall(r'<span class="(n|w|kc)">', block)
            assert not found, (chapter, found[:3], block[:300])
            spans += block.count("<span")
    assert spans > 10_000  # the code is still highlighted


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_name_in_code_is_drawn_in_the_codes_own_colour(base_url, watched, scheme):
    """What makes dropping those spans invisible: under Material's stylesheet
    and the site's palette, a plain name's and a constant keyword's colour is
    the code's, and whitespace has none."""
    w = watched(color_scheme=scheme)
    w.page.goto(base_url + "tensors/", wait_until="load")
    colours = w.page.evaluate(
        """() => {
            const code = document.querySelector(".md-typeset .highlight code")
            const out = {code: getComputedStyle(code).color}
            for (const kind of ["n", "kc", "w"]) {
                const span = document.createElement("span")
                span.className = kind
                span.textContent = "x"
                code.append(span)
                out[kind] = getComputedStyle(span).color
                span.remove()
            }
            return out
        }"""
    )
    assert colours["n"] == colours["kc"] == colours["w"] == colours["code"], colours


# Whether a block's content is rendered (its own box always is).
RENDERED = "el => el.firstElementChild.checkVisibility({contentVisibilityAuto: true})"
# Code blocks outside the collapsed solutions, which render nothing until opened.
OPEN_BLOCKS = ".md-content div.highlight:not(details div)"


@pytest.mark.browser
def test_off_screen_code_blocks_are_skipped_until_a_reader_reaches_them(
    base_url, watched
):
    """On a phone, a block far below the screen is not rendered (the site's
    content-visibility rule); scrolled to, it is, and its copy button copies
    its code; find in page finds text in a block not yet rendered."""
    w = watched(viewport=PHONE, permissions=["clipboard-read", "clipboard-write"])
    w.page.goto(base_url + "tensors/", wait_until="load")
    blocks = w.page.locator(OPEN_BLOCKS)
    assert blocks.count() > 50
    last = blocks.last
    assert last.evaluate("el => getComputedStyle(el).contentVisibility") == "auto"
    assert not last.evaluate(RENDERED)
    # Find in page: a line found nowhere else, in a far block not yet rendered.
    far = w.page.evaluate_handle(
        """selector => {
            const text = document.body.textContent
            const blocks = document.querySelectorAll(selector)
            for (const block of [...blocks].reverse()) {
                const line = block.textContent.trim().split("\\n")[0]
                if (line.length > 12 && text.indexOf(line) === text.lastIndexOf(line))
                    return block
            }
        }""",
        OPEN_BLOCKS,
    )
    line = far.evaluate("el => el.textContent.trim().split('\\n')[0]")
    assert not far.evaluate(RENDERED)
    assert w.page.evaluate("text => window.find(text)", line)
    w.page.wait_for_function(RENDERED, arg=far)
    assert far.evaluate("el => el.contains(getSelection().anchorNode)")
    # A reader scrolls to the last listing and copies it.
    listing = w.page.locator(OPEN_BLOCKS + ".language-python").last
    listing.scroll_into_view_if_needed()
    w.page.wait_for_function(RENDERED, arg=listing.element_handle())
    listing.locator("button.md-code__button[data-md-type='copy']").click()
    copied = w.page.evaluate("navigator.clipboard.readText()")
    assert copied.strip() == listing.locator("code").inner_text().strip() != ""
    assert w.errors == []


@pytest.mark.browser
def test_a_link_to_a_heading_far_down_lands_on_it(site_dir, base_url, watched):
    """Blocks above a heading are boxes of an estimated height until they are
    rendered: a link to the heading still shows it at the top of the screen."""
    html = (site_dir / "autograd" / "index.html").read_text()
    ids = re.findall(r'<h2 id="([^"]+)"', html)
    assert len(ids) > 4
    w = watched(viewport=PHONE)
    w.page.goto(base_url + f"autograd/#{ids[-2]}", wait_until="load")
    w.page.wait_for_timeout(500)  # the blocks near it render, scroll anchoring
    top = w.page.evaluate(
        f"document.getElementById('{ids[-2]}').getBoundingClientRect().top"
    )
    assert 0 <= top < 200, top


@pytest.mark.browser
def test_a_printout_renders_every_code_block(base_url, watched):
    w = watched(viewport=PHONE)
    w.page.goto(base_url + "tensors/", wait_until="load")
    last = w.page.locator(OPEN_BLOCKS).last
    assert last.evaluate("el => getComputedStyle(el).contentVisibility") == "auto"
    w.page.emulate_media(media="print")
    assert last.evaluate("el => getComputedStyle(el).contentVisibility") == "visible"
