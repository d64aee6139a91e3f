"""What a reader does on the built site, in Chromium (see conftest.py): search,
switch to dark mode, copy a listing, download a notebook; and screenshots."""

from __future__ import annotations

import os
import re
import shutil

import nbformat
import pytest
from conftest import REPO, Tab, site_pages

from listings import Project
from listings.verify import outputs_match

pytestmark = pytest.mark.browser


def test_search_finds_autograd_and_leads_there(base_url, watched):
    w = watched()
    w.page.goto(base_url, wait_until="networkidle")
    search = w.page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("autograd", delay=20)  # a reader types
    result = w.page.locator(".md-search-result__item a[href*='autograd/']").first
    result.wait_for(timeout=15000)
    result.click()
    w.page.wait_for_url(re.compile(r".*/autograd/.*"))
    assert w.page.locator("h1").first.inner_text().startswith("Autograd")
    # search.highlight marks the searched word on the page it leads to
    w.page.locator(".md-content mark").first.wait_for(timeout=15000)
    assert w.errors == []


def test_dark_mode_toggle_switches_and_survives_a_reload(base_url, watched):
    w = watched()
    w.page.goto(base_url + "tensors/", wait_until="networkidle")

    def scheme() -> str:
        return w.page.evaluate("document.body.getAttribute('data-md-color-scheme')")

    assert scheme() == "default"
    w.page.locator("form[data-md-component='palette'] label:visible").first.click()
    assert scheme() == "slate"
    w.page.reload(wait_until="networkidle")
    assert scheme() == "slate"


def test_copy_button_copies_the_listing(base_url, watched):
    w = watched(permissions=["clipboard-read", "clipboard-write"])
    w.page.goto(base_url + "tensors/", wait_until="networkidle")
    block = w.page.locator(".md-content .highlight:not(.listing-output)").first
    block.hover()
    block.locator("button[data-md-type='copy'], button.md-clipboard").first.click()
    copied = w.page.evaluate("navigator.clipboard.readText()")
    project = Project.from_root(REPO)
    first = project.load(project.docs_dir / "tensors.md").listings[0]
    assert copied.strip() == first.code.strip()


def test_notebook_link_downloads_a_valid_notebook(base_url, watched, tmp_path):
    w = watched(accept_downloads=True)
    w.page.goto(base_url + "tensors/", wait_until="networkidle")
    with w.page.expect_download() as download:
        w.page.locator("a", has_text="Download notebook").click()
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    assert target.name == "tensors.ipynb"
    notebook = nbformat.read(target, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    page = Project.from_root(REPO).load(REPO / "docs" / "tensors.md")
    assert [c.metadata.tags[0] for c in code] == [x.name for x in page.listings]
    for cell, listing in zip(code, page.listings, strict=True):
        printed = "".join(o.text for o in cell.outputs if o.output_type == "stream")
        assert outputs_match(listing, printed), listing.id


def test_screenshots_in_light_and_dark_show_code_output_and_figure(
    site_dir, base_url, watched, tmp_path_factory
):
    pages = [
        p
        for p in site_pages(site_dir)
        if p.endswith("/")
        and "listing-figure" in (site_dir / p / "index.html").read_text()
    ]
    assert pages, "no page with a figure"
    out = tmp_path_factory.mktemp("screenshots")
    for scheme in ("light", "dark"):
        w = watched(color_scheme=scheme)
        w.context.set_default_timeout(15000)
        w.page.set_viewport_size({"width": 1280, "height": 1400})
        w.page.goto(base_url + pages[0], wait_until="networkidle")
        # Each figure is drawn twice; the palette shows one of the two.
        figure = w.page.locator("img.listing-figure:visible").first
        figure.scroll_into_view_if_needed()
        w.page.evaluate("window.scrollBy(0, -700)")
        # The figure loads lazily, and code blocks off the screen are drawn
        # only once near it: wait for the image and for two frames.
        figure.evaluate(
            "img => img.complete && img.naturalWidth > 0 ? true"
            " : new Promise(done => img.addEventListener('load', done))"
        )
        w.page.evaluate(
            "() => new Promise(done =>"
            " requestAnimationFrame(() => requestAnimationFrame(done)))"
        )
        shot = out / f"{pages[0].strip('/')}-{scheme}.png"
        w.page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        expected = "slate" if scheme == "dark" else "default"
        got = w.page.evaluate("document.body.getAttribute('data-md-color-scheme')")
        assert got == expected
    keep = os.environ.get("SCREENSHOTS_DIR")
    if keep:
        shutil.copytree(out, keep, dirs_exist_ok=True)


def test_the_watcher_records_console_errors_and_requests_off_the_site(
    base_url, watched
):
    """What every browser test asserts is empty can fill: a request to another
    host is recorded and aborted, a script error is recorded; the site's own
    requests and data: URLs are neither."""
    w = watched()
    w.page.goto(base_url, wait_until="load")
    w.page.evaluate(
        """async () => {
            for (const url of ["https://cdn.example.org/x.js", "data:text/plain,a",
                               location.href]) {
                try { await fetch(url) } catch (e) {}
            }
        }"""
    )
    w.page.evaluate("setTimeout(() => { throw new Error('broken script') })")
    for _ in range(50):  # the page's error event reaches us asynchronously
        if any("broken script" in error for error in w.errors):
            break
        w.page.wait_for_timeout(100)
    assert w.outside == ["https://cdn.example.org/x.js"]
    assert any("broken script" in error for error in w.errors)


def test_the_shared_tab_opens_each_visit_as_a_first_one(base_url, browser):
    """The page audits share one tab per worker (conftest.Tab): after a visit
    that chose the dark palette and hit an error, the next visit starts on a
    blank page with nothing recorded and opens in the light scheme."""
    holder = Tab(browser)
    try:
        w = holder.fresh()
        w.page.goto(base_url + "references/", wait_until="load")
        w.page.locator("form[data-md-component='palette'] label:not([hidden])").click()
        w.page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
        w.page.evaluate("setTimeout(() => { throw new Error('broken script') })")
        for _ in range(50):  # the page's error event reaches us asynchronously
            if w.errors:
                break
            w.page.wait_for_timeout(100)
        assert w.errors
        holder.reset()
        again = holder.fresh()
        assert again is w and w.page.url == "about:blank"
        assert w.errors == [] and w.outside == []
        w.page.goto(base_url + "references/", wait_until="load")
        assert w.page.evaluate("document.body.dataset.mdColorScheme") == "default"
        # A page that cannot be reset is replaced by a new one.
        w.context.close()
        holder.reset()
        assert holder.fresh() is not w
    finally:
        holder.close()


def test_the_mnist_notebook_view_shows_what_you_will_learn_as_a_list(base_url, tab):
    """The chapter's admonition reaches the notebook as a block quote whose
    list Jupyter's renderer (mkdocs-jupyter's, here) shows as a list, not as
    a grey code block with its Markdown visible."""
    w = tab
    w.page.goto(base_url + "notebooks/mnist/", wait_until="load")
    quote = w.page.locator("blockquote", has_text="What you will learn").first
    assert quote.locator("strong", has_text="What you will learn").count() == 1
    items = quote.locator("li")
    assert items.count() >= 3
    assert items.first.is_visible()
    assert quote.locator("pre, code.language-text").count() == 0
    assert w.errors == []


PHONE = {"width": 390, "height": 844}


def test_no_page_is_wider_than_a_phone(site_dir, base_url, watched):
    """At 390 px no page scrolls sideways: wide code, tables and formulas
    scroll inside their own blocks."""
    w = watched(viewport=PHONE)
    pages = [p for p in site_pages(site_dir) if p.endswith("/")]
    pages = [p for p in pages if not p.startswith("notebooks/")] + ["notebooks/mnist/"]
    wide = {}
    for page in pages:
        w.page.goto(base_url + page, wait_until="load")
        width = w.page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[page] = width
    assert wide == {}
    assert w.outside == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_each_figure_is_fetched_once_in_the_palette_shown(base_url, watched, scheme):
    """Both versions of a figure are on the page; the browser fetches only the
    one the palette shows, even after the reader scrolls past every figure."""
    w = watched(color_scheme=scheme)
    fetched = []
    w.page.on(
        "request",
        lambda r: fetched.append(r.url) if "/figures/" in r.url else None,
    )
    w.page.goto(base_url + "autograd/", wait_until="load")
    height = w.page.evaluate("document.body.scrollHeight")
    for y in range(0, height, 600):
        w.page.evaluate(f"window.scrollTo(0, {y})")
        w.page.wait_for_timeout(30)
    w.page.wait_for_load_state("networkidle")
    shown = w.page.locator("img.listing-figure:visible").count()
    dark = [u for u in fetched if u.split("#")[0].endswith("-dark.png")]
    light = [u for u in fetched if u not in dark]
    assert shown > 3
    if scheme == "dark":
        assert len(dark) == shown and light == []
    else:
        assert len(light) == shown and dark == []
