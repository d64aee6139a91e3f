"""What a reader on a phone, on a slow line or arriving from a search engine
gets from the built site: pages that introduce themselves, search that finds
code, figures fetched once, notebook views that share one stylesheet, and no
page wider than a phone. Structural facts only: timings are bench/'s."""

from __future__ import annotations

import html as html_module
import json
import re

import pytest
import yaml
from conftest import REPO, site_pages

CHAPTERS = [
    p.stem
    for p in sorted((REPO / "docs").glob("*.md"))
    if p.stem not in {"index", "glossary", "references"}
]


def _meta(html: str, key: str) -> str | None:
    m = re.search(
        rf'<meta (?:name|property)="{re.escape(key)}" content="([^"]*)"', html
    )
    # The attribute's value, as the browser reads it (&#39; is ').
    return m and html_module.unescape(m[1])


def test_every_page_describes_itself_to_search_engines_and_link_previews(site_dir):
    site = yaml.safe_load(
        (REPO / "mkdocs.yml").read_text().split("\n# Theme", 1)[0].split("site_url")[0]
    )["site_description"]
    seen = set()
    for name in ["", *[f"{c}/" for c in CHAPTERS]]:
        html = (site_dir / name / "index.html").read_text()
        description = _meta(html, "description")
        assert description and description != site.strip(), name
        assert 40 < len(description) <= 170, (name, description)
        assert description not in seen, name
        seen.add(description)
        # The page's own opening words (its Markdown's first paragraph, links
        # and code marks dropped), not a line added under its title.
        source = (
            REPO / "docs" / (f"{name[:-1]}.md" if name else "index.md")
        ).read_text()
        body = source.split("---", 2)[-1] if source.startswith("---") else source
        opening = next(
            block
            for block in re.split(r"\n\s*\n", body)
            if block.strip() and not block.lstrip().startswith(("#", "!!!", "<"))
        )
        opening = re.sub(r"[\[\]`*]", "", re.sub(r"\]\([^)]*\)", "", opening))
        assert description.split()[:4] == opening.split()[:4], (name, description)
        assert _meta(html, "og:description") == description
        assert _meta(html, "og:title")
        assert _meta(html, "twitter:card") == "summary_large_image"
        assert _meta(html, "og:url").endswith(f"/{name}")
        assert _meta(html, "og:type") == ("website" if not name else "article")


def test_the_header_links_the_repository_without_asking_github_for_its_stars(
    site_dir,
):
    html = (site_dir / "index.html").read_text()
    assert re.search(
        r'<a href="https://github\.com/[^"]+" [^>]*class="md-source"', html
    )
    assert 'data-md-component="source"' not in html


def _tokens(text: str, separator: str) -> set[str]:
    """The words the search index has for a text, split as lunr is told to."""
    return {t.lower() for t in re.split(separator, text) if t}


def test_search_splits_code_so_it_finds_reshape_on_every_page_that_uses_it(
    site_dir,
):
    index = json.loads((site_dir / "search" / "search_index.json").read_text())
    separator = index["config"]["separator"]
    assert "\\." in separator  # x.reshape(8, 3) splits at the dot
    # Every page whose indexed text has "reshape" anywhere, as a word or
    # inside code such as x.reshape(8, 3), must be found by the word.
    pages_using = {
        doc["location"].split("/")[0]
        for doc in index["docs"]
        if "reshape" in doc["text"].lower()
    }
    assert len(pages_using) >= 4
    found = {
        doc["location"].split("/")[0]
        for doc in index["docs"]
        if "reshape" in _tokens(re.sub(r"<[^>]+>", " ", doc["text"]), separator)
        or "reshape" in _tokens(doc["title"], separator)
    }
    assert pages_using <= found, pages_using - found


@pytest.mark.parametrize(
    "page", ["autograd", "xor", "notebooks/autograd", "notebooks/xor"]
)
def test_figures_load_lazily_and_give_their_size(site_dir, page):
    """Chapters and their notebook views: no layout shift when a figure loads."""
    html = (site_dir / page / "index.html").read_text()
    figures = re.findall(r"<img [^>]*(?:listing|notebook)-figure[^>]*>", html)
    assert len(figures) >= 2
    for tag in figures:
        assert 'loading="lazy"' in tag, tag
        assert re.search(r'width="\d+"', tag) and re.search(r'height="\d+"', tag)


def test_notebook_views_share_one_stylesheet(site_dir):
    views = [p for p in site_pages(site_dir) if p.startswith("notebooks/")]
    assert "notebooks/mnist/" in views
    links = set()
    for view in views:
        html = (site_dir / view / "index.html").read_text()
        content = html.split('<article class="md-content__inner', 1)[1]
        assert "<style" not in content, view
        # Half of what a view weighed with its stylesheets inline (autograd's
        # was 1,052 KB): what is left is its highlighted code and markup.
        assert len(html) < 600_000, (view, len(html))
        links |= set(
            re.findall(r'<link rel="stylesheet" href="\.\./(notebook-\w+\.css)"', html)
        )
        # The first cell writes the support files: the view leaves it out.
        assert "_write_files" not in html, view
        # The edit link is the chapter's Markdown, not a notebook file.
        edit = re.findall(r'href="([^"]+)"[^>]*rel="edit"', html)
        assert all(e.endswith(".md") for e in edit), edit
    assert len(links) == 1
    assert (site_dir / "notebooks" / links.pop()).stat().st_size > 100_000


def test_every_chapter_opens_in_colab_from_the_notebooks_branch(site_dir):
    """The link names the notebook this build wrote, at the path the Pages
    workflow publishes it to on the notebooks branch."""
    workflow = (REPO / ".github" / "workflows" / "pages.yml").read_text()
    assert "path: site/notebooks/*/*.ipynb" in workflow
    assert "path: published/notebooks" in workflow
    colab = re.compile(
        r'href="https://colab\.research\.google\.com/github/[\w.-]+/[\w.-]+'
        r'/blob/notebooks/(notebooks/[\w-]+/[\w-]+\.ipynb)">Open in Colab</a>'
    )
    chapters = [c for c in CHAPTERS if "listing-output" in _html(site_dir, c)]
    assert len(chapters) >= 10
    for chapter in chapters:
        [notebook] = colab.findall(_html(site_dir, chapter))
        assert notebook == f"notebooks/{chapter}/{chapter}.ipynb"
        assert (site_dir / notebook).is_file()


def _html(site_dir, chapter: str) -> str:
    return (site_dir / chapter / "index.html").read_text()
