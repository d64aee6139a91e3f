"""Time the XOR and Auto MPG pages on one core and check their targets.

    .venv/bin/python bench/targets_xor_mpg.py

Each page's snippet file runs as a fresh process (``python -P
snippets/<page>.py``, which prints exactly the page's outputs) with
``OMP_NUM_THREADS=1`` and, where the OS allows it, pinned to a single CPU.
The wall time includes starting Python and importing torch; the CPU time
(user + system) is shown beside it, since on a busy machine the wall time
also counts waiting for the CPU. The targets are read from the pages' own
output, on data that chose nothing: the XOR model's accuracy on the 100,000
fresh points of the square (not the 100 validation points that chose its
width and learning rate) and the Auto MPG test MAE on the 79 test cars. Each
is a sample estimate with an interval, so a target is "ok" when the estimate
meets it, "within interval" when it misses it but lies inside the estimate's
95% interval (the sample cannot tell them apart), and missed only when the
whole interval is on the wrong side. Exit status 1 if a target is missed.
"""

from __future__ import annotations

import re
import sys

from onecore import run

PAGE_SECONDS = 20.0
XOR_ACCURACY = 0.95
MPG_MAE = 2.12
XOR_FRESH = re.compile(
    r"^accuracy on the 100,000 fresh points (\d+\.\d)% \(SE (\d+\.\d+)%\)$", re.M
)
MPG_FINAL = re.compile(r"^test MAE (\d+(?:\.\d+)?) mpg$", re.M)
MPG_INTERVAL = re.compile(
    r"^bootstrap 95% interval (\d+\.\d+) to (\d+\.\d+) mpg$", re.M
)


def last_number(pattern: re.Pattern, text: str) -> float:
    """The number in the last line that matches, or NaN (a missed target)."""
    found = pattern.findall(text)
    return float(found[-1]) if found else float("nan")


def xor_accuracy(stdout: str) -> tuple[float, float, float]:
    """The XOR MLP's accuracy on the fresh points and its 95% interval, as
    fractions (NaN if the page did not print it)."""
    found = XOR_FRESH.findall(stdout)
    if not found:
        return (float("nan"),) * 3
    accuracy, se = (float(v) / 100 for v in found[-1])
    return accuracy, accuracy - 1.96 * se, accuracy + 1.96 * se


def mpg_mae(stdout: str) -> tuple[float, float, float]:
    """The Auto MPG page's test MAE and its bootstrap 95% interval, in mpg."""
    found = MPG_INTERVAL.findall(stdout)
    low, high = (float(v) for v in found[-1]) if found else (float("nan"),) * 2
    return last_number(MPG_FINAL, stdout), low, high


def verdict(value: float, low: float, high: float, target: float, above: bool):
    """'ok', 'within interval' or 'MISSED' for a target the value should be
    at or above (above=True) or at or below."""
    if value >= target if above else value <= target:
        return "ok"
    if low <= target <= high:
        return "within interval"
    return "MISSED"


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
    accuracy, low, high = xor_accuracy(runs["xor"].stdout)
    said = verdict(accuracy, low, high, XOR_ACCURACY, above=True)
    missed += said == "MISSED"
    print(
        f"{'XOR MLP accuracy, fresh points':38} {accuracy:10.1%}  "
        f">= {XOR_ACCURACY:5.0%}  {said}  (95% {low:.2%} to {high:.2%})"
    )
    mae, low, high = mpg_mae(runs["mpg"].stdout)
    said = verdict(mae, low, high, MPG_MAE, above=False)
    missed += said == "MISSED"
    print(
        f"{'Auto MPG test MAE (mpg)':38} {mae:10.4g}  "
        f"<= {MPG_MAE:5.2f}  {said}  (95% {low:.2f} to {high:.2f})"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
