"""Another site can adopt the engine: examples/stdlib, a few pages about
Python's standard library, in a fresh virtual environment that has only the
engine (engine/, installed as any package is), MkDocs, Material and pytest,
installed with no network from the wheels the set-up downloaded
(``make`` keeps them in .venv/wheelhouse). There the strict build verifies
every listing and fails on a wrong output, pytest gives one item per
listing, the notebooks are written, and torch cannot even be imported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import REPO

# One worker runs them all under pytest-xdist: the fresh venv is made once.
pytestmark = pytest.mark.xdist_group("example-site")

EXAMPLE = REPO / "examples" / "stdlib"
WHEELHOUSE = Path(sys.prefix) / "wheelhouse"


def run(args: list, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """A command in a bare environment (no PYTHONPATH, no venv of ours)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "VIRTUAL_ENV", "PYTEST", "PIP_"))
    }
    env["NO_MKDOCS_2_WARNING"] = "1"
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """A fresh venv with the engine and its hosts, and nothing else."""
    if not any(WHEELHOUSE.glob("mkdocs_material-*.whl")):
        pytest.fail(
            f"no wheels in {WHEELHOUSE}: the set-up downloads them "
            "(make .venv/.installed-..., as make test does)"
        )
    root = tmp_path_factory.mktemp("fresh")
    venv.create(root / "venv", with_pip=True)
    python = root / "venv" / "bin" / "python"
    done = run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "-q",
            "--no-index",
            "--find-links",
            WHEELHOUSE,
            f"{REPO / 'engine'}[mkdocs,pytest]",
            "mkdocs-material",
        ],
        cwd=root,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return python


@pytest.fixture
def example(tmp_path) -> Path:
    site = tmp_path / "stdlib"
    shutil.copytree(EXAMPLE, site, ignore=shutil.ignore_patterns(".*", "site"))
    return site


def test_the_fresh_venv_has_the_engine_and_no_torch(fresh, example):
    done = run(
        [fresh, "-c", "import listings, mkdocs, material, pytest; import torch"],
        cwd=example,
    )
    assert "No module named 'torch'" in done.stderr, done.stderr
    installed = run([fresh, "-m", "pip", "list", "--format=json"], cwd=example)
    names = {p["name"].lower() for p in json.loads(installed.stdout)}
    assert "listings-engine" in names and "pytorch-mechanics" not in names
    assert not names & {"torch", "numpy", "matplotlib", "mkdocs-jupyter"}


def test_the_example_site_builds_verified_and_writes_its_notebooks(fresh, example):
    done = run([fresh, "-m", "mkdocs", "build", "--strict"], cwd=example)
    assert done.returncode == 0, done.stderr[-3000:]
    site = example / "site"
    floats = (site / "floats" / "index.html").read_text()
    assert "0.30000000000000004" in floats
    assert "Every output on this page was printed by Python" in floats
    notebook = json.loads((site / "notebooks/floats/floats.ipynb").read_text())
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert len(code) == 4
    assert "".join(code[0]["outputs"][0]["text"]) == "0.30000000000000004\nFalse\n"
    assert (site / "listings" / "listings.css").is_file()
    assert "listings/listings.css" in floats


def test_pytest_gives_one_item_per_listing_with_no_addopts(fresh, example):
    done = run([fresh, "-m", "pytest", "-p", "no:cacheprovider", "-v"], cwd=example)
    assert done.returncode == 0, done.stdout[-3000:]
    items = [line for line in done.stdout.splitlines() if " PASSED" in line]
    assert len(items) == 7, done.stdout
    assert any(line.startswith("docs/floats.md::sum PASSED") for line in items)


def test_a_wrong_output_fails_the_build_and_its_test(fresh, example):
    page = example / "docs" / "sorting.md"
    page.write_text(page.read_text().replace("[1, 2, 3]\n1 [", "[1, 2, 4]\n1 ["))
    done = run([fresh, "-m", "mkdocs", "build", "--strict"], cwd=example)
    assert done.returncode != 0
    assert "docs/sorting.md:" in done.stderr and "(heap, snippets/sorting.py:" in (
        done.stderr
    )
    assert "listings update sorting" in done.stderr
    done = run([fresh, "-m", "pytest", "-p", "no:cacheprovider"], cwd=example)
    assert done.returncode == 1
    assert "1 failed, 6 passed" in done.stdout
