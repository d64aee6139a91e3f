"""How a page's thread count fares on a busy machine.

    .venv/bin/python bench/threads.py [PAGE] [--threads 1 2] [--busy 0 1]

Runs ``snippets/<PAGE>.py`` (default: xor) as a fresh process with each
``OMP_NUM_THREADS``, first alone, then beside ``--busy`` processes that each
spin on a core, and prints the wall seconds of each run. OpenMP threads wait
for each other at every parallel region; on an oversubscribed machine one of
them is often descheduled, so a small model with two threads can take many
times as long as with one. The engine's ``threads`` setting is sized by this.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPIN = "import time\nend = time.monotonic() + 900\nwhile time.monotonic() < end: pass"


def run_page(page: str, threads: int) -> float:
    """Wall seconds of ``snippets/<page>.py`` with ``threads`` threads."""
    from listings import Project
    from listings.run import support

    project = Project.from_root(ROOT)
    files = support(
        project.load(project.docs_dir / f"{page}.md"), ROOT, project.settings
    )
    env = {**os.environ, "MPLBACKEND": "Agg"}
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    with tempfile.TemporaryDirectory(prefix="threads-") as folder:
        for name, text in files.items():
            (Path(folder) / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(folder) / name).write_text(text, encoding="utf-8")
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "snippets" / f"{page}.py")],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            check=True,
            timeout=1800,
        )
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("page", nargs="?", default="xor")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--busy", type=int, nargs="+", default=[0, 1])
    args = parser.parse_args()
    print(f"{args.page}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    for busy in args.busy:
        spinners = [
            subprocess.Popen([sys.executable, "-c", SPIN], start_new_session=True)
            for _ in range(busy)
        ]
        try:
            for threads in args.threads:
                seconds = run_page(args.page, threads)
                print(f"  {busy} busy, {threads} thread(s): {seconds:6.1f} s")
        finally:
            for spinner in spinners:
                os.killpg(spinner.pid, signal.SIGKILL)
                spinner.wait()


if __name__ == "__main__":
    main()
