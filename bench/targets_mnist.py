"""Time the MNIST, Lightning, scaling and DDP pages on one core; check their targets.

    .venv/bin/python bench/targets_mnist.py

Each page's snippet file runs as a fresh process (``python -P
snippets/<page>.py``, which prints exactly the page's outputs) with
``OMP_NUM_THREADS=1`` and, where the OS allows it, pinned to a single CPU, so
that the DDP script and its two workers share that CPU too. The wall time
includes starting Python and importing torch. Exit status 1 if a target is
missed.
"""

from __future__ import annotations

import os
import re
import sys

from onecore import run

PAGE_SECONDS = 20.0
MNIST_ACCURACY = 0.93
PAGES = ["mnist", "pytorch-lightning", "scaling", "ddp"]
ACCURACY = re.compile(r"^test accuracy (\d+\.\d)% on 1000 held-out digits$", re.M)


def main() -> int:
    missed = 0
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'target':38} {'wall':>8} {'cpu':>8}  {'limit':>8}")
    outputs = {}
    for page in PAGES:
        done = run(page)
        seconds, cpu, outputs[page] = done.wall, done.cpu, done.stdout
        ok = seconds < PAGE_SECONDS
        missed += not ok
        label = f"{page} page, one core (s)"
        verdict = "ok" if ok else "MISSED"
        print(f"{label:38} {seconds:8.1f} {cpu:8.1f}  < {PAGE_SECONDS:6.0f}  {verdict}")
    found = ACCURACY.findall(outputs["mnist"])
    accuracy = float(found[-1]) / 100 if found else float("nan")
    ok = accuracy >= MNIST_ACCURACY
    missed += not ok
    print(
        f"{'MNIST test accuracy, 1,000 digits':38} {accuracy:17.1%}  "
        f">= {MNIST_ACCURACY:5.0%}  {'ok' if ok else 'MISSED'}"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
