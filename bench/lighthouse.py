"""Measure what a reader's browser gets: Lighthouse on the built site.

    python bench/lighthouse.py SITE_DIR                      # every page, both
    python bench/lighthouse.py SITE_DIR --pages index tensors notebooks/mnist
    python bench/lighthouse.py SITE_DIR --form-factors mobile --json lh.json
    python bench/lighthouse.py SITE_DIR --config OTHER/mkdocs.yml  # its nav

SITE_DIR is a site ``mkdocs build`` has already made (this script builds
nothing). It is served by Python's ``http.server`` on 127.0.0.1 (a free
port, in a thread, shut down at the end), gzip-compressed as GitHub Pages
serves it (``--no-gzip`` serves the files as they are). Lighthouse runs on
each page in turn, once per form factor: by default the home page, every
chapter page (the nav of ``mkdocs.yml``) and one notebook view
(``notebooks/mnist``). The script prints a Markdown table of the four
category scores, LCP, TBT, CLS and the bytes transferred, and with
``--json`` writes the same rows to a file.

Lighthouse is npm's ``lighthouse@12.2.3``, pinned in ``bench/package.json``
and ``bench/package-lock.json`` (``npm ci`` in ``bench/`` when
``bench/node_modules`` is missing: the only step that uses the network). The
browser is Debian's Chromium (``/usr/bin/chromium``; ``scripts/ensure-chromium``
installs it), never one Lighthouse downloads. Each run's requests outside
127.0.0.1 are counted from its network log and reported.

Lighthouse's mobile run simulates a slow phone (4x CPU slowdown, slow 4G)
from what it observed: on a busy machine the performance scores move by
several points from run to run; compare them between runs on the same
machine and load only.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import gzip
import io
import json
import mimetypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import yaml

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = Path("/usr/bin/chromium")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --no-first-run"
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
FORM_FACTORS = ("mobile", "desktop")
VIEWS = ("notebooks/mnist",)  # notebook views measured besides the nav's pages
# What GitHub Pages compresses: text, scripts, styles, JSON, SVG.
COMPRESSED = ("text/", "application/javascript", "application/json", "image/svg")
RUN_TIMEOUT = 240  # seconds for one Lighthouse run, Chromium included
NPM_TIMEOUT = 600


def say(message: str) -> None:
    """Progress, on stderr, so that stdout is only the Markdown report."""
    print(f"[lighthouse] {message}", file=sys.stderr, flush=True)


# Processes ------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """``pid`` and every process under it, read from /proc (Chromium runs in a
    process group of its own, so killing Lighthouse's group would miss it)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def kill_tree(pid: int) -> None:
    """SIGKILL ``pid``, every process under it and their process groups."""
    tree = descendants(pid)
    for process in tree:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(os.getpgid(process), signal.SIGKILL)
        with suppress(ProcessLookupError):
            os.kill(process, signal.SIGKILL)


def run(
    command: list[str], timeout: float, cwd: Path = REPO, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run ``command`` in a session of its own; on expiry (or Ctrl-C) kill it
    and all its children, then raise ``subprocess.TimeoutExpired``."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        kill_tree(process.pid)
        process.communicate()
        raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def ensure_lighthouse() -> None:
    """``npm ci`` in bench/ when its node_modules is missing."""
    if LIGHTHOUSE.exists():
        return
    say("installing lighthouse (npm ci in bench/)")
    done = run(["npm", "ci", "--no-audit", "--no-fund"], NPM_TIMEOUT, cwd=BENCH)
    if done.returncode or not LIGHTHOUSE.exists():
        sys.exit(f"npm ci failed in bench/:\n{done.stderr[-2000:]}")


def ensure_chromium() -> str:
    """Debian's Chromium (scripts/ensure-chromium when missing); its version."""
    if not CHROMIUM.exists():
        done = run([str(REPO / "scripts" / "ensure-chromium")], NPM_TIMEOUT)
        if done.returncode or not CHROMIUM.exists():
            sys.exit(f"no {CHROMIUM}: {done.stderr[-2000:]}")
    return run([str(CHROMIUM), "--version"], 60).stdout.strip()


# Pages and the server ------------------------------------------------------------


class _AnyTag(yaml.SafeLoader):
    """A YAML loader that reads mkdocs.yml's tags (!ENV, !!python/name) as
    nothing: only the nav is wanted."""


_AnyTag.add_multi_constructor("", lambda loader, suffix, node: None)


def nav_files(nav: object) -> Iterator[str]:
    """The Markdown files of a MkDocs nav, in its order."""
    if isinstance(nav, str):
        if nav.endswith(".md"):
            yield nav
    elif isinstance(nav, list):
        for item in nav:
            yield from nav_files(item)
    elif isinstance(nav, dict):
        for value in nav.values():
            yield from nav_files(value)


def default_pages(config: Path) -> list[str]:
    """The nav's pages (``index``, ``tensors``, ...) and the measured views."""
    nav = yaml.load(config.read_text(), Loader=_AnyTag).get("nav", [])
    return [name.removesuffix(".md") for name in nav_files(nav)] + list(VIEWS)


def page_path(page: str) -> str:
    """The URL path of a page: ``index`` is ``/``, ``a/b`` is ``/a/b/``."""
    if page == "index" or page.endswith("/index"):
        page = page.removesuffix("index")
    return "/" + (page.strip("/") + "/" if page.strip("/") else "")


class Handler(SimpleHTTPRequestHandler):
    """Serves the site quietly; gzips text as GitHub Pages does when the
    server says so (``self.server.gzip``)."""

    def log_message(self, format: str, *args: object) -> None:
        """Nothing: the report is the output."""

    def send_head(self):
        """A compressed response for a compressible file, else the default."""
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        kind = mimetypes.guess_type(path.name)[0] or ""
        wants = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (self.server.gzip and wants and path.is_file()) or not kind.startswith(
            COMPRESSED
        ):
            return super().send_head()
        body = compressed(path, path.stat().st_mtime_ns)
        self.send_response(200)
        charset = "; charset=utf-8" if kind.startswith("text/") else ""
        self.send_header("Content-Type", kind + charset)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(body)


@functools.lru_cache(maxsize=512)
def compressed(path: Path, mtime_ns: int) -> bytes:
    """The file gzipped once (keyed by its mtime), so runs time no compression."""
    return gzip.compress(path.read_bytes(), compresslevel=6)


@contextmanager
def serve(site: Path, use_gzip: bool = True) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 (a free port) in a thread; its base URL."""
    handler = functools.partial(Handler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.gzip = use_gzip
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# Lighthouse ------------------------------------------------------------------------


@dataclass
class Row:
    """One Lighthouse run: a page in a form factor."""

    page: str
    form_factor: str
    performance: int | None
    accessibility: int | None
    best_practices: int | None
    seo: int | None
    lcp_ms: float | None
    tbt_ms: float | None
    cls: float | None
    total_bytes: int | None
    external_requests: list[str]
    seconds: float
    error: str = ""


def lighthouse_command(url: str, form_factor: str, output: Path) -> list[str]:
    """The Lighthouse CLI for one run (the browser comes from CHROME_PATH)."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={output}",
        "--quiet",
        "--no-enable-error-reporting",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    return command


def external(report: dict) -> list[str]:
    """The URLs the page requested outside 127.0.0.1 (data: and the like aside)."""
    items = report["audits"].get("network-requests", {}).get("details", {})
    urls = [item.get("url", "") for item in items.get("items", [])]
    return [
        url
        for url in urls
        if urlsplit(url).scheme in ("http", "https", "ws", "wss")
        and urlsplit(url).hostname != "127.0.0.1"
    ]


def row_from(page: str, form_factor: str, report: dict, seconds: float) -> Row:
    """The figures of one Lighthouse JSON report."""

    def score(category: str) -> int | None:
        value = report["categories"].get(category, {}).get("score")
        return None if value is None else round(100 * value)

    def numeric(audit: str) -> float | None:
        return report["audits"].get(audit, {}).get("numericValue")

    total = numeric("total-byte-weight")
    return Row(
        page,
        form_factor,
        score("performance"),
        score("accessibility"),
        score("best-practices"),
        score("seo"),
        numeric("largest-contentful-paint"),
        numeric("total-blocking-time"),
        numeric("cumulative-layout-shift"),
        None if total is None else round(total),
        external(report),
        seconds,
        report.get("runtimeError", {}).get("message", ""),
    )


def measure(base: str, page: str, form_factor: str, timeout: float) -> Row:
    """Run Lighthouse once on ``page``; a row with an error if it failed."""
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as folder:
        # Chrome's profile goes in TMPDIR: a killed run leaves nothing behind.
        env = {**os.environ, "CHROME_PATH": str(CHROMIUM), "TMPDIR": folder}
        output = Path(folder) / "report.json"
        command = lighthouse_command(base + page_path(page), form_factor, output)
        started = time.monotonic()
        try:
            done = run(command, timeout, cwd=BENCH, env=env)
            error = "" if done.returncode == 0 else done.stderr.strip()[-300:]
        except subprocess.TimeoutExpired:
            error = f"timed out after {timeout:.0f} s"
        seconds = time.monotonic() - started
        if output.exists():
            report = json.loads(output.read_text())
            row = row_from(page, form_factor, report, seconds)
            row.error = row.error or error
            return row
    return Row(page, form_factor, *[None] * 8, [], seconds, error or "no report")


# The report ------------------------------------------------------------------------


def cell(value: float | None, fmt: str) -> str:
    """A figure, or a dash for a missing one."""
    return "-" if value is None else format(value, fmt)


def markdown(rows: list[Row]) -> str:
    """The Markdown table of the rows, page by page."""
    head = [
        "Page",
        "Form factor",
        "Performance",
        "Accessibility",
        "Best practices",
        "SEO",
        "LCP (s)",
        "TBT (ms)",
        "CLS",
        "Total (KiB)",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [
            row.page,
            row.form_factor + (f" (**{row.error[:60]}**)" if row.error else ""),
            cell(row.performance, "d"),
            cell(row.accessibility, "d"),
            cell(row.best_practices, "d"),
            cell(row.seo, "d"),
            cell(None if row.lcp_ms is None else row.lcp_ms / 1000, ".1f"),
            cell(row.tbt_ms, ".0f"),
            cell(row.cls, ".3f"),
            cell(None if row.total_bytes is None else row.total_bytes / 1024, ",.0f"),
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def about(chromium: str, use_gzip: bool) -> dict:
    """Date, cores, load, browser and Lighthouse versions of this run."""
    package = json.loads((BENCH / "node_modules/lighthouse/package.json").read_text())
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": len(os.sched_getaffinity(0)),
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "chromium": chromium,
        "lighthouse": package["version"],
        "gzip": use_gzip,
    }


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a site mkdocs build has made")
    parser.add_argument(
        "--pages",
        nargs="+",
        help="pages as in the nav without .md (index, tensors) or views "
        "(notebooks/mnist); default: the nav's pages and notebooks/mnist",
    )
    parser.add_argument(
        "--form-factors", nargs="+", choices=FORM_FACTORS, default=list(FORM_FACTORS)
    )
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument(
        "--config",
        type=Path,
        default=REPO / "mkdocs.yml",
        help="the mkdocs.yml whose nav lists the pages (default: this repository's)",
    )
    parser.add_argument("--timeout", type=float, default=RUN_TIMEOUT)
    parser.add_argument(
        "--no-gzip", dest="gzip", action="store_false", help="serve uncompressed"
    )
    return parser.parse_args(argv)


def measure_all(
    site: Path, pages: list[str], args: argparse.Namespace, rows: list[Row]
) -> None:
    """Each page in each form factor, one run after another, into ``rows``."""
    with serve(site, args.gzip) as base:
        for page in pages:
            for form_factor in args.form_factors:
                say(f"{page} ({form_factor})")
                rows.append(measure(base, page, form_factor, args.timeout))
                say(f"  {rows[-1].seconds:.0f} s, performance {rows[-1].performance}")


def main(argv: list[str] | None = None) -> int:
    """Measure every page in every form factor; print the table."""
    args = parse(argv)
    site = args.site.resolve()
    pages = args.pages or default_pages(args.config)
    built = [site / page_path(page)[1:] / "index.html" for page in pages]
    missing = [
        page for page, html in zip(pages, built, strict=True) if not html.exists()
    ]
    if missing:
        sys.exit(
            f"not in {site}: {', '.join(missing)} (build the site first, or "
            "pass --config the mkdocs.yml it was built from)"
        )
    if not shutil.which("npm") and not LIGHTHOUSE.exists():
        sys.exit("npm is needed to install lighthouse (bench/package.json)")
    ensure_lighthouse()
    info = about(ensure_chromium(), args.gzip)
    rows: list[Row] = []
    interrupted = False
    try:
        measure_all(site, pages, args, rows)
    except KeyboardInterrupt:
        interrupted = True
        say(f"interrupted: the {len(rows)} runs done so far")
    leaks = sorted({url for row in rows for url in row.external_requests})
    print(
        f"Lighthouse {info['lighthouse']}, {info['chromium']}, {info['date']}, "
        f"{info['cores']} cores, load average "
        f"{', '.join(map(str, info['load_average']))}; "
        f"served {'gzipped' if args.gzip else 'uncompressed'} from 127.0.0.1\n"
    )
    print(markdown(rows))
    if leaks:
        print(f"\nRequests outside 127.0.0.1: {', '.join(leaks)}")
    if args.json:
        args.json.write_text(
            json.dumps({**info, "rows": [asdict(r) for r in rows]}, indent=2) + "\n"
        )
    return 130 if interrupted else int(any(row.error for row in rows))


if __name__ == "__main__":
    sys.exit(main())
