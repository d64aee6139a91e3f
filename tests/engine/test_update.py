"""``listings update``: a page is rewritten whole or not at all, never when a
listing failed, and only where a fresh run differs beyond its tolerance."""

from __future__ import annotations

import os

import pytest
from conftest import listing

from listings import files
from listings.update import update

SNIPPET = """
    # --8<-- [start:one]
    print("one")
    # --8<-- [end:one]
"""


def pages(site, names):
    paths = {}
    for name in names:
        site.snippet(name, SNIPPET)
        paths[name] = site.page(
            name, "# Page\n\n" + listing("one", "old", f"{name}.py")
        )
    return paths


def test_an_interrupted_update_leaves_each_page_old_or_new(site, monkeypatch):
    paths = pages(site, ["first", "second", "third"])
    before = {name: path.read_bytes() for name, path in paths.items()}
    real_replace, calls = os.replace, []

    def interrupted(source, target):
        calls.append(target)
        if len(calls) == 2:  # as if Ctrl-C came while the second page is written
            raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        update(site.project, [], dry_run=False)
    assert "```text\none\n```" in paths["first"].read_text()
    assert paths["second"].read_bytes() == before["second"]
    assert paths["third"].read_bytes() == before["third"]
    assert sorted(p.name for p in (site.root / "docs").iterdir()) == [
        "first.md",
        "second.md",
        "third.md",
    ]


def test_a_write_that_fails_halfway_leaves_the_page_as_it_was(site, monkeypatch):
    paths = pages(site, ["page"])
    before = paths["page"].read_bytes()

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        update(site.project, ["page"], dry_run=False)
    assert paths["page"].read_bytes() == before
    assert [p.name for p in (site.root / "docs").iterdir()] == ["page.md"]


def test_a_page_whose_listing_fails_is_not_rewritten(site, capsys):
    site.snippet(
        "page",
        """
        # --8<-- [start:fine]
        print("fine")
        # --8<-- [end:fine]

        # --8<-- [start:boom]
        raise ValueError("boom")
        # --8<-- [end:boom]
        """,
    )
    path = site.page("page", listing("fine", "old") + listing("boom", "old"))
    before = path.read_bytes()
    assert update(site.project, ["page"], dry_run=False) == 1
    assert path.read_bytes() == before
    captured = capsys.readouterr()
    assert "(boom, snippets/page.py:6) raised at page.py:6" in captured.out
    assert "docs/page.md: not updated, a listing failed" in captured.err


def test_drift_and_update_honour_the_tolerance_mark(site, capsys):
    site.snippet(
        "page",
        """
        # --8<-- [start:close]
        print("loss 0.12345")
        # --8<-- [end:close]

        # --8<-- [start:far]
        print("loss 0.2")
        # --8<-- [end:far]
        """,
    )
    tol = "<!--pytest.mark.tolerance(rtol=1e-3)-->\n"
    path = site.page(
        "page", tol + listing("close", "loss 0.1235") + tol + listing("far", "loss 0.1")
    )
    assert update(site.project, ["page"], dry_run=True) == 1
    report = capsys.readouterr().out
    assert "far: changed" in report and "close" not in report
    update(site.project, ["page"], dry_run=False)
    text = path.read_text()
    assert "loss 0.1235" in text and "loss 0.2" in text
    assert update(site.project, ["page"], dry_run=True) == 0


def test_crlf_and_bom_survive_an_update(site):
    site.snippet("page", SNIPPET)
    path = site.root / "docs" / "page.md"
    text = "# Page\n\n" + listing("one", "old")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    update(site.project, ["page"], dry_run=False)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf# Page\r\n")
    assert b"one\r\n```" in data and b"\n" not in data.replace(b"\r\n", b"")


def test_an_output_that_changes_between_two_runs_is_not_written(site, capsys):
    site.snippet(
        "page",
        """
        # --8<-- [start:stable]
        print("same")
        # --8<-- [end:stable]

        # --8<-- [start:address]
        print("model at", id(object()) ^ __import__("os").getpid())
        # --8<-- [end:address]
        """,
    )
    path = site.page(
        "page", "# Page\n\n" + listing("stable", None) + listing("address", None)
    )
    before = path.read_bytes()
    assert update(site.project, ["page"], dry_run=False) == 1
    assert path.read_bytes() == before
    captured = capsys.readouterr()
    assert (
        "docs/page.md:7 (address, snippets/page.py:6) printed something else"
        in captured.out
    )
    assert "at output line 1:" in captured.out and "run 1: model at" in captured.out
    assert "an address (id(), an object's default repr)" in captured.out
    assert (
        "not updated, a listing printed something else in a second run" in captured.err
    )


def test_a_figure_without_its_mark_is_named_with_the_line_for_the_mark(site, capsys):
    site.snippet(
        "page",
        """
        # --8<-- [start:plot]
        import matplotlib.pyplot as plt

        plt.plot([0, 1])
        print("drawn")
        # --8<-- [end:plot]
        """,
    )
    path = site.page("page", "# Page\n\n" + listing("plot", None))
    assert update(site.project, ["page"], dry_run=False) == 1
    out = capsys.readouterr().out
    assert (
        "docs/page.md:3 (plot, snippets/page.py:2) drew 1 figure(s) but its page "
        'describes 0; give each figure a <!--pytest.mark.figure("what it shows")--> '
        "directly above the fence at docs/page.md:3"
    ) in out
    assert "```text\ndrawn\n```" in path.read_text()  # the output is written
