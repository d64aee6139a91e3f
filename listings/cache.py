"""Results of whole pages on disk, so a build that changed no code runs nothing.

A page's key covers everything that can change what its listings print: the
listings' code, the snippet files, the engine's own source, the Python and
library versions and the project's data module (which pins the data's
checksums). An entry that is unreadable, partial or for another key is
ignored and rebuilt, never trusted.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import platform
import tempfile
from importlib import metadata
from pathlib import Path

from .page import Page
from .runner import Result

FORMAT = 2  # 2: figures for a dark page too
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


def _tree_digest(folder: Path) -> str:
    files = sorted(folder.rglob("*.py")) if folder.is_dir() else []
    return _sha(
        b"".join(f.name.encode() + _sha(f.read_bytes()).encode() for f in files)
    )


@functools.cache
def package_versions() -> dict[str, str]:
    """Installed versions; they cannot change under a running process."""
    return {name: _version(name) for name in PACKAGES}


def environment_fingerprint(root: Path) -> dict:
    """What every page's key shares: engine, interpreter, libraries, data."""
    return {
        "format": FORMAT,
        "engine": _tree_digest(Path(__file__).parent),
        "data": _tree_digest(root / "mechanics"),
        "python": platform.python_version(),
        "packages": package_versions(),
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
    return [
        {
            "stdout": r.stdout,
            "figures": [base64.b64encode(f).decode() for f in r.figures],
            "dark_figures": [base64.b64encode(f).decode() for f in r.dark_figures],
            "warnings": r.warnings,
            "seconds": r.seconds,
            "device": r.device,
        }
        for r in results
    ]


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
            return [
                Result(
                    stdout=item["stdout"],
                    figures=[base64.b64decode(f) for f in item["figures"]],
                    dark_figures=[base64.b64decode(f) for f in item["dark_figures"]],
                    warnings=list(item["warnings"]),
                    seconds=float(item["seconds"]),
                    device=str(item["device"]),
                )
                for item in payload
            ]
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
        with os.fdopen(handle, "w") as out:
            json.dump(entry, out)
        os.replace(temporary, self._file(page))
