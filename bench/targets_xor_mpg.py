"""Time the XOR and Auto MPG pages on one core and check their targets.

    .venv/bin/python bench/targets_xor_mpg.py

Each page's snippet file runs as a fresh process (``python -P
snippets/<page>.py``, which prints exactly the page's outputs) with
``OMP_NUM_THREADS=1`` and, where the OS allows it, pinned to a single CPU.
The wall time includes starting Python and importing torch; the CPU time
(user + system) is shown beside it, since on a busy machine the wall time
also counts waiting for the CPU. The targets are read from the pages' own
output: the XOR model's final validation accuracy and the Auto MPG test MAE.
Exit status 1 if a target is missed.
"""

from __future__ import annotations

import re
import sys

from onecore import run

PAGE_SECONDS = 20.0
XOR_ACCURACY = 0.95
MPG_MAE = 2.12
XOR_FINAL = re.compile(r"^final validation accuracy (\d+\.\d)%$", re.M)
MPG_FINAL = re.compile(r"^test MAE (\d+(?:\.\d+)?) mpg$", re.M)


def last_number(pattern: re.Pattern, text: str) -> float:
    """The number in the last line that matches, or NaN (a missed target)."""
    found = pattern.findall(text)
    return float(found[-1]) if found else float("nan")


def xor_accuracy(stdout: str) -> float:
    """The final validation accuracy of the XOR page's MLP, as a fraction."""
    return last_number(XOR_FINAL, stdout) / 100


def mpg_mae(stdout: str) -> float:
    """The Auto MPG page's test MAE, in mpg."""
    return last_number(MPG_FINAL, stdout)


def main() -> int:
    missed = 0
    print(f"{'target':38} {'measured':>10}  {'limit':>8}")
    runs = {page: run(page) for page in ("xor", "mpg")}
    for page, result in runs.items():
        ok = result.wall < PAGE_SECONDS
        missed += not ok
        label = f"{page} page, one core (s)"
        print(
            f"{label:38} {result.wall:10.1f}  < {PAGE_SECONDS:6.0f}  "
            f"{'ok' if ok else 'MISSED'}  (CPU {result.cpu:.1f} s)"
        )
    accuracy = xor_accuracy(runs["xor"].stdout)
    ok = accuracy >= XOR_ACCURACY
    missed += not ok
    print(
        f"{'XOR MLP validation accuracy':38} {accuracy:10.1%}  "
        f">= {XOR_ACCURACY:5.0%}  {'ok' if ok else 'MISSED'}"
    )
    mae = mpg_mae(runs["mpg"].stdout)
    ok = mae <= MPG_MAE
    missed += not ok
    print(
        f"{'Auto MPG test MAE (mpg)':38} {mae:10.4g}  "
        f"<= {MPG_MAE:5.2f}  {'ok' if ok else 'MISSED'}"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
