"""Time the PyTorch 2 pages on one core, cold; check each against 20 s.

    .venv/bin/python bench/targets_pytorch2.py

Each page's snippet file runs as a fresh process on one CPU with
``OMP_NUM_THREADS=1`` (see onecore.py). The torch.compile page runs with an
empty Inductor cache of its own, so its kernels are compiled as on a fresh
machine. The limit is on CPU seconds, which other work on the machine does
not inflate; the wall seconds are shown beside them. Exit status 1 if a page
misses it.
"""

from __future__ import annotations

import os
import sys
import tempfile

from onecore import run

PAGE_SECONDS = 20.0
PAGES = ["dispatch", "autograd-memory", "func", "mixed-precision", "compile"]


def main() -> int:
    missed = 0
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'target':38} {'wall':>8} {'cpu':>8}  {'limit':>8}")
    for page in PAGES:
        with tempfile.TemporaryDirectory(prefix="inductor-") as cache:
            done = run(page, env={"TORCHINDUCTOR_CACHE_DIR": cache})
        ok = done.cpu < PAGE_SECONDS
        missed += not ok
        label = f"{page} page, one core, cold (s)"
        verdict = "ok" if ok else "MISSED"
        print(
            f"{label:38} {done.wall:8.1f} {done.cpu:8.1f}  "
            f"< {PAGE_SECONDS:6.0f}  {verdict}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
