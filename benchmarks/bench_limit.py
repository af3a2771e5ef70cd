"""chipsim against the numpy limit (../shared/perf/numpy_limit.py), as the perf README asks.

Whole processes, alternating, median of N: ``chipsim run`` of the baseline at 4
quota levels x 10,000 replications (seed 3), with its default explanation and
with ``--explain-reps 0``, and the vectorised numpy toy for the same work.
Prints wall and CPU seconds (children's user + system), each ratio to the
toy's CPU time, and chipsim's peak RSS. Usage::

    python benchmarks/bench_limit.py [--runs 3]
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
PERF = ROOT.parent / "shared" / "perf"
LEVELS = ["--quota", "0.5", "--quota", "0.7", "--quota", "0.9", "--quota", "1.0"]
TOY = (
    "import sys; sys.path.insert(0, {perf!r}); import numpy_limit as pm; "
    "[pm.run_numpy(10000, s, s) for s in range(4)]"
)


def measure(args: list[str]) -> tuple[float, float, float]:
    """Wall s, CPU s and peak RSS (MB) of one child process, which must succeed."""
    return child.measure(args, ROOT)


def main() -> None:
    """Alternate the three commands ``--runs`` times and print medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        chipsim = [
            sys.executable,
            "-m",
            "sim",
            "run",
            "scenarios/baseline.toml",
            "--reps",
            "10000",
            "--seed",
            "3",
            *LEVELS,
            "--force",
            "--out",
            f"{tmp}/perf",
        ]
        commands = {
            "chipsim run (explained)": chipsim,
            "chipsim run --explain-reps 0": [*chipsim, "--explain-reps", "0"],
            "numpy limit": [sys.executable, "-c", TOY.format(perf=str(PERF))],
        }
        got: dict[str, list[tuple[float, float, float]]] = {k: [] for k in commands}
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        for _ in range(runs):
            for name, args in commands.items():
                got[name].append(measure(args))
    toy = statistics.median(c for _, c, _ in got["numpy limit"])
    print(f"4 levels x 10,000 replications, median of {runs}")
    print(f"{'command':<30} {'wall s':>7} {'CPU s':>7} {'CPU / limit':>12}")
    for name, values in got.items():
        wall = statistics.median(w for w, _, _ in values)
        cpu = statistics.median(c for _, c, _ in values)
        print(f"{name:<30} {wall:>7.2f} {cpu:>7.2f} {cpu / toy:>11.2f}x")
    print(
        f"peak RSS of any child: {max(m for v in got.values() for _, _, m in v):.0f} MB; "
        f"load average after: {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
