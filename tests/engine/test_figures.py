"""Figures drawn twice: for the light palette and recoloured for the dark one."""

from __future__ import annotations

import io

import pytest
from conftest import listing, run_page

from listings import Cache, PageRun, Settings
from listings.rewrite import png_size, rendered
from listings.worker import Figures

import matplotlib.pyplot as plt  # isort: skip  (after the runner sets Agg)
from matplotlib import colors, image  # isort: skip

PALETTE = Settings().dark_palette

SNIPPET = """
    # --8<-- [start:plot]
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], color="tab:orange", label="data")
    ax.plot([0, 1], [1, 0], color="black", label="reference")
    ax.set_title("Title")
    ax.set_xlabel("x")
    ax.legend()
    ax.grid(True)
    print("drawn")
    # --8<-- [end:plot]
"""


@pytest.fixture
def plot_page(site):
    site.snippet("page", SNIPPET)
    site.page(
        "page",
        '# Page\n\n<!--pytest.mark.figure("Two lines")-->\n' + listing("plot", "drawn"),
    )
    return site


def _mean_brightness(png: bytes) -> float:
    pixels = image.imread(io.BytesIO(png))
    return float(pixels[..., :3].mean())


def test_each_figure_is_drawn_for_both_palettes_and_counted_once(plot_page):
    page = plot_page.load("page")
    [result] = PageRun(page, plot_page.root).run_all()
    assert result.ok and len(result.figures) == 1 and len(result.dark_figures) == 1
    light, dark = result.figures[0], result.dark_figures[0]
    assert light.startswith(b"\x89PNG") and dark.startswith(b"\x89PNG")
    assert _mean_brightness(light) > 0.8 > 0.3 > _mean_brightness(dark)


def test_recolouring_changes_the_ink_and_keeps_the_data_colours():
    fig, ax = plt.subplots()
    (data,) = ax.plot([0, 1], [0, 1], color="tab:orange")
    (ink,) = ax.plot([0, 1], [1, 0], color="black")
    ax.set_title("Title")
    ax.set_xlabel("x")
    ax.set_ylabel("y", color="tab:red")
    label = ax.text(0.5, 0.5, "boxed", bbox={"facecolor": "white"})
    legend = ax.legend(["a", "b"])
    fig.canvas.draw()
    Figures(PALETTE, 110).recolour(fig)
    same = colors.same_color
    assert same(fig.patch.get_facecolor(), PALETTE["background"])
    assert same(ax.patch.get_facecolor(), PALETTE["background"])
    assert same(ax.title.get_color(), PALETTE["foreground"])
    assert same(ax.xaxis.label.get_color(), PALETTE["foreground"])
    assert same(ax.yaxis.label.get_color(), "tab:red")  # colour is meaning
    assert all(same(t.get_color(), PALETTE["foreground"]) for t in ax.get_xticklabels())
    assert same(legend.get_texts()[0].get_color(), PALETTE["foreground"])
    assert same(data.get_color(), "tab:orange")  # data keeps its colour
    assert same(ink.get_color(), PALETTE["foreground"])  # black ink would vanish
    assert same(label.get_color(), "black")  # text on its own box stays
    plt.close(fig)


def test_the_cache_keeps_both_palettes(plot_page):
    page = plot_page.load("page")
    cache = Cache(plot_page.root)
    fresh = run_page(page, plot_page.root, cache).results
    outcome = run_page(page, plot_page.root, cache)
    assert outcome.cached
    again = outcome.results
    assert again[0].figures == fresh[0].figures
    assert again[0].dark_figures == fresh[0].dark_figures


def test_the_page_shows_one_figure_per_palette_with_the_same_alt(plot_page):
    page = plot_page.load("page")
    results = PageRun(page, plot_page.root).run_all()
    text = rendered(page, results, [["f/plot-1.png"]], [[]], [["f/plot-1-dark.png"]])
    # Lazily loaded (the hidden one is never fetched), with the PNG's size.
    width, height = png_size(results[0].figures[0])
    assert width > 100 and height > 100
    attributes = f'{{ .listing-figure loading=lazy width="{width}" height="{height}" }}'
    assert f"![Two lines](f/plot-1.png#only-light){attributes}" in text
    assert f"![Two lines](f/plot-1-dark.png#only-dark){attributes}" in text
    # Both in one paragraph, the figure's box (it scrolls on a phone), which
    # the keyboard reaches.
    box = (
        f"![Two lines](f/plot-1.png#only-light){attributes}\n"
        f"![Two lines](f/plot-1-dark.png#only-dark){attributes}\n"
        '{: .listing-figures tabindex="0" }\n'
    )
    assert box in text
    # Without a dark version: the one figure, for both palettes.
    text = rendered(page, results, [["f/plot-1.png"]], [[]])
    assert f"![Two lines](f/plot-1.png){attributes}" in text
