"""Small file helpers the engine and its adapters share."""

from __future__ import annotations

import os
import tempfile
from functools import cache
from importlib import metadata
from pathlib import Path


def write_atomically(path: Path, content: str | bytes) -> None:
    """Replace ``path`` with ``content`` whole (text as UTF-8, line ends as
    given): a reader never sees a half-written file, and a failed write
    leaves no temporary file behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, content: str | bytes) -> bool:
    """``write_atomically`` unless the file already holds ``content`` (its
    time stamp then stays); whether it wrote."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        if Path(path).read_bytes() == data:
            return False
    except OSError:
        pass
    write_atomically(path, data)
    return True


@cache
def version(distribution: str) -> str:
    """An installed distribution's version ("absent" if it is not installed);
    it cannot change under a running process."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"
