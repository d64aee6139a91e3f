"""The built site in a real browser: Debian's Chromium, headless, on 127.0.0.1.

The site is built once per session (``mkdocs build --strict``, with the build
cache the listing items fill as they pass) and served under the same path as
its published URL, so links behave as they will on GitHub Pages.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
from conftest import REPO

from listings import Project

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
PREFIX = "/pytorch-mechanics/"


def chromium() -> str:
    candidates = [os.environ.get("CHROMIUM", ""), "/usr/bin/chromium"]
    candidates += ["/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("no Chromium found: run scripts/ensure-chromium or set CHROMIUM")


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "SITE_URL": f"http://127.0.0.1{PREFIX}"},
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    return out


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under PREFIX; unknown paths get 404.html, as on Pages."""

    def translate_path(self, path):
        path = urlsplit(path).path
        if path.startswith(PREFIX):
            path = "/" + path[len(PREFIX) :]
        return super().translate_path(path)

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.exists():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def base_url(site_dir):
    handler = functools.partial(_Handler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium(), args=CHROMIUM_FLAGS, headless=True
        )
        yield browser
        browser.close()


class Watched:
    """A page whose console errors and outside requests are recorded."""

    def __init__(self, browser, **options):
        options = {
            "color_scheme": "light",
            "viewport": {"width": 1280, "height": 900},
            **options,
        }
        self.context = browser.new_context(**options)
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type == "error" else None,
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route):
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def close(self):
        self.context.close()


@pytest.fixture
def watched(browser):
    opened = []

    def open_(**options) -> Watched:
        w = Watched(browser, **options)
        opened.append(w)
        return w

    yield open_
    for w in opened:
        w.close()


def site_pages(site_dir: Path) -> list[str]:
    pages = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html"))
    return [p.removesuffix("index.html") for p in pages]


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
    assert code and all(c.outputs for c in code)


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
        figure = w.page.locator("img.listing-figure").first
        figure.scroll_into_view_if_needed()
        w.page.evaluate("window.scrollBy(0, -700)")
        shot = out / f"{pages[0].strip('/')}-{scheme}.png"
        w.page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        expected = "slate" if scheme == "dark" else "default"
        got = w.page.evaluate("document.body.getAttribute('data-md-color-scheme')")
        assert got == expected
    keep = os.environ.get("SCREENSHOTS_DIR")
    if keep:
        shutil.copytree(out, keep, dirs_exist_ok=True)


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
