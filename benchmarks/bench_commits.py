"""Compare the same ``chipsim run`` across checkouts (worktrees of other commits), interleaved.

For attributing a CPU regression on a shared machine: each round runs the
command once in every tree, in turn (A, B, C, A, B, C, ...), so load that
changes over time falls on all trees alike; each round's tree order rotates so
none is always first. Per tree it prints the median wall s, median CPU s (user +
system of the whole process tree, workers included), median peak RSS (MB, the
largest single process, via ``child.measure_alone``) and n.

Every command runs with the tree as working directory and first on PYTHONPATH,
so ``-m sim`` imports that tree's ``sim`` (checked before timing). The default
command is the baseline at 4 quota levels x 10,000 replications, seed 3,
``--explain-reps 0``, as in bench_limit.py. Usage::

    python benchmarks/bench_commits.py /work/bisect-d40ba2d /work/sp22 [--runs 5]
        [--workers N] [--extra=--explain-reps=1000] [--raw]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import child  # benchmarks/child.py: this script's folder is on sys.path

LEVELS = ["--quota", "0.5", "--quota", "0.7", "--quota", "0.9", "--quota", "1.0"]


def label(tree: Path) -> str:
    """The tree's short commit hash (+ if sim/ has uncommitted changes) and its folder name."""
    head = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short=7", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(tree), "diff", "--quiet", "HEAD", "--", "sim"], check=False
    ).returncode
    return f"{head}{'+' if dirty else ''} ({tree.name})"


def check_import(tree: Path) -> None:
    """Fail unless ``import sim`` in the tree resolves to the tree's own package."""
    found = subprocess.run(
        [sys.executable, "-c", "import sim; print(sim.__file__)"],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(tree)},
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"{tree}: import sim gives {found}")


def command(out: str, workers: int | None, extra: list[str]) -> list[str]:
    """The timed ``chipsim run`` writing into ``out``."""
    args = [
        sys.executable,
        "-m",
        "sim",
        "run",
        "scenarios/baseline.toml",
        "--reps",
        "10000",
        *LEVELS,
        "--seed",
        "3",
        "--explain-reps",
        "0",
        "--force",
        "--out",
        out,
        *extra,
    ]
    return args + (["--workers", str(workers)] if workers else [])


def main() -> None:
    """Run the command ``--runs`` rounds across the trees and print medians per tree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--extra",
        action="append",
        default=[],
        help="one more chipsim run argument (repeatable; '=' splits)",
    )
    parser.add_argument("--raw", action="store_true", help="print every run as it ends")
    opts = parser.parse_args()
    trees = [t.resolve() for t in opts.trees]
    extra = [part for arg in opts.extra for part in arg.split("=", 1)]
    for tree in trees:
        check_import(tree)
    got: dict[Path, list[tuple[float, float, float]]] = {t: [] for t in trees}
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(opts.runs):
            shift = round_ % len(trees)
            for tree in trees[shift:] + trees[:shift]:
                out = f"{tmp}/{trees.index(tree)}"
                result = child.measure_alone(command(out, opts.workers, extra), tree)
                got[tree].append(result)
                if opts.raw:
                    print(
                        f"  {round_} {tree.name:<16} wall {result[0]:6.2f}  "
                        f"CPU {result[1]:6.2f}  RSS {result[2]:5.0f}",
                        flush=True,
                    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"{'tree':<28} {'CPU s':>7} {'min':>6} {'wall s':>7} {'RSS MB':>7} {'n':>3}")
    for tree, values in got.items():
        cpus = [c for _, c, _ in values]
        print(
            f"{label(tree):<28} {statistics.median(cpus):>7.2f} {min(cpus):>6.2f} "
            f"{statistics.median(w for w, _, _ in values):>7.2f} "
            f"{statistics.median(m for _, _, m in values):>7.0f} {len(values):>3}"
        )


if __name__ == "__main__":
    main()
