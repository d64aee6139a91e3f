"""The built site, page by page, in Chromium (see conftest.py) and as files.

Every page is visited once; the built HTML, CSS and JavaScript are scanned for
anything that would load from outside the site.
"""

from __future__ import annotations

import html.parser
import re

import pytest
from conftest import REPO, site_pages

pytestmark = pytest.mark.browser


def test_every_page_loads_cleanly_with_figures_and_math(site_dir, base_url, watched):
    """One visit per page: no console error, no request off 127.0.0.1, every
    image loaded with alt text, TeX rendered as MathML."""
    pages = site_pages(site_dir)
    assert "" in pages and "tensors/" in pages and "404.html" in pages
    w = watched()
    figures = maths = 0
    for path in pages:
        w.page.goto(base_url + path, wait_until="networkidle")
        content = w.page.locator(".md-content")
        assert content.count() == 1, path
        text = content.inner_text()
        assert "\\(" not in text and "$$" not in text, f"raw TeX on {path}"
        broken = w.page.eval_on_selector_all(
            ".md-content img",
            "imgs => imgs.filter(i => !i.complete || i.naturalWidth === 0"
            " || !i.alt).map(i => i.src)",
        )
        assert broken == [], f"images not loaded or without alt text on {path}"
        figures += w.page.locator("img.listing-figure").count()
        maths += w.page.locator(".md-content math").count()
    assert w.errors == []
    assert w.outside == []
    assert figures >= 3
    assert maths >= 2


class _Resources(html.parser.HTMLParser):
    """URLs that an HTML page makes the browser load (links to follow excluded)."""

    LOADING_RELS = frozenset(
        {"stylesheet", "icon", "preload", "modulepreload", "manifest"}
    )

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            rels = set((attrs.get("rel") or "").split())
            if rels & self.LOADING_RELS:
                self.urls.append(attrs.get("href") or "")
        elif tag in {"script", "img", "iframe", "source", "video", "audio", "embed"}:
            self.urls += [attrs.get("src") or "", attrs.get("srcset") or ""]
        elif tag == "object":
            self.urls.append(attrs.get("data") or "")
        style = attrs.get("style") or ""
        self.urls += [m["url"] for m in CSS_RESOURCE.finditer(style)]


CSS_RESOURCE = re.compile(
    r"(?:url\(\s*[\"']?|@import\s+[\"'])(?P<url>(?:https?:)?//[^)\"'\s]+)"
)
JS_URL = re.compile(r"[\"'`](?P<url>https?://[^\"'`\s]+)")
# URLs in Material's bundle that it loads only in situations this site never
# creates (each checked below): SVG/MathML namespaces are names, not requests;
# mermaid.js is fetched only for a page with a mermaid diagram; the
# ResizeObserver polyfill only by a browser without ResizeObserver (none since
# 2020); the GitHub/GitLab APIs only when mkdocs.yml sets a repo_url.
JS_CONDITIONAL = {
    "www.w3.org": "namespace",
    "unpkg.com/mermaid": "mermaid",
    "unpkg.com/resize-observer-polyfill": "resize-observer",
    "api.github.com": "repo_url",
    "github.com": "repo_url",
    "${e}/api/v4": "repo_url",
}


def _conditional(url: str) -> bool:
    bare = url.split("://", 1)[1]
    return any(bare.startswith(prefix) for prefix in JS_CONDITIONAL)


def _external(url: str) -> bool:
    return url.startswith(("http:", "https:", "//"))


def test_built_site_references_no_external_host(site_dir):
    found = []
    for path in site_dir.rglob("*"):
        if path.suffix not in {".html", ".css", ".js"}:
            continue
        text = path.read_text(errors="replace")
        where = path.relative_to(site_dir).as_posix()
        if path.suffix == ".html":
            parser = _Resources()
            parser.feed(text)
            found += [(where, url) for url in parser.urls if _external(url)]
            for style in re.findall(r"<style[^>]*>(.*?)</style>", text, re.DOTALL):
                found += [(where, m["url"]) for m in CSS_RESOURCE.finditer(style)]
        if path.suffix == ".css":
            found += [(where, m["url"]) for m in CSS_RESOURCE.finditer(text)]
        if path.suffix == ".js":
            found += [
                (where, m["url"])
                for m in JS_URL.finditer(text)
                if not _conditional(m["url"])
            ]
    assert found == []
    # The conditions under which the bundle's other URLs would load never hold.
    pages = [p.read_text() for p in site_dir.rglob("*.html")]
    assert not any('class="mermaid"' in page for page in pages)
    config = (REPO / "mkdocs.yml").read_text()
    assert not re.search(r"^repo_url:", config, re.MULTILINE)
