"""The execution cache: trusted only when whole, right and for the same inputs."""

from __future__ import annotations

import json
import os

from conftest import listing

from listings import Cache, run_page
from listings.cache import environment_fingerprint, page_key

SNIPPET = """
    # --8<-- [start:count]
    import itertools

    calls = globals().setdefault("calls", itertools.count(1))
    print("ran")
    # --8<-- [end:count]
"""


def make(site):
    site.snippet("page", SNIPPET)
    site.page("page", "# Page\n\n" + listing("count", "ran"))
    return site.load("page")


def test_second_run_comes_from_the_cache(site):
    page = make(site)
    cache = Cache(site.root / ".cache")
    results, cached, _ = run_page(page, site.root, cache)
    assert not cached and results[0].stdout == "ran\n"
    results, cached, _ = run_page(page, site.root, cache)
    assert cached and results[0].stdout == "ran\n"


def test_prose_edit_keeps_the_key_code_edit_changes_it(site):
    page = make(site)
    environment = environment_fingerprint(site.root)
    key = page_key(page, environment)
    site.page("page", "# Page, reworded\n\nNew prose.\n\n" + listing("count", "ran"))
    assert page_key(site.load("page"), environment) == key
    site.snippet("page", SNIPPET.replace('print("ran")', 'print("ran!")'))
    assert page_key(site.load("page"), environment) != key


def test_environment_changes_the_key(site):
    page = make(site)
    environment = environment_fingerprint(site.root)
    other = {**environment, "packages": {**environment["packages"], "torch": "9.9"}}
    assert page_key(page, environment) != page_key(page, other)


def test_corrupt_partial_or_foreign_entries_are_rebuilt(site):
    page = make(site)
    cache = Cache(site.root / ".cache")
    run_page(page, site.root, cache)
    [entry] = (site.root / ".cache").glob("*.json")
    good = entry.read_text()

    def reruns() -> bool:
        results, cached, _ = run_page(page, site.root, cache)
        assert results[0].stdout == "ran\n"
        return not cached

    entry.write_text(good[: len(good) // 2])
    assert reruns()

    tampered = json.loads(good)
    tampered["results"][0]["stdout"] = "forged\n"
    entry.write_text(json.dumps(tampered))
    assert reruns()

    foreign = json.loads(good)
    foreign["key"] = "0" * 64
    entry.write_text(json.dumps(foreign))
    assert reruns()

    entry.unlink()
    assert reruns()
    assert not list((site.root / ".cache").glob("*.tmp"))


def test_failing_pages_are_not_cached_and_the_switch_disables_it(site, monkeypatch):
    site.snippet(
        "page", "# --8<-- [start:boom]\nraise ValueError\n# --8<-- [end:boom]\n"
    )
    site.page("page", listing("boom", "x"))
    page = site.load("page")
    cache = Cache(site.root / ".cache")
    run_page(page, site.root, cache)
    assert not (site.root / ".cache").exists()

    monkeypatch.setenv("LISTINGS_NO_CACHE", "1")
    assert not Cache(site.root / ".cache").enabled


def test_the_numeric_environment_changes_the_key(site, monkeypatch):
    page = make(site)
    monkeypatch.delenv("ATEN_CPU_CAPABILITY", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    base = page_key(page, environment_fingerprint(site.root))
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "default")
    kernels = page_key(page, environment_fingerprint(site.root))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    threads = page_key(page, environment_fingerprint(site.root))
    assert len({base, kernels, threads}) == 3
    # What a worker is given counts, not only this process's environment.
    given = environment_fingerprint(site.root, {"OMP_NUM_THREADS": "2"})
    assert page_key(page, given) == kernels


def test_only_the_modules_that_run_a_listing_are_in_the_key(site):
    from listings import cache

    assert set(cache.ENGINE) == {"runner.py", "worker.py"}


def test_entries_of_pages_that_are_gone_are_removed(site):
    page = make(site)
    cache = Cache(site.root / ".cache")
    run_page(page, site.root, cache)
    stale = site.root / ".cache" / "docs__renamed.md.json"
    stale.write_text("{}")
    leftover = site.root / ".cache" / "tmpabc.tmp"
    leftover.write_text("")
    os.utime(leftover, (0, 0))
    removed = cache.clean([page])
    assert sorted(p.name for p in removed) == ["docs__renamed.md.json", "tmpabc.tmp"]
    assert [p.name for p in (site.root / ".cache").iterdir()] == ["docs__page.md.json"]
