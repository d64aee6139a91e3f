"""``listings prebuild``, what a generator without plugins (Zensical) builds:
verified pages, their figures and notebooks, and a failure on a wrong output."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import listing

SNIPPET = """
# --8<-- [start:greet]
import matplotlib.pyplot as plt

print("hello")
fig, ax = plt.subplots()
_ = ax.plot([0, 1], [0, 1])
# --8<-- [end:greet]
"""


def prebuild(site):
    return subprocess.run(
        [sys.executable, "-m", "listings", "prebuild", "--out", "built"],
        cwd=site.root,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_pages_are_written_as_the_site_shows_them(site):
    site.snippet("page", SNIPPET)
    site.page(
        "page",
        '# Page\n\n<!--pytest.mark.figure("A line")-->\n' + listing("greet", "hello"),
    )
    (site.root / "docs" / "extra.css").write_text("p {}\n")
    done = prebuild(site)
    assert done.returncode == 0, done.stdout + done.stderr
    out = site.root / "built"
    page = (out / "page.md").read_text()
    assert "{ .page-provenance }" in page and "{ .text .listing-output }" in page
    assert "![A line](figures/page/greet-1.png#only-light)" in page
    assert (out / "figures" / "page" / "greet-1-dark.png").is_file()
    notebook = json.loads((out / "notebooks" / "page" / "page.ipynb").read_text())
    assert any(cell["cell_type"] == "code" for cell in notebook["cells"])
    assert (out / "snippets" / "page.py").is_file()
    assert (out / "extra.css").is_file()


def test_a_wrong_output_fails_the_prebuild_naming_the_listing(site):
    site.snippet("page", SNIPPET)
    site.page(
        "page",
        '# Page\n\n<!--pytest.mark.figure("A line")-->\n' + listing("greet", "bye"),
    )
    done = prebuild(site)
    assert done.returncode == 1
    assert "docs/page.md:4 (greet, snippets/page.py:2) printed something else" in (
        done.stdout
    )
