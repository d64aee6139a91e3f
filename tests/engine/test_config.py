"""One configuration schema: every setting ``[tool.listings]`` accepts,
``mkdocs.yml`` accepts too, and the build then runs with it."""

from __future__ import annotations

import dataclasses
import logging
import tomllib

import pytest
import yaml
from conftest import SCRATCH_MKDOCS_YML

from listings import Settings

# A value for every setting, each unlike its default.
SAMPLES = {
    "jobs": 3,
    "timeout": 9.5,
    "threads": 2,
    "cache": False,
    "cache_dir": ".cache/elsewhere",
    "work_dir": ".work",
    "data_dirs": ["data"],
    "packages": ["numpy"],
    "environment": ["ATEN_CPU_CAPABILITY"],
    "device_files": ["/dev/nvidiactl"],
    "device_probe": "'gpu' if 'cupy' in sys.modules else 'cpu'",
    "versions": "numpy {version[numpy]} on {devices}",
    "site_provenance": "{listings} listings, {pages} pages, by {versions}.",
    "dark_palette": {
        "background": "#000000",
        "foreground": "#ffffff",
        "muted": "#888888",
        "grid": "#444444",
    },
    "figure_dpi": 80,
    "labels": {
        "code": "Kod:",
        "view": "Jako notatnik",
        "download": "Pobierz",
        "run": "Uruchom",
    },
    "run_url": "https://hub.example.org/open/{notebook}",
    "support_files": {"docs/page.md": {"helper.py": "data/helper.py"}},
    "requirements": ["numpy>=2"],
    "provenance": "Printed by {versions}.",
    "notebook_intro": "The page {page}, printed by {versions}.",
    "update_command": "make outputs PAGE={page}",
}


def test_every_setting_has_a_sample():
    names = {field.name for field in dataclasses.fields(Settings)}
    assert set(SAMPLES) == names
    assert all(SAMPLES[name] != getattr(Settings(), name) for name in names)


def _toml(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f'"{k}" = {_toml(v)}' for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    return f'"{value}"' if isinstance(value, str) else str(value)


@pytest.mark.parametrize("where", ["pyproject.toml", "mkdocs.yml"])
def test_every_setting_is_accepted_by_both_configurations(
    where, tmp_path, caplog, monkeypatch
):
    from mkdocs.config import load_config

    for variable in ("LISTINGS_JOBS", "LISTINGS_TIMEOUT", "LISTINGS_THREADS"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("LISTINGS_NO_CACHE", raising=False)
    (tmp_path / "docs").mkdir()
    (tmp_path / "snippets").mkdir()
    config = yaml.safe_load(SCRATCH_MKDOCS_YML)
    if where == "mkdocs.yml":
        config["plugins"] = [{"listings": SAMPLES}]
    else:
        table = "".join(f"{k} = {_toml(v)}\n" for k, v in SAMPLES.items())
        assert tomllib.loads(table) == SAMPLES
        (tmp_path / "pyproject.toml").write_text("[tool.listings]\n" + table)
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config))
    with caplog.at_level(logging.WARNING):
        loaded = load_config(str(tmp_path / "mkdocs.yml"), strict=True)
    assert not caplog.records, caplog.text  # --strict would abort on any
    plugin = loaded.plugins["listings"]
    plugin.on_config(loaded)
    assert plugin.project.settings == Settings(**SAMPLES)
