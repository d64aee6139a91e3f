"""Social cards (pytorch_mechanics.cards): every page of the built site names
a 1200 x 630 card that the build wrote and that shows that page's title, in
colours that meet WCAG AA; a warm build draws none; drawing one asks nothing
of the network."""

from __future__ import annotations

import html as html_lib
import re
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest
from conftest import REPO, contrast, site_pages
from PIL import Image

from pytorch_mechanics import cards


def _meta(text: str, key: str) -> str | None:
    m = re.search(
        rf'<meta (?:name|property)="{re.escape(key)}" content="([^"]*)"', text
    )
    return m and html_lib.unescape(m[1])


def _pages(site_dir) -> list[str]:
    return [p for p in site_pages(site_dir) if p != "404.html"]


def test_every_page_names_a_card_the_build_wrote_that_shows_its_title(site_dir):
    home = (site_dir / "index.html").read_text()
    root = _meta(home, "og:url")  # site_url, as the build was given it
    site = _meta(home, "og:site_name")
    pages = _pages(site_dir)
    assert len(pages) >= 20
    seen = {}
    for name in pages:
        text = (site_dir / name / "index.html").read_text()
        image = _meta(text, "og:image")
        assert image and image.startswith(root), (name, image)
        assert _meta(text, "twitter:image") == image
        assert _meta(text, "twitter:card") == "summary_large_image"
        assert _meta(text, "og:image:type") == "image/png"
        assert (_meta(text, "og:image:width"), _meta(text, "og:image:height")) == (
            "1200",
            "630",
        )
        path = site_dir / image.removeprefix(root)
        assert path.is_file(), (name, image)
        assert path not in seen.values(), (name, image)
        seen[name] = path
        # The card shows the page's title: the one og:title has, less the
        # site's name; and its description.
        title = _meta(text, "og:title").removesuffix(f" - {site}")
        description = _meta(text, "og:description")
        assert title in _meta(text, "og:image:alt")
        with Image.open(path) as card:
            assert card.format == "PNG" and card.size == (1200, 630)
            assert card.text["Title"] == title, name
            assert card.text["Description"] == description, name


def test_a_card_is_the_drawing_of_its_pages_title_not_only_its_metadata(site_dir):
    """The pixels are those of the title and description the card's metadata
    names (redrawn here, byte for byte), and two pages' cards differ."""
    home = (site_dir / "index.html").read_text()
    root, site = _meta(home, "og:url"), _meta(home, "og:site_name")
    chapter = (site_dir / "autograd" / "index.html").read_text()
    for text in (home, chapter):
        path = site_dir / _meta(text, "og:image").removeprefix(root)
        with Image.open(path) as card:
            redrawn = cards.draw(site, card.text["Title"], card.text["Description"])
        assert redrawn == path.read_bytes()
    home_card = site_dir / _meta(home, "og:image").removeprefix(root)
    chapter_card = site_dir / _meta(chapter, "og:image").removeprefix(root)
    with Image.open(home_card) as a, Image.open(chapter_card) as b:
        assert a.convert("RGB").tobytes() != b.convert("RGB").tobytes()


def test_cards_are_in_the_sites_colours_with_aa_contrast(site_dir):
    background = tuple(int(cards.BACKGROUND[i : i + 2], 16) for i in (1, 3, 5))
    text = tuple(int(cards.TEXT[i : i + 2], 16) for i in (1, 3, 5))
    assert contrast(background, text) >= 4.5
    palette = (REPO / "docs" / "stylesheets" / "palette.css").read_text()
    assert f"--md-primary-fg-color: {cards.BACKGROUND};" in palette
    written = sorted((site_dir / cards.FOLDER).rglob("*.png"))
    assert len(written) == len(_pages(site_dir))
    for path in written:
        with Image.open(path) as card:
            colours = sorted(card.convert("RGB").getcolors(1 << 16), reverse=True)
        assert colours[0][1] == background, path  # the card's ground
        # the text: solid pixels of TEXT, not only anti-aliased edges
        assert dict((rgb, n) for n, rgb in colours).get(text, 0) > 2000, path


def _page(title: str, description: str, url: str = "chapter/"):
    return SimpleNamespace(
        is_homepage=False, title=title, url=url, meta={"description": description}
    )


def test_a_warm_build_copies_cards_and_draws_only_a_changed_one(tmp_path, monkeypatch):
    config = SimpleNamespace(
        site_name="Site",
        site_description="About the site.",
        site_dir=str(tmp_path / "s"),
    )
    first = cards.Cards(tmp_path / "cache")
    first.place(_page("Tensors", "What a tensor is."), config)
    assert first.drawn == 1
    written = tmp_path / "s" / cards.FOLDER / "chapter.png"
    assert written.is_file()
    written.unlink()

    calls = []
    real = cards.draw
    monkeypatch.setattr(cards, "draw", lambda *a: calls.append(a) or real(*a))
    warm = cards.Cards(tmp_path / "cache")
    page = _page("Tensors", "What a tensor is.")
    warm.place(page, config)
    assert calls == [] and warm.drawn == 0 and written.is_file()
    assert page.meta["card"]["url"] == f"{cards.FOLDER}/chapter.png"
    warm.place(_page("Tensors, again", "What a tensor is."), config)
    assert calls == [("Site", "Tensors, again", "What a tensor is.")]


def test_drawing_a_card_requests_nothing_outside_the_machine(tmp_path):
    """A fresh interpreter, with matplotlib's font cache not yet built, draws a
    card while every connection and name look-up it tries is recorded."""
    script = textwrap.dedent(
        """
        import sys

        tried = []

        def audit(event, args):
            if event in {"socket.connect", "socket.getaddrinfo",
                         "socket.gethostbyname", "urllib.Request"}:
                tried.append((event, repr(args)[:200]))

        sys.addaudithook(audit)
        from pytorch_mechanics import cards

        png = cards.draw("Site", "A title", "A description of the page.")
        assert png.startswith(b"\\x89PNG"), png[:8]
        print("TRIED", tried)
        sys.exit(1 if tried else 0)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"MPLCONFIGDIR": str(tmp_path / "mpl"), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    "title", ["x " * 120, "Averyveryverylongwordthatneverbreaks" * 3]
)
def test_a_title_too_long_for_the_card_is_cut_not_spilled(title, tmp_path):
    path = tmp_path / "card.png"
    path.write_bytes(cards.draw("Site", title, "d " * 200))
    with Image.open(path) as card:
        rgb = card.convert("RGB")
    ground = tuple(int(cards.BACKGROUND[i : i + 2], 16) for i in (1, 3, 5))
    margin = rgb.crop((1200 - 40, 0, 1200, 600)).getcolors()
    assert margin == [(40 * 600, ground)]  # nothing drawn past the margin
    title_area = rgb.crop((80, 140, 1120, 300)).getcolors(1 << 16)
    assert len(title_area) > 2  # and the title is there
