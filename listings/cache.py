"""Results of whole pages on disk, so a build that changed no code runs nothing.

A page's key covers everything that can change what its listings print: the
listings' code, the snippet files, the engine modules that run them, the
Python and library versions, the project's data module (which pins the data's
checksums) and the numeric environment (CPU kernels, threads, device). An
entry that is unreadable, partial or for another key is ignored and rebuilt,
never trusted; entries of pages that no longer exist are removed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import tempfile
import time
from importlib import metadata
from pathlib import Path

from .page import Page
from .runner import Result

FORMAT = 3  # 2: figures for a dark page too; 3: the numeric environment
# The engine modules whose code decides what a listing prints.
ENGINE = ("runner.py", "worker.py")
PACKAGES = (
    "torch",
    "torchvision",
    "numpy",
    "pandas",
    "scikit-learn",
    "matplotlib",
    "mlxtend",
    "lightning",
    "torchmetrics",
)
DISABLE = "LISTINGS_NO_CACHE"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def _files_digest(files: list[Path]) -> str:
    return _sha(
        b"".join(f.name.encode() + _sha(f.read_bytes()).encode() for f in files)
    )


def _tree_digest(folder: Path) -> str:
    files = sorted(folder.rglob("*.py")) if folder.is_dir() else []
    return _sha(
        b"".join(f.name.encode() + _sha(f.read_bytes()).encode() for f in files)
    )


@functools.cache
def package_versions() -> dict[str, str]:
    """Installed versions; they cannot change under a running process."""
    return {name: _version(name) for name in PACKAGES}


def numeric_environment(env: dict | None = None) -> dict:
    """What changes the numbers a listing prints on the same code: the CPU
    kernels torch picks, its thread count, and the device. ``env`` is what
    the worker gets on top of this process's environment. Read without
    importing torch: the variables torch reads, and whether a GPU is there."""
    env = {**os.environ, **(env or {})}
    return {
        "cpu_capability": env.get("ATEN_CPU_CAPABILITY", ""),
        "threads": env.get("OMP_NUM_THREADS") or str(os.cpu_count()),
        "cpu": platform.machine(),
        "cuda_visible": env.get("CUDA_VISIBLE_DEVICES", ""),
        "gpu": Path("/dev/nvidiactl").exists(),
    }


def environment_fingerprint(root: Path, env: dict | None = None) -> dict:
    """What every page's key shares: engine, interpreter, libraries, data and
    the numeric environment of the worker (see ``numeric_environment``)."""
    here = Path(__file__).parent
    return {
        "format": FORMAT,
        "engine": _files_digest([here / name for name in ENGINE]),
        "data": _tree_digest(root / "mechanics"),
        "python": platform.python_version(),
        "packages": package_versions(),
        "numeric": numeric_environment(env),
    }


def page_key(page: Page, environment: dict) -> str:
    material = {
        "environment": environment,
        "page": page.name,
        "listings": [[item.name, item.code, item.line] for item in page.listings],
        "snippets": {str(p): _sha(p.read_bytes()) for p in page.snippets},
    }
    return _sha(json.dumps(material, sort_keys=True).encode())


def _encode(results: list[Result]) -> list[dict]:
    return [r.to_json() for r in results]


class Cache:
    """One JSON file per page under a git-ignored folder."""

    @classmethod
    def for_site(cls, root: Path) -> Cache:
        """The cache a site's build and its tests share: ``.cache/listings``."""
        return cls(Path(root) / ".cache" / "listings")

    def __init__(self, folder: Path, enabled: bool | None = None):
        self.folder = Path(folder)
        self.enabled = (not os.environ.get(DISABLE)) if enabled is None else enabled

    def _file(self, page: Page) -> Path:
        return self.folder / (page.name.replace("/", "__") + ".json")

    def load(self, page: Page, key: str) -> list[Result] | None:
        if not self.enabled:
            return None
        try:
            entry = json.loads(self._file(page).read_text())
            payload = entry["results"]
            if entry["key"] != key or entry["digest"] != _sha(
                json.dumps(payload, sort_keys=True).encode()
            ):
                return None
            if len(payload) != len(page.listings):
                return None
            results = [Result.from_json(item) for item in payload]
            return results if all(r.ok for r in results) else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, page: Page, key: str, results: list[Result]) -> None:
        if not self.enabled or not all(r.ok for r in results):
            return
        payload = _encode(results)
        entry = {
            "key": key,
            "page": page.name,
            "digest": _sha(json.dumps(payload, sort_keys=True).encode()),
            "results": payload,
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        try:
            with os.fdopen(handle, "w") as out:
                json.dump(entry, out)
            os.replace(temporary, self._file(page))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def clean(self, pages: list[Page], grace: float = 3600) -> list[Path]:
        """Remove the entries of pages not in ``pages`` (renamed, deleted) and
        temporary files left by an interrupted store (older than ``grace``
        seconds: a younger one may be another process's store in progress)."""
        keep = {self._file(page) for page in pages}
        removed = []
        for path in self.folder.glob("*.json"):
            if path not in keep:
                path.unlink(missing_ok=True)
                removed.append(path)
        for path in self.folder.glob("*.tmp"):
            try:
                if time.time() - path.stat().st_mtime > grace:
                    path.unlink(missing_ok=True)
                    removed.append(path)
            except OSError:
                continue
        return removed
