"""The built site, page by page, in Chromium (see conftest.py) and as files.

Every page is visited by test_accessibility.py; here the built HTML, CSS and
JavaScript are scanned for anything that would load from outside the site.
"""

from __future__ import annotations

import html.parser
import http.server
import re

import pytest
from conftest import REPO, SiteServer, expected_pages, site_pages

pytestmark = pytest.mark.browser


def test_every_built_page_is_visited(site_dir):
    """The pages test_accessibility.py visits, one test each, listed before
    the site is built, are exactly the pages it built; figures and math are
    on them (test_accessibility.py checks that each image loads and that TeX
    became MathML)."""
    assert sorted(site_pages(site_dir)) == expected_pages()
    html = [p.read_text() for p in site_dir.rglob("*.html")]
    assert sum(page.count("listing-figure") for page in html) >= 3
    assert sum(page.count("<math") for page in html) >= 2


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
    # The header links the repository, but not as Material's "source"
    # component, whose script would ask api.github.com for its stars.
    assert not any('data-md-component="source"' in page for page in pages)


def test_every_notebook_views_contents_link_to_its_headings_whole(site_dir):
    """A view's table of contents: every entry has its heading's whole title
    and goes to an anchor the view has (mkdocs-jupyter's own entries stop at
    inline code and miss it)."""
    found = []
    views = sorted((site_dir / "notebooks").glob("*/index.html"))
    assert views
    for view in views:
        text = view.read_text(encoding="utf-8")
        toc = text.split('data-md-component="toc"', 1)[1].split("</nav>", 1)[0]
        for anchor, title in re.findall(
            r'href="#([^"]+)"[^>]*>\s*<span class="md-ellipsis">\s*(.*?)\s*</span>',
            toc,
            re.S,
        ):
            if not title.strip() or f'id="{anchor}"' not in text:
                found.append(f"{view.parent.name}: #{anchor} {title!r}")
    assert not found, found


def test_the_site_server_is_quiet_only_about_a_browser_that_went_away(capsys):
    server = SiteServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    try:
        for error in (BrokenPipeError("gone"), ValueError("a fault")):
            try:
                raise error
            except Exception:
                server.handle_error(None, ("127.0.0.1", 1))
    finally:
        server.server_close()
    printed = capsys.readouterr().err
    assert "ValueError: a fault" in printed
    assert "BrokenPipeError" not in printed
