"""The site built by Zensical (``make build-zensical``) shows what the MkDocs
build shows: on every chapter the same listings, the same outputs and the
same figures, the provenance line, MathML and API links. The suite leaves
these out (``zensical`` mark); ``make build-zensical`` runs them after its
build, and CI in a job of its own that may fail while Zensical is alpha."""

from __future__ import annotations

import html.parser
import subprocess
import sys

import pytest
from conftest import REPO

from listings import Project

pytestmark = pytest.mark.zensical
PROJECT = Project.from_root(REPO)
CHAPTERS = [
    p.relative_to(PROJECT.docs_dir).with_suffix("").as_posix()
    for p in PROJECT.page_paths()
    if PROJECT.load(p).listings
]


class Shown(html.parser.HTMLParser):
    """What a built chapter shows a reader: code blocks, outputs, figures."""

    def __init__(self):
        super().__init__()
        self.outputs, self.code, self.figures = [], [], []
        self.math = self.api_links = 0
        self.provenance = False
        self._in, self._text = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "img" and "listing-figure" in classes:
            self.figures.append((attrs.get("src"), attrs.get("alt")))
        if tag == "math":
            self.math += 1
        if tag == "a" and "api-link" in classes:
            self.api_links += 1
        if "page-provenance" in classes:
            self.provenance = True
        if tag == "div" and "highlight" in classes:
            kind = "output" if "listing-output" in classes else "code"
            self._in.append([kind, 0])
            self._text = []
        elif self._in and tag == "div":
            self._in[-1][1] += 1

    def handle_endtag(self, tag):
        if tag == "div" and self._in:
            if self._in[-1][1]:
                self._in[-1][1] -= 1
                return
            kind, _ = self._in.pop()
            text = "".join(self._text).strip()
            (self.outputs if kind == "output" else self.code).append(text)

    def handle_data(self, data):
        if self._in:
            self._text.append(data)


def shown(path) -> Shown:
    parser = Shown()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def mkdocs_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("mkdocs-site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_zensical_shows_every_listing_output_and_figure_of_mkdocs(chapter, mkdocs_site):
    zensical = REPO / "site-zensical"
    assert zensical.is_dir(), "build it first: make build-zensical"
    ours, theirs = (
        shown(mkdocs_site / chapter / "index.html"),
        shown(zensical / chapter / "index.html"),
    )
    assert theirs.outputs == ours.outputs and ours.outputs
    assert theirs.code == ours.code
    assert theirs.figures == ours.figures
    for src, _ in theirs.figures:
        assert (zensical / chapter / src.split("#")[0]).resolve().is_file(), src
    assert theirs.provenance and ours.provenance
    assert theirs.math == ours.math
    assert theirs.api_links == ours.api_links
    notebook = zensical / "notebooks" / chapter / f"{chapter.rsplit('/')[-1]}.ipynb"
    assert notebook.is_file()
