"""Scale goals of issue 19: memory and time as replications and levels grow.

Each configuration is one ``chipsim run`` of the baseline (``--explain-reps
0``) in a fresh process, run ``--runs`` times (median); prints wall and CPU
seconds, peak RSS of the largest process and CPU per 1,000
level-replications. ``--root`` measures another checkout (e.g. main before
a change, via ``git worktree``); options it lacks are left out. Usage::

    python benchmarks/bench_scale.py                       # 10k x 5, 100k x 5, 100k x 1
    python benchmarks/bench_scale.py --only 1M --runs 1    # 1,000,000 x 1 (a few minutes)
    python benchmarks/bench_scale.py --only 10M --runs 1   # 10,000,000 x 1 (about 30 minutes)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import child  # benchmarks/child.py: this script's folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
FIVE: tuple[str, ...] = ()  # the baseline's own five levels
ONE = ("announced",)
CONFIGS = {  # name: (replications, levels, workers; None: chipsim's default)
    "10k x 5": (10_000, FIVE, 1),
    "100k x 5": (100_000, FIVE, 1),
    "100k x 1": (100_000, ONE, 1),
    "4 x 10k": (10_000, ("0.5", "0.7", "0.9", "1.0"), 1),
    "4 x 10k default workers": (10_000, ("0.5", "0.7", "0.9", "1.0"), None),
    "1M": (1_000_000, ONE, 1),
    "10M": (10_000_000, ONE, None),
}
DEFAULT = ("4 x 10k", "4 x 10k default workers", "10k x 5", "100k x 5", "100k x 1")


def command(reps: int, levels: tuple[str, ...], workers: int | None, out: str) -> list[str]:
    """The chipsim run of one configuration."""
    quota = [arg for level in levels for arg in ("--quota", level)]
    extra = [] if workers is None else ["--workers", str(workers)]
    return [
        sys.executable,
        "-m",
        "sim",
        "run",
        "scenarios/baseline.toml",
        "--reps",
        str(reps),
        *quota,
        *extra,
        "--explain-reps",
        "0",
        "--seed",
        "3",
        "--force",
        "--out",
        out,
    ]


def main() -> None:
    """Measure the chosen configurations and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", action="append", choices=sorted(CONFIGS))
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument(
        "--tree",
        action="store_true",
        help="peak of the whole process tree (workers summed), sampled each second",
    )
    args = parser.parse_args()
    print(
        f"{'configuration':<26} {'wall s':>8} {'CPU s':>8} "
        f"{'tree MB' if args.tree else 'peak MB':>8} "
        f"{'CPU ms / 1k level-reps':>23}"
    )
    for name in args.only or DEFAULT:
        reps, levels, workers = CONFIGS[name]
        got = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                measure = child.measure_tree if args.tree else child.measure_alone
                got.append(
                    measure(command(reps, levels, workers, f"{tmp}/run"), args.root.resolve())
                )
        wall, cpu, peak = (statistics.median(v) for v in zip(*got, strict=True))
        cells = reps * (len(levels) or 5)
        print(f"{name:<26} {wall:>8.2f} {cpu:>8.2f} {peak:>8.0f} {cpu / cells * 1e6:>23.1f}")


if __name__ == "__main__":
    main()
