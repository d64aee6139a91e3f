"""The execution cache: trusted only when whole, right and for the same inputs."""

from __future__ import annotations

import json
import os

from conftest import listing, run_page

from listings import Cache, Settings

# The site names what else changes its listings' outputs.
SETTINGS = Settings(
    cache_dir=".cache",
    environment=["ATEN_CPU_CAPABILITY"],
    device_files=["/dev/nvidiactl"],
)
SNIPPET = """
    # --8<-- [start:count]
    import itertools

    calls = globals().setdefault("calls", itertools.count(1))
    print("ran")
    # --8<-- [end:count]
"""


CACHE = Cache(".", SETTINGS)


def make(site):
    site.snippet("page", SNIPPET)
    site.page("page", "# Page\n\n" + listing("count", "ran"))
    return site.load("page")


def test_second_run_comes_from_the_cache(site):
    page = make(site)
    cache = Cache(site.root, SETTINGS)
    outcome = run_page(page, site.root, cache)
    results, cached = outcome.results, outcome.cached
    assert not cached and results[0].stdout == "ran\n"
    outcome = run_page(page, site.root, cache)
    results, cached = outcome.results, outcome.cached
    assert cached and results[0].stdout == "ran\n"


def test_prose_edit_keeps_the_key_code_edit_changes_it(site):
    page = make(site)
    environment = CACHE.environment(site.root)
    key = CACHE.key(page, environment)
    site.page("page", "# Page, reworded\n\nNew prose.\n\n" + listing("count", "ran"))
    assert CACHE.key(site.load("page"), environment) == key
    site.snippet("page", SNIPPET.replace('print("ran")', 'print("ran!")'))
    assert CACHE.key(site.load("page"), environment) != key


def test_environment_changes_the_key(site):
    page = make(site)
    environment = CACHE.environment(site.root)
    other = {**environment, "packages": {**environment["packages"], "torch": "9.9"}}
    assert CACHE.key(page, environment) != CACHE.key(page, other)


def test_corrupt_partial_or_foreign_entries_are_rebuilt(site):
    page = make(site)
    cache = Cache(site.root, SETTINGS)
    run_page(page, site.root, cache)
    [entry] = (site.root / ".cache").glob("*.json")
    good = entry.read_text()

    def reruns() -> bool:
        outcome = run_page(page, site.root, cache)
        results, cached = outcome.results, outcome.cached
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
    assert not list((site.root / ".cache").glob(".*"))


def test_failing_pages_are_not_cached_and_the_switch_disables_it(site, monkeypatch):
    site.snippet(
        "page", "# --8<-- [start:boom]\nraise ValueError\n# --8<-- [end:boom]\n"
    )
    site.page("page", listing("boom", "x"))
    page = site.load("page")
    cache = Cache(site.root, SETTINGS)
    run_page(page, site.root, cache)
    assert not (site.root / ".cache").exists()

    monkeypatch.setenv("LISTINGS_NO_CACHE", "1")
    assert not Settings.read(site.root).cache
    assert not Cache(site.root, Settings.read(site.root)).enabled


def test_the_numeric_environment_changes_the_key(site, monkeypatch):
    page = make(site)
    monkeypatch.delenv("ATEN_CPU_CAPABILITY", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    base = CACHE.key(page, CACHE.environment(site.root))
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "default")
    kernels = CACHE.key(page, CACHE.environment(site.root))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    threads = CACHE.key(page, CACHE.environment(site.root))
    assert len({base, kernels, threads}) == 3
    # What a worker is given counts, not only this process's environment.
    given = CACHE.environment(site.root, {"OMP_NUM_THREADS": "2"})
    assert CACHE.key(page, given) == kernels
    # A variable the site does not name is not in the key.
    unnamed = Cache(".", Settings(cache_dir=".cache"))
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "avx2")
    other = unnamed.key(page, unnamed.environment(site.root))
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "default")
    assert unnamed.key(page, unnamed.environment(site.root)) == other


def test_the_worker_that_runs_the_listings_is_in_the_key(site, tmp_path):
    from listings import cache

    environment = CACHE.environment(site.root)
    copy = tmp_path / "worker.py"
    copy.write_text(cache.WORKER.read_text() + "\n# changed\n")
    original, cache.WORKER = cache.WORKER, copy
    try:
        assert CACHE.environment(site.root)["worker"] != environment["worker"]
    finally:
        cache.WORKER = original


def test_the_data_folders_of_the_settings_are_in_the_key(site):
    data = Cache(site.root, Settings(data_dirs=["data"]))
    (site.root / "data").mkdir()
    (site.root / "data" / "load.py").write_text("N = 1\n")
    before = data.environment(site.root)["data"]
    (site.root / "data" / "load.py").write_text("N = 2\n")
    assert data.environment(site.root)["data"] != before


def test_entries_of_pages_that_are_gone_are_removed(site):
    page = make(site)
    cache = Cache(site.root, SETTINGS)
    run_page(page, site.root, cache)
    stale = site.root / ".cache" / "docs__renamed.md.json"
    stale.write_text("{}")
    leftover = site.root / ".cache" / ".docs__page.md.json.abc"
    leftover.write_text("")
    os.utime(leftover, (0, 0))
    removed = cache.clean([page])
    assert sorted(p.name for p in removed) == [
        ".docs__page.md.json.abc",
        "docs__renamed.md.json",
    ]
    assert [p.name for p in (site.root / ".cache").iterdir()] == ["docs__page.md.json"]
