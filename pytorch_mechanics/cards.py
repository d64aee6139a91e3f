"""Each page's social card: the picture a chat or a forum shows under a link to
the page, 1200 x 630 px, with the site's name, the page's title and its
description in the site's colours (white on the header's fire orange, 5.6:1,
WCAG AA).

Drawn at build time with matplotlib's Agg renderer and the DejaVu fonts that
ship inside matplotlib, so a card needs no font from the system and no request
outside the machine. Cards are kept in the build's work folder under a name
made from what they show; a build draws only a card whose text changed and
copies the others into the site. The title and the description also travel in
the PNG's text chunks (``Title``, ``Description``), for tools and tests. About
13 KB a card: they are fetched by link previews, never by a page."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from markupsafe import Markup

WIDTH, HEIGHT = 1200, 630
BACKGROUND = "#bf360c"  # the header's primary colour (docs/stylesheets/palette.css)
BAND = "#8f2709"  # its dark variant
TEXT = "#ffffff"  # 5.6:1 on BACKGROUND
FOLDER = "assets/images/social"  # in the built site
# Drawing changes (layout, colours, fonts) change this, so every card is redrawn.
LAYOUT = 3

_MARGIN = 80
_DPI = 100


def key(site: str, title: str, description: str) -> str:
    """The name a card is cached under: what it shows and how it is drawn."""
    text = json.dumps(
        [LAYOUT, version("matplotlib"), version("pillow"), site, title, description]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def draw(site: str, title: str, description: str) -> bytes:
    """The card as PNG bytes."""
    import io

    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import Rectangle
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    regular, bold = fonts / "DejaVuSans.ttf", fonts / "DejaVuSans-Bold.ttf"
    size = (WIDTH / _DPI, HEIGHT / _DPI)
    figure = Figure(figsize=size, dpi=_DPI, facecolor=BACKGROUND)
    canvas = FigureCanvasAgg(figure)
    renderer = canvas.get_renderer()

    def font(path: Path, px: float) -> FontProperties:
        return FontProperties(fname=path, size=px * 72 / _DPI)

    def width(text: str, prop: FontProperties) -> float:
        return renderer.get_text_width_height_descent(text, prop, ismath=False)[0]

    room = WIDTH - 2 * _MARGIN

    def wrap(text: str, prop: FontProperties) -> list[str]:
        """``text`` in lines of the card's width (a word wider than that is
        broken where it reaches the edge)."""
        out: list[str] = []
        for word in text.split():
            if out and width(f"{out[-1]} {word}", prop) <= room:
                out[-1] += f" {word}"
                continue
            while width(word, prop) > room:
                cut = max(
                    n for n in range(1, len(word)) if width(word[:n], prop) <= room
                )
                out.append(word[:cut])
                word = word[cut:]
            out.append(word)
        return out

    def fit(text: str, prop: FontProperties, lines: int) -> list[str]:
        """At most ``lines`` of ``wrap``; the last one cut at a word and
        ended with an ellipsis if the text goes on."""
        out = wrap(text, prop)
        if len(out) <= lines:
            return out
        last = out[lines - 1].split()
        while len(last) > 1 and width(" ".join(last) + "\u2026", prop) > room:
            last.pop()
        return [*out[: lines - 1], " ".join(last).rstrip(",;:.") + "\u2026"]

    def put(lines: list[str], prop: FontProperties, top: float, px: float) -> float:
        for line in lines:
            figure.text(
                _MARGIN / WIDTH,
                1 - top / HEIGHT,
                line,
                fontproperties=prop,
                color=TEXT,
                va="top",
                parse_math=False,
            )
            top += px * 1.25
        return top

    figure.patches.append(
        Rectangle((0, 0), 1, 24 / HEIGHT, transform=figure.transFigure, color=BAND)
    )
    top = put([site], font(bold, 34), 64, 34) + 40 if title != site else 96
    for px in (68, 60, 52, 46, 40):  # the largest size that holds the title
        if len(wrap(title, font(bold, px))) <= 3:
            break
    top = put(fit(title, font(bold, px), 3), font(bold, px), top, px) + 28
    rest = int((HEIGHT - 24 - 48 - top) // (30 * 1.25))
    if description and rest >= 1:
        prop = font(regular, 30)
        put(fit(description, prop, rest), prop, top, 30)

    canvas.draw()
    image = Image.frombuffer("RGBA", (WIDTH, HEIGHT), canvas.buffer_rgba())
    # Two colours and their anti-aliased edges: 16 colours keep every pixel's
    # look (the background and the text exactly) in a quarter of the bytes.
    info = PngInfo()
    info.add_itxt("Title", title)
    info.add_itxt("Description", description)
    info.add_itxt("Author", site)
    out = io.BytesIO()
    image.convert("RGB").quantize(16).save(out, "PNG", pnginfo=info)
    return out.getvalue()


@dataclass
class Cards:
    """A build's cards: drawn into ``cache`` when their text is new, copied
    into the site, and named in each page's ``meta.card`` (its title as the
    theme's og:title has it, its description as its meta description)."""

    cache: Path
    drawn: int = 0
    placed: int = 0
    seconds: float = 0.0

    def place(self, page, config) -> None:
        """Write ``page``'s card into the site and tell the theme where it is
        (``page.meta.card``: its address below ``site_url``, size and alt)."""
        start = time.perf_counter()
        site = config.site_name
        title = site if page.is_homepage else page.title or site
        description = Markup(
            page.meta.get("description") or config.site_description or ""
        ).striptags()
        name = key(site, title, description)
        cached = self.cache / f"{name}.png"
        if not cached.exists():
            self.cache.mkdir(parents=True, exist_ok=True)
            temporary = cached.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(draw(site, title, description))
            temporary.replace(cached)
            self.drawn += 1
        else:
            os.utime(cached)  # kept by prune()
        self.placed += 1
        stem = page.url.rstrip("/").removesuffix(".html") or "index"
        url = f"{FOLDER}/{stem}.png"
        target = Path(config.site_dir) / url
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, target)
        alt = f"{site}: {title}" if title != site else site
        page.meta["card"] = {
            "url": url,
            "width": WIDTH,
            "height": HEIGHT,
            "alt": f"{alt}. {description}" if description else alt,
        }
        self.seconds += time.perf_counter() - start

    def prune(self, days: float = 14) -> None:
        """Forget the cached cards that no build has shown for ``days`` (not
        at once: another build from the same folder may still show them)."""
        if self.cache.is_dir():
            old = time.time() - days * 86400
            for path in self.cache.glob("*.png"):
                if path.stat().st_mtime < old:
                    path.unlink(missing_ok=True)
