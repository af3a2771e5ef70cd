"""CPU time and peak memory of ``chipsim run`` here against another checkout, interleaved.

Issue 18 allowed the market that clears at most 1.3x the CPU of the model
before it at 4 quota levels x 10,000 replications. CPU time (user + system of
the child process) is the steadier figure on a shared machine; runs of the two
checkouts alternate so load drifts hit both alike. Usage::

    git worktree add /tmp/before <commit>
    python benchmarks/bench_against.py /tmp/before [--runs 3] [--reps 10000]

Each run is ``python -m sim run scenarios/baseline.toml --workers 1
--explain-reps 0`` at the levels announced, 0.5, 0.7 and 1.0, started in the
checkout's own directory (so it imports that checkout's ``sim``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
LEVELS = ("announced", "0.5", "0.7", "1.0")


# A wrapper process runs chipsim and reports its own children's usage, so each
# run's peak memory is its own (RUSAGE_CHILDREN keeps the largest child ever).
WRAPPER = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
    "capture_output=True); u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(u.ru_utime + u.ru_stime, u.ru_maxrss)"
)


def one_run(root: Path, reps: int, levels: tuple[str, ...]) -> tuple[float, float]:
    """CPU seconds and peak RSS (MB) of one run started in ``root``."""
    quota = [arg for level in levels for arg in ("--quota", level)]
    with tempfile.TemporaryDirectory() as out:
        command = [
            sys.executable,
            "-m",
            "sim",
            "run",
            "scenarios/baseline.toml",
            "--reps",
            str(reps),
            *quota,
            "--workers",
            "1",
            "--explain-reps",
            "0",
            "--out",
            str(Path(out) / "run"),
            "--force",
        ]
        done = subprocess.run(
            [sys.executable, "-c", WRAPPER, *command],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(root)},
        )
    cpu, peak_kb = done.stdout.split()
    return float(cpu), float(peak_kb) / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("against", type=Path, help="the other checkout's root")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reps", type=int, default=10_000)
    parser.add_argument(
        "--one-level", action="store_true", help="announced only (memory at large --reps)"
    )
    args = parser.parse_args()
    levels = LEVELS[:1] if args.one_level else LEVELS
    roots = {"here": HERE, "against": args.against.resolve()}
    cpu: dict[str, list[float]] = {name: [] for name in roots}
    peak: dict[str, list[float]] = {name: [] for name in roots}
    for _ in range(args.runs):
        for name, root in roots.items():
            seconds, megabytes = one_run(root, args.reps, levels)
            cpu[name].append(seconds)
            peak[name].append(megabytes)
    for name in roots:
        print(
            f"{name:8s} {roots[name]}: CPU {' '.join(f'{s:.2f}' for s in cpu[name])} s, "
            f"median {statistics.median(cpu[name]):.2f} s; peak RSS "
            f"{statistics.median(peak[name]):.0f} MB"
        )
    ratio = statistics.median(cpu["here"]) / statistics.median(cpu["against"])
    print(
        f"ratio here / against: {ratio:.2f} ({len(levels)} levels x {args.reps:,} reps, "
        f"load average {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
