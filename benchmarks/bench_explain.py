"""Benchmark what the explanation costs: ``chipsim run`` with and without ``--explain-reps``.

Each figure is a fresh ``chipsim run`` of the baseline at its defaults (10,000
replications, five quota levels), as a user would run it, timed by wall
clock and by the CPU time of the child process; the median of N runs (and
the spread) is printed for the run without explanation (``--explain-reps 0``),
with the default explanation (1,000 replications) and with any other counts
asked for. The issue's goal: the default run at most twice the time of the
run without explanation. Usage::

    python benchmarks/bench_explain.py [--runs 5] [--reps 10000] [--explain 1000 ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

import child  # benchmarks/child.py: this script's folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "baseline.toml"


def one(reps: int, explain: int, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one ``chipsim run`` (which must succeed)."""
    args = [
        sys.executable,
        "-m",
        "sim",
        "run",
        str(SCENARIO),
        "--reps",
        str(reps),
        "--explain-reps",
        str(explain),
        "--out",
        str(out),
        "--force",
    ]
    wall, cpu, _peak = child.measure(args, ROOT)
    return wall, cpu


def main() -> None:
    """Time each configuration ``--runs`` times, interleaved, and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reps", type=int, default=10_000)
    parser.add_argument("--explain", type=int, nargs="*", default=[1000])
    options = parser.parse_args()
    counts = [0, *options.explain]
    times: dict[int, list[tuple[float, float]]] = {c: [] for c in counts}
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(options.runs):  # interleaved, so load drifts hit every count alike
            for count in counts:
                times[count].append(one(options.reps, count, Path(tmp) / f"run{count}"))
    base = statistics.median(w for w, _ in times[0])
    print(
        f"chipsim run, baseline, {options.reps:,} replications x 5 levels, median of {options.runs}"
    )
    print(f"{'explain reps':>13} {'wall s':>8} {'range':>13} {'CPU s':>7} {'x no-explain':>13}")
    for count in counts:
        walls = [w for w, _ in times[count]]
        cpu = statistics.median(c for _, c in times[count])
        wall = statistics.median(walls)
        print(
            f"{count:>13,} {wall:>8.2f} {min(walls):>6.2f}-{max(walls):<6.2f} {cpu:>7.2f} "
            f"{wall / base:>12.2f}x"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}; goal: default at most 2.00x")


if __name__ == "__main__":
    main()
