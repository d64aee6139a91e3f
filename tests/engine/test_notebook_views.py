"""Notebook views: each chapter's notebook rendered by mkdocs-jupyter as a page.

A small site is built with the real plugin and the listings hook; the HTML is
checked for what the site promises: the verified outputs and figures (light
and dark), math as MathML, links to the chapters, nothing loaded from outside
the site, no entry in the search index, and no conversion repeated for a
notebook that did not change.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from conftest import listing

from listings.notebook import shared_styles, view_html

SNIPPET = """
    # --8<-- [start:greet]
    print("hello")
    # --8<-- [end:greet]

    # --8<-- [start:plot]
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_title("A line")
    print("plotted")
    # --8<-- [end:plot]
"""

MKDOCS_YML = """
site_name: Test site
theme:
  name: material
  font: false
  palette:
    - scheme: default
    - scheme: slate
not_in_nav: |
  /notebooks/
plugins:
  - search
  - listings
  - mkdocs-jupyter:
      include: [".cache/notebooks/*.ipynb"]
      execute: false
      ignore_h1_titles: true
markdown_extensions:
  - admonition
  - attr_list
  - pymdownx.superfences
  - pymdownx.snippets:
      base_path: [snippets]
      check_paths: true
nav:
  - Page: page.md
  - Other: other.md
"""

PAGE = (
    "# Page\n\nMath $z = 2(a - b) + c$ and a [link](other.md#part).\n\n"
    "## Batches: the `DataLoader`\n\nA heading with inline code.\n\n"
    "$$\n\\frac{\\partial z}{\\partial a} = 2\n$$\n\n"
    + listing("greet", "hello")
    + '<!--pytest.mark.figure("A rising line")-->\n'
    + listing("plot", "plotted")
)


@pytest.fixture
def views_site(site):
    site.snippet("page", SNIPPET)
    (site.root / "mkdocs.yml").write_text(MKDOCS_YML)
    site.page("page", PAGE)
    site.page("other", "# Other\n\n## Part\n\nMore prose.\n")
    return site


def build(site) -> subprocess.CompletedProcess:
    done = site.mkdocs("build", "--strict", timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    return done


def converted(log: str) -> list[str]:
    return re.findall(r"Converting notebook \(execute=False\): (\S+)", log)


def test_the_view_shows_the_verified_notebook_and_fits_the_site(views_site):
    build(views_site)
    out = views_site.root / "site"
    view = (out / "notebooks" / "page" / "index.html").read_text()
    # mkdocs-jupyter's layout, with the outputs of the verified run.
    assert "jupyter-wrapper" in view and "jp-CodeCell" in view
    assert "hello" in view and "plotted" in view
    assert "<title>Page (notebook)" in view
    # The figure twice, for each palette, with the page's alt text.
    figures = re.findall(r'<img src="([^"]+)" alt="A rising line"', view)
    assert figures == [
        "../../figures/page/plot-1.png#only-light",
        "../../figures/page/plot-1-dark.png#only-dark",
    ]
    assert "No description has been provided" not in view
    assert (out / "figures" / "page" / "plot-1-dark.png").is_file()
    # No MathJax (the site's hooks render TeX); links go to the chapters' pages.
    assert "mathjax" not in view.lower()
    assert 'href="../../other/#part"' in view
    # Nothing from outside: the theme's own scripts only, none empty.
    sources = re.findall(r"<script[^>]*\bsrc=\"([^\"]*)\"", view)
    assert sources and all(s.startswith("../../assets/") for s in sources)
    assert "cdnjs" not in view and "require.js" not in view
    # The download, from the view and from the chapter's provenance line.
    assert 'href="page.ipynb" download="page.ipynb"' in view
    # Jupyter's stylesheets once, in a file every view links; no inline copy.
    assert "<style" not in view.split('<article class="md-content__inner')[1]
    [css] = re.findall(r'<link rel="stylesheet" href="\.\./(notebook-\w+\.css)">', view)
    assert ".jupyter-wrapper" in (out / "notebooks" / css).read_text()
    notebook = json.loads((out / "notebooks" / "page" / "page.ipynb").read_text())
    assert any(
        "image/png" in o.get("data", {})
        for cell in notebook["cells"]
        for o in cell.get("outputs", [])
    )
    chapter = (out / "page" / "index.html").read_text()
    assert re.search(r'<a href="../notebooks/page/">View as notebook</a>', chapter)
    assert 'href="../notebooks/page/page.ipynb"' in chapter
    # Both palettes on the chapter too; the notebook keeps the light figure.
    assert "../figures/page/plot-1.png#only-light" in chapter
    assert "../figures/page/plot-1-dark.png#only-dark" in chapter
    # Linked from its chapter, not in the nav; not in the search index.
    assert (
        "notebooks/page/"
        not in chapter.split('<nav class="md-nav md-nav--primary"')[1].split("</nav>")[
            0
        ]
    )
    # A heading with inline code is whole in the view's table of contents.
    toc = view.split('<nav class="md-nav md-nav--secondary"')[1].split("</nav>")[0]
    assert re.search(
        r"Batches: the\s+<code>DataLoader</code>|Batches: the DataLoader", toc
    ), toc
    index = json.loads((out / "search" / "search_index.json").read_text())
    locations = {doc["location"] for doc in index["docs"]}
    assert any(loc.startswith("page/") for loc in locations)
    assert not any(loc.startswith("notebooks/") for loc in locations)


def test_a_rebuild_converts_only_a_notebook_that_changed(views_site):
    first = build(views_site)
    assert len(converted(first.stderr)) == 1
    other = views_site.root / "docs" / "other.md"
    other.write_text(other.read_text() + "\nAn edit elsewhere.\n")
    assert converted(build(views_site).stderr) == []
    page = views_site.root / "docs" / "page.md"
    page.write_text(page.read_text().replace("Math $z", "Some math $z"))
    again = build(views_site).stderr
    assert [path.rsplit("/", 1)[-1] for path in converted(again)] == ["page.ipynb"]


def test_without_the_plugin_there_is_no_view_and_the_download_stays(views_site):
    config = views_site.root / "mkdocs.yml"
    text = config.read_text()
    start = text.index("  - mkdocs-jupyter:")
    end = text.index("markdown_extensions:")
    config.write_text(text[:start] + text[end:])
    build(views_site)
    out = views_site.root / "site"
    assert not (out / "notebooks" / "page" / "index.html").exists()
    assert (out / "notebooks" / "page" / "page.ipynb").is_file()
    assert "View as notebook" not in (out / "page" / "index.html").read_text()


def _fit(html: str, figures=None, pages=("other.md",)):
    return view_html(
        html,
        figures or {},
        lambda path: f"../../{path[:-3]}/" if path in pages else None,
    )


def test_scripts_from_outside_and_mathjax_are_removed_the_copy_script_stays():
    html = (
        '<script src="https://cdnjs.cloudflare.com/mathjax.js"> </script>'
        '<script src=""> </script>'
        '<script type="text/x-mathjax-config">init_mathjax();</script>'
        '<script type="module">await import("https://cdn.example/mermaid.mjs")'
        "</script>"
        "<script>customElements.define('clipboard-copy', C)</script>"
        "<p>kept</p>"
    )
    text, problems = _fit(html)
    assert problems == []
    assert (
        text == "<script>customElements.define('clipboard-copy', C)</script><p>kept</p>"
    )


def test_anything_else_loaded_from_outside_is_reported():
    html = (
        '<img src="https://example.org/x.png" alt="x">'
        '<link rel="stylesheet" href="//fonts.example.org/f.css">'
        "<style>@import 'https://example.org/a.css';</style>"
    )
    _, problems = _fit(html)
    assert len(problems) == 3
    assert all("from outside the site" in p for p in problems)


def test_links_to_pages_are_rewritten_and_a_dead_one_is_reported():
    html = '<a href="other.md#part">a</a> <a href="gone.md">b</a> <a href="#x">c</a>'
    text, problems = _fit(html)
    assert '<a href="../../other/#part">a</a>' in text
    assert '<a href="#x">c</a>' in text
    assert problems == ["a link to gone.md, which is no page of the site"]


def test_figures_get_their_alt_text_and_dark_twin_and_a_lost_one_is_reported():
    figures = {
        "f-1.png#only-light": ("A line", "f-1-dark.png#only-dark"),
        "f-2.png#only-light": ("Another", None),
    }
    html = '<img alt="No description" class="" src="f-1.png#only-light"/>'
    text, problems = _fit(html, figures)
    assert text == (
        '<img src="f-1.png#only-light" alt="A line" loading="lazy" '
        'class="notebook-figure">'
        '<img src="f-1-dark.png#only-dark" alt="A line" loading="lazy" '
        'class="notebook-figure">'
    )
    assert problems == ["no figure f-2.png#only-light in the rendered notebook"]


def test_a_figure_of_known_size_gives_it_so_nothing_moves_when_it_loads():
    figures = {"f-1.png#only-light": ("A line", "f-1-dark.png#only-dark", (640, 480))}
    html = '<img alt="No description" class="" src="f-1.png#only-light"/>'
    text, problems = _fit(html, figures)
    assert problems == []
    assert text.count('width="640" height="480"') == 2


def footer(html: str) -> dict[str, str]:
    """The page's previous and next links, by direction."""
    links = re.findall(
        r'<a href="([^"]*)" class="md-footer__link md-footer__link--(\w+)"', html
    )
    return {side: href for href, side in links}


def test_a_view_goes_to_its_chapters_neighbours_and_the_nav_marks_its_chapter(
    views_site,
):
    """A view is not in the navigation; its previous and next pages are its
    chapter's, each as its own view where it has one, and the navigation
    marks its chapter as the reader's place."""
    views_site.snippet(
        "second",
        """
        # --8<-- [start:two]
        print("two")
        # --8<-- [end:two]
        """,
    )
    views_site.page("second", "# Second\n\n" + listing("two", "two", "second.py"))
    config = views_site.root / "mkdocs.yml"
    text = config.read_text().replace(
        "  - Page: page.md\n", "  - Page: page.md\n  - Second: second.md\n"
    )
    config.write_text(
        text.replace(
            "  font: false\n", "  font: false\n  features: [navigation.footer]\n"
        )
    )
    build(views_site)
    out = views_site.root / "site"
    first = (out / "notebooks" / "page" / "index.html").read_text()
    second = (out / "notebooks" / "second" / "index.html").read_text()
    assert footer(first) == {"next": "../second/"}
    assert footer(second) == {"prev": "../page/", "next": "../../other/"}
    assert "Next: Second (notebook)" in first
    assert "Previous: Page (notebook)" in second and "Next: Other" in second
    # The chapter's own links are unchanged.
    assert footer((out / "page" / "index.html").read_text()) == {"next": "../second/"}
    for view, chapter in ((first, "../../page/"), (second, "../../second/")):
        marked = re.findall(
            r'<li class="md-nav__item md-nav__item--active">\s*<a href="([^"]*)"', view
        )
        assert marked == [chapter]
    # No other page keeps the mark.
    other = (out / "other" / "index.html").read_text()
    active = r'<li class="md-nav__item md-nav__item--active">\s*<a href="([^"]*)"'
    assert re.findall(active, other) == []


def test_the_copy_icon_goes_to_the_shared_stylesheet_drawn_the_same():
    svg = (
        '<svg aria-hidden="true" class="clipboard-copy-icon" height="20" '
        'version="1.1" viewbox="0 0 16 16" width="20">\n<path d="M0 6.75z" '
        'fill="currentColor"></path>\n</svg>'
    )
    html = (
        "<style>.a{color:red}']</style>"
        f"<clipboard-copy><div>{svg}</div></clipboard-copy>"
        f"<clipboard-copy><div>{svg}</div></clipboard-copy>"
    )
    text, css = shared_styles(html)
    span = '<span aria-hidden="true" class="clipboard-copy-icon"></span>'
    assert text == f"<clipboard-copy><div>{span}</div></clipboard-copy>" * 2
    # Drawn first (a stylesheet may end in a fault that swallows what follows),
    # at the SVG's width and shape, as a mask in the icon's colour.
    rule, rest = css.split("\n", 1)
    assert rule.startswith(".jupyter-wrapper span.clipboard-copy-icon{")
    assert "width:20px;aspect-ratio:16/16;" in rule
    assert "background-color:currentColor" in rule
    assert (
        'mask:url("data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg'
        in rule
    )
    assert "viewBox=%220 0 16 16%22" in rule and "M0 6.75z" in rule
    assert rest == ".a{color:red}']"


def test_names_and_whitespace_in_code_lose_their_spans_and_nothing_else_does():
    code = (
        '<div class="highlight-ipynb hl-python"><pre><span></span>'
        '<span class="n">x</span><span class="w"> </span><span class="o">=</span> '
        '<span class="n">f</span><span class="p">(</span><span class="mi">1</span>'
        '<span class="p">)</span>\n</pre></div>'
    )
    prose = '<p><span class="n">kept</span></p>'
    text, problems = _fit(code + prose)
    assert problems == []
    assert text == (
        '<div tabindex="0" class="highlight-ipynb hl-python"><pre>'
        'x <span class="o">=</span> f<span class="p">(</span><span class="mi">1</span>'
        '<span class="p">)</span>\n</pre></div>' + prose
    )


def test_the_copy_button_copies_the_code_shown_and_hidden_collapsers_go():
    html = (
        '<div class="jp-Collapser jp-InputCollapser jp-Cell-inputCollapser">\n</div>\n'
        '<clipboard-copy for="cell-1"></clipboard-copy>'
        '<div class="highlight-ipynb hl-python"><pre><span></span>'
        '<span class="k">print</span>(x &lt; 1)\n</pre></div>\n'
        '<div class="clipboard-copy-txt" id="cell-1">print(x &lt; 1)</div>'
    )
    text, problems = _fit(html)
    assert problems == []
    assert text == (
        '<clipboard-copy for="cell-1"></clipboard-copy>'
        '<div tabindex="0" class="highlight-ipynb hl-python"><pre id="cell-1">'
        '<span class="k">print</span>(x &lt; 1)\n</pre></div>'
    )


def test_the_tag_bar_and_markup_that_draws_nothing_go():
    """A cell's tags (a listing's name) are the notebook's bookkeeping; the
    MIME type of Markdown and plain-text outputs, the empty span Pygments
    opens a block with and the template's stray ``,`` attribute draw
    nothing. An error output keeps its MIME type: a rule draws it."""
    html = (
        '<div class="jp-CodeMirrorEditor jp-Editor" data-type="inline">\n'
        '<div class="celltoolbar">\n'
        '<div class="button_container tags_button_container">\n'
        '<span class="tag-container">\n<span class="cell-tag">draw-z</span>\n</span>\n'
        "</div>\n</div>\n"
        '<clipboard-copy ,="" aria-label="Copy" for="cell-1"></clipboard-copy>'
        '<div class="highlight-ipynb hl-python"><pre><span></span>z\n</pre></div>'
        '<div class="jp-RenderedText" data-mime-type="text/plain"><pre>1</pre></div>'
        '<div class="jp-RenderedMarkdown" data-mime-type="text/markdown"><p>a</p></div>'
        '<div class="jp-RenderedText" data-mime-type="application/vnd.jupyter.stderr">'
        "<pre>w</pre></div>"
    )
    text, problems = _fit(html)
    assert problems == []
    assert text == (
        '<div class="jp-CodeMirrorEditor jp-Editor" data-type="inline">\n'
        '<clipboard-copy aria-label="Copy" for="cell-1"></clipboard-copy>'
        '<div tabindex="0" class="highlight-ipynb hl-python"><pre>z\n</pre></div>'
        '<div class="jp-RenderedText"><pre>1</pre></div>'
        '<div class="jp-RenderedMarkdown"><p>a</p></div>'
        '<div class="jp-RenderedText" data-mime-type="application/vnd.jupyter.stderr">'
        "<pre>w</pre></div>"
    )


def test_a_cell_is_no_stop_of_the_tab_key_its_scrolling_code_is():
    html = (
        '<div class="jp-Cell-inputWrapper" tabindex="0">'
        '<div class="highlight-ipynb hl-python"><pre>z\n</pre></div></div>'
    )
    text, problems = _fit(html)
    assert problems == []
    assert text == (
        '<div class="jp-Cell-inputWrapper">'
        '<div tabindex="0" class="highlight-ipynb hl-python"><pre>z\n</pre></div></div>'
    )
