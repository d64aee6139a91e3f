"""A site's settings for the engine, from ``[tool.listings]`` in ``pyproject.toml``.

The MkDocs plugin may override any of them in ``mkdocs.yml``; a few
environment variables override them for one run (CI, a benchmark).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

# Environment overrides: variable -> (setting, how to read it).
OVERRIDES = {
    "LISTINGS_JOBS": ("jobs", int),
    "LISTINGS_TIMEOUT": ("timeout", float),
    "LISTINGS_THREADS": ("threads", int),
    "LISTINGS_NO_CACHE": ("cache", lambda value: not value),
}


# The links' words, unless the site's ``labels`` say otherwise.
LABELS = {
    "code": "Code:",
    "view": "View as notebook",
    "download": "Download notebook",
    "run": "Run the notebook",
}
# The longest time limit a listing may have, in seconds: a day.
MAX_TIMEOUT = 86400.0


@dataclass(frozen=True)
class Settings:
    """What the engine needs to know about a site that is the site's choice."""

    # Pages run at once in a build (0: one per core).
    jobs: int = 0
    # A listing's time limit in seconds, unless its timeout mark says otherwise.
    timeout: float = 120.0
    # Threads each page's worker gives its numeric libraries (OpenMP, BLAS),
    # alone or beside other pages: threads that wait for each other on a
    # busy machine make small models many times slower. An OMP_NUM_THREADS
    # set by the caller wins.
    threads: int = 1
    # Whether a build reuses the results of pages whose code did not change.
    cache: bool = True
    cache_dir: str = ".cache/listings"
    # The folder, under the site's, for what builds make and keep besides:
    # the notebooks of the notebook views (which mkdocs-jupyter's include
    # in mkdocs.yml names), API link resolutions, the pre-build's pages.
    work_dir: str = ".cache"
    # Folders whose Python files decide what listings print (a data module):
    # their contents enter the cache key.
    data_dirs: list[str] = field(default_factory=list)
    # Distributions whose versions enter the cache key.
    packages: list[str] = field(default_factory=list)
    # Environment variables that change what listings print (the CPU kernels
    # a library picks, the devices it sees): their values enter the cache key.
    environment: list[str] = field(default_factory=list)
    # Files whose presence means a device the listings would use (a GPU
    # driver's): whether each is there enters the cache key.
    device_files: list[str] = field(default_factory=list)
    # Where figures are drawn for a dark page: background, text, axes, grid.
    dark_palette: dict[str, str] = field(
        default_factory=lambda: {
            "background": "#1e2129",
            "foreground": "#d5d8de",
            "muted": "#9499a6",
            "grid": "#454a58",
        }
    )
    figure_dpi: int = 110
    # Files a page's code needs beside it, which its notebook carries and
    # writes into the folder it runs in: {page: {name there: file here}}.
    support_files: dict[str, dict[str, str]] = field(default_factory=dict)
    # Distributions a page's notebook says to install (with the versions its
    # outputs came from), beyond what its code imports.
    requirements: list[str] = field(default_factory=list)
    # A Python expression, evaluated in a page's worker after each listing
    # (with ``sys``), that names the device the listing's code could use,
    # for {devices} below; empty: the CPU.
    device_probe: str = ""
    # What printed the outputs ({versions} below): {python} is Python's
    # version, {version[NAME]} an installed distribution's, {devices} where
    # the listings ran ("the CPU", or the devices they found).
    versions: str = "Python {python} on {devices}"
    # The line under a page's title and the sentence that opens its
    # notebook; {page} is the page's source file.
    provenance: str = "Every output on this page was printed by {versions}."
    # The words of the links after the provenance line (and the notebook
    # view's heading): to the snippet files, the view, the notebook.
    labels: dict[str, str] = field(default_factory=lambda: dict(LABELS))
    # The home page's sentence, where it holds <!--listings:verified-with-->.
    site_provenance: str = (
        "The outputs on this site were printed by {versions}: {listings} "
        "listings on {pages} pages."
    )
    # An address that opens the page's notebook in a hosted Jupyter (Colab,
    # Binder), linked after the provenance line with the label "run";
    # {notebook} is the notebook's path in the built site
    # (notebooks/<page>/<page>.ipynb). Empty: no such link.
    run_url: str = ""
    # The command a contributor types to write a page's outputs, as error
    # messages name it; {page} is the page (``intro`` for docs/intro.md).
    update_command: str = "listings update {page}"
    notebook_intro: str = (
        "*This notebook is the page `{page}`; its outputs were printed by {versions}.*"
    )

    @classmethod
    def read(cls, root: Path, **overrides) -> Settings:
        """``[tool.listings]`` of ``root/pyproject.toml``, then ``overrides``
        (the ones that are not None), then the environment."""
        values: dict = {}
        pyproject = Path(root) / "pyproject.toml"
        if pyproject.is_file():
            with pyproject.open("rb") as file:
                table = tomllib.load(file).get("tool", {}).get("listings", {})
            values.update({k.replace("-", "_"): v for k, v in table.items()})
        values.update({k: v for k, v in overrides.items() if v is not None})
        for variable, (name, convert) in OVERRIDES.items():
            if os.environ.get(variable, "").strip():
                values[name] = convert(os.environ[variable].strip())
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"unknown setting(s) {', '.join(unknown)} in [tool.listings]; the "
                f"settings are {', '.join(sorted(known))}"
            )
        return cls(**values)

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", {**LABELS, **self.labels})
        number = isinstance(self.timeout, int | float)
        if not (number and 0 < self.timeout <= MAX_TIMEOUT):
            raise ValueError(
                f"timeout = {self.timeout!r} in [tool.listings] or LISTINGS_TIMEOUT: "
                f"a listing's time limit in seconds, more than 0 and at most "
                f"{MAX_TIMEOUT:g} (a day)"
            )
        if not isinstance(self.threads, int) or self.threads < 1:
            raise ValueError(
                f"threads = {self.threads!r} in [tool.listings]: the threads a "
                "page's worker uses, a whole number from 1"
            )

    @property
    def parallel(self) -> int:
        return self.jobs if self.jobs > 0 else max(1, os.cpu_count() or 1)
