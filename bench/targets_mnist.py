"""Time the MNIST and Lightning pages on one core and check their targets.

    .venv/bin/python bench/targets_mnist.py

Each page's snippet file runs as a fresh process (``python -P
snippets/<page>.py``, which prints exactly the page's outputs) with
``OMP_NUM_THREADS=1`` and, where the OS allows it, pinned to a single CPU, so
that the DDP section's two processes share that CPU too. The wall time
includes starting Python and importing torch. Exit status 1 if a target is
missed.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE_SECONDS = 20.0
MNIST_ACCURACY = 0.93
PAGES = ["mnist", "pytorch-lightning"]
ACCURACY = re.compile(r"^test accuracy (\d+\.\d)% on 1000 held-out digits$", re.M)


def _one_cpu() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def run(script: str) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds and stdout of ``python -P script`` on one core.

    CPU seconds (user + system, of the script and the processes it starts)
    do not grow when other work shares the machine; wall seconds do.
    """
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # -P: the script's own folder stays off sys.path, as the engine's does.
    done = subprocess.run(
        [sys.executable, "-P", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=_one_cpu,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        sys.exit(f"{script} failed:\n{done.stderr}")
    return seconds, cpu, done.stdout


def main() -> int:
    missed = 0
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'target':38} {'wall':>8} {'cpu':>8}  {'limit':>8}")
    outputs = {}
    for page in PAGES:
        seconds, cpu, outputs[page] = run(f"snippets/{page}.py")
        ok = seconds < PAGE_SECONDS
        missed += not ok
        label = f"{page} page, one core (s)"
        verdict = "ok" if ok else "MISSED"
        print(f"{label:38} {seconds:8.1f} {cpu:8.1f}  < {PAGE_SECONDS:6.0f}  {verdict}")
    # Two DDP processes and the page's own: no single-core target applies.
    seconds, cpu, _ = run("snippets/scaling.py")
    print(f"{'scaling page, 3 processes (s)':38} {seconds:8.1f} {cpu:8.1f}")
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
