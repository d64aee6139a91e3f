"""Fixtures: small throwaway sites in tmp_path for the engine's own tests, and
the built site in a real browser for the browser tests (``browser`` mark).

The browser tests use Debian's Chromium, headless, on 127.0.0.1. They run
last, and the site is built once per run (``mkdocs build --strict``, with the
build cache the listing items filled as they passed; under pytest-xdist the
workers share that one build) and served under the same path as its
published URL, so links behave as they will on GitHub Pages. pytest-xdist
shares the browser tests out one by one (they have no ``xdist_group``, which
``--dist loadgroup`` gives only to a page's listings), so that all workers
run them at once.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from listings import Project, run_pages

REPO = Path(__file__).resolve().parents[1]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """After the listings plugin's order (pages first): the browser tests last,
    since they build the site from what the page items verified and stored."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


class Site:
    """A minimal site: docs/ and snippets/ under a temporary root."""

    def __init__(self, root: Path):
        self.root = root
        (root / "docs").mkdir()
        (root / "snippets").mkdir()

    def page(self, name: str, markdown: str) -> Path:
        path = self.root / "docs" / f"{name}.md"
        path.write_text(textwrap.dedent(markdown).lstrip())
        return path

    def snippet(self, name: str, code: str) -> Path:
        path = self.root / "snippets" / f"{name}.py"
        path.write_text(textwrap.dedent(code).lstrip())
        return path

    @property
    def project(self) -> Project:
        return Project.from_root(self.root)

    def load(self, name: str):
        return self.project.load(self.root / "docs" / f"{name}.md")

    def mkdocs(self, *args: str, timeout: float = 300, **env: str):
        """``python -m mkdocs ARGS`` in the site, with a bare environment
        (plus ``env``), captured and time-limited."""
        return subprocess.run(
            [sys.executable, "-m", "mkdocs", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1", **env},
            timeout=timeout,
        )


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


def run_page(page, root: Path, cache=None, **options):
    """One page through the engine's one run path; its outcome."""
    return next(run_pages([page], root, cache=cache, **options))


def listing(section: str, output: str | None, file: str = "page.py") -> str:
    """Markdown of one listing with its committed output (None: no block)."""
    block = f'```python\n--8<-- "{file}:{section}"\n```\n'
    if output is None:
        return block + "\n"
    return (
        block
        + f"\n<!--pytest-codeblocks:expected-output-->\n\n```text\n{output}\n```\n\n"
    )


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


def _build_site(out: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "SITE_URL": f"http://127.0.0.1{PREFIX}"},
        timeout=1800,
    )
    if done.returncode != 0:
        raise RuntimeError(f"mkdocs build --strict failed:\n{done.stderr[-5000:]}")


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory, worker_id) -> Path:
    """The site, built once per run with ``mkdocs build --strict``: under
    pytest-xdist the first worker that needs it builds it in the run's shared
    temporary folder, and the others wait for that build and use it."""
    if worker_id == "master":
        out = tmp_path_factory.mktemp("site")
        _build_site(out)
        return out
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent
    out, failed = shared / "site", shared / "site-build-failed.txt"
    with FileLock(str(shared / "site.lock"), timeout=1800):
        if failed.exists():
            pytest.fail(failed.read_text(), pytrace=False)
        if not (out / "404.html").exists():
            try:
                _build_site(out)
            except RuntimeError as error:
                failed.write_text(f"(built by another worker) {error}")
                raise
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


class SiteServer(http.server.ThreadingHTTPServer):
    """A browser that navigates away drops the requests it still has open;
    that is not a fault of the site, so it is not printed (any other error
    in a request still is)."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def base_url(site_dir):
    handler = functools.partial(_Handler, directory=str(site_dir))
    server = SiteServer(("127.0.0.1", 0), handler)
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


# Any URL not on the test server's host (data: and blob: URLs stay in the page).
OUTSIDE = re.compile(r"^(?!http://127\.0\.0\.1[:/]|data:|blob:)")


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
        # Only requests that leave the site are routed (and aborted): routing
        # every request would add a round trip to Python to each.
        self.context.route(OUTSIDE, self._abort)
        self.page = self.context.new_page()
        self.page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type == "error" else None,
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _abort(self, route):
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


class Tab:
    """The one Watched page a worker keeps open for the page audits and the
    keyboard tests (the ``tab`` fixture)."""

    def __init__(self, browser):
        self.browser = browser
        self.watched: Watched | None = None

    def fresh(self) -> Watched:
        """The page, on about:blank (or new), with nothing recorded."""
        if self.watched is None:
            self.watched = Watched(self.browser)
        self.watched.errors.clear()
        self.watched.outside.clear()
        return self.watched

    def reset(self) -> None:
        """Clear the storage of the site just visited (the palette chosen,
        say) and leave it for about:blank; replace the page if that fails."""
        if self.watched is None:
            return
        page = self.watched.page
        try:
            if page.url.startswith("http"):
                page.evaluate("localStorage.clear(); sessionStorage.clear()")
            page.goto("about:blank", timeout=10_000)
        except Exception:
            self.close()

    def close(self) -> None:
        if self.watched is not None:
            self.watched.close()
            self.watched = None


@pytest.fixture(scope="session")
def _tab(browser):
    holder = Tab(browser)
    yield holder
    holder.close()


@pytest.fixture
def tab(_tab) -> Watched:
    """A Watched page kept open from test to test, as a reader's tab is: each
    test gets it on about:blank, with nothing recorded and the site's storage
    cleared, so that each visit opens as a first one. Its renderer stays warm
    (the theme's scripts compiled once, not once per page), which takes about
    a third off the CPU time of a page visit."""
    yield _tab.fresh()
    _tab.reset()


def contrast(a, b) -> float:
    """WCAG 2.1's contrast ratio of two opaque sRGB colours (0 to 255 each)."""

    def luminance(rgb) -> float:
        c = [v / 255 for v in rgb]
        c = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def site_pages(site_dir: Path) -> list[str]:
    pages = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html"))
    return [p.removesuffix("index.html") for p in pages]


def expected_pages() -> list[str]:
    """The pages the site builds, known before it is built: one per Markdown
    page, a notebook view per chapter (a page with listings), and 404.html.
    (test_browser.py checks it against the built site.)"""
    docs = REPO / "docs"
    pages = ["404.html"]
    for path in sorted(docs.rglob("*.md")):
        name = path.relative_to(docs).with_suffix("").as_posix()
        pages.append("" if name == "index" else name.removesuffix("/index") + "/")
        if "--8<--" in path.read_text(encoding="utf-8"):
            pages.append(f"notebooks/{name}/")
    return sorted(pages)


SCRATCH_MKDOCS_YML = """
site_name: Test site
plugins:
  - listings
markdown_extensions:
  - admonition
  - attr_list
  - pymdownx.superfences
  - pymdownx.snippets:
      base_path: [snippets]
      check_paths: true
"""


def run_build_here(root: Path, caplog) -> tuple[bool, str]:
    """``mkdocs build --strict`` of a scratch site in this process (the
    listings still run in their workers): whether it passed, and its log.
    Building here also shows that nothing a listing does reaches the build."""
    import logging

    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort

    config = load_config(
        str(root / "mkdocs.yml"), strict=True, site_dir=str(root / "site")
    )
    caplog.clear()
    here = Path.cwd()
    os.chdir(root)  # as `mkdocs build` run there: snippet paths are relative
    try:
        with caplog.at_level(logging.INFO):
            build(config)
        passed = True
    except Abort:
        passed = False
    finally:
        os.chdir(here)
    return passed, caplog.text


def run_tests_here(pytester, root: Path):
    """pytest with the listings plugin on a scratch site, in this process."""
    pytester.chdir()
    return pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "-v",
        "--rootdir", str(root), str(root / "docs"),
    )  # fmt: skip
