"""Run a page's snippet file as a fresh process on one CPU, timed.

Shared by the bench/targets_*.py scripts. CPU seconds (of the script and the
processes it starts) do not grow when other work shares the machine; wall
seconds do, so both are reported.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class PageRun:
    """One page's snippet file, run once: its times and what it printed."""

    page: str
    wall: float
    cpu: float
    stdout: str


def _one_cpu() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def run(page: str, env: dict | None = None, timeout: float = 600) -> PageRun:
    """Run ``snippets/<page>.py`` on one core, in a folder that holds the
    page's support files (as its notebook's folder does), with ``env`` added
    to the environment; raise if it fails or runs past ``timeout`` seconds
    (the child is killed)."""
    from listings import Project
    from listings.run import support

    project = Project.from_root(ROOT)
    files = support(
        project.load(project.docs_dir / f"{page}.md"), ROOT, project.settings
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg", **(env or {})}
    with tempfile.TemporaryDirectory(prefix="onecore-") as folder:
        for name, text in files.items():
            (Path(folder) / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(folder) / name).write_text(text, encoding="utf-8")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(ROOT / "snippets" / f"{page}.py")],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            preexec_fn=_one_cpu,
            timeout=timeout,
        )
        wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"snippets/{page}.py failed:\n{done.stderr[-3000:]}")
    return PageRun(page, wall, cpu, done.stdout)
