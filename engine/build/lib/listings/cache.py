"""Results of whole pages on disk, so a build that changed no code runs nothing.

A page's key covers everything that can change what its listings print: the
listings' code, the snippet files, the worker that runs them, the Python and
library versions (the site's ``packages`` setting), the site's data module
(its ``data`` setting) and the numeric environment (CPU kernels, threads,
device). An entry that is unreadable, partial or for another key is ignored
and rebuilt, never trusted; entries of pages that no longer exist are removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from pathlib import Path

from .files import version, write_atomically
from .page import Page
from .result import Result
from .settings import Settings

FORMAT = 5  # 5: the site names its environment and devices
WORKER = Path(__file__).with_name("worker.py")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _files_digest(files: list[Path]) -> str:
    return _sha(
        b"".join(f.name.encode() + _sha(f.read_bytes()).encode() for f in files)
    )


def numeric_environment(settings: Settings, env: dict | None = None) -> dict:
    """What changes the numbers a listing prints on the same code: the
    machine, the thread count, and what the site names (its ``environment``
    variables, its ``device_files``). ``env`` is what the worker gets on
    top of this process's environment. Read without importing anything."""
    env = {**os.environ, **(env or {})}
    return {
        "threads": env.get("OMP_NUM_THREADS") or str(os.cpu_count()),
        "cpu": platform.machine(),
        "environment": {name: env.get(name, "") for name in settings.environment},
        "devices": {name: Path(name).exists() for name in settings.device_files},
    }


class Cache:
    """One JSON file per page under the site's ``cache_dir``."""

    def __init__(self, root: Path, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.root = Path(root)
        self.folder = self.root / self.settings.cache_dir
        self.enabled = self.settings.cache

    def environment(self, root: Path, env: dict | None = None) -> dict:
        """What every page's key shares: worker, interpreter, libraries, data
        and the numeric environment of the worker."""
        data = [
            f
            for folder in self.settings.data_dirs
            for f in sorted((Path(root) / folder).rglob("*.py"))
        ]
        return {
            "format": FORMAT,
            "worker": _sha(WORKER.read_bytes()),
            "data": _files_digest(data),
            "python": platform.python_version(),
            "packages": {name: version(name) for name in self.settings.packages},
            "numeric": numeric_environment(self.settings, env),
        }

    def key(self, page: Page, environment: dict) -> str:
        material = {
            "environment": environment,
            "page": page.name,
            "listings": [[item.name, item.code, item.line] for item in page.listings],
            "snippets": {str(p): _sha(p.read_bytes()) for p in page.snippets},
            "support": {
                name: _sha((self.root / source).read_bytes())
                for name, source in self.settings.support_files.get(
                    page.name, {}
                ).items()
            },
        }
        return _sha(json.dumps(material, sort_keys=True).encode())

    def _file(self, page: Page) -> Path:
        return self.folder / (page.name.replace("/", "__") + ".json")

    def load(self, page: Page, key: str) -> list[Result] | None:
        """The page's results stored under ``key``, or None."""
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
        payload = [r.to_json() for r in results]
        entry = {
            "key": key,
            "page": page.name,
            "digest": _sha(json.dumps(payload, sort_keys=True).encode()),
            "results": payload,
        }
        write_atomically(self._file(page), json.dumps(entry))

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
        for path in self.folder.glob(".*.json.*"):
            try:
                if time.time() - path.stat().st_mtime > grace:
                    path.unlink(missing_ok=True)
                    removed.append(path)
            except OSError:
                continue
        return removed
