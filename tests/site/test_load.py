"""A page passes on a busy machine: its worker's threads (the ``threads``
setting) do not wait for each other behind another process, so its time
limits hold. bench/threads.py measures the difference; this runs a real page
beside processes that keep every core busy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from conftest import REPO

from listings import Project, problems

# Busy for at most ten minutes, if the test's own cleanup never ran.
SPIN = "import time\nend = time.monotonic() + 600\nwhile time.monotonic() < end: pass"


def test_a_page_passes_while_other_processes_keep_every_core_busy():
    spinners = [
        subprocess.Popen([sys.executable, "-c", SPIN], start_new_session=True)
        for _ in range(os.cpu_count() or 1)
    ]
    try:
        project = Project.from_root(REPO)
        # XOR trains small models for thousands of steps, under its limits.
        page = project.load(REPO / "docs" / "xor.md")
        [outcome] = project.run([page], cache=None)
    finally:
        for spinner in spinners:
            os.killpg(spinner.pid, signal.SIGKILL)
            spinner.wait()
    found = [
        problem
        for listing, result in zip(page.listings, outcome.results, strict=True)
        for problem in problems(listing, result, REPO)
    ]
    assert found == []
