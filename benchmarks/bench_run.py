"""Benchmark ``chipsim run`` end to end and print the figures against the issue's targets.

Every figure is measured on a fresh ``chipsim`` process, as a user would run it:

* start-up: ``chipsim run --help`` (interpreter, imports, option parsing);
* wall time of ``chipsim run --reps 10000`` at four quota levels (start-up,
  loading, simulation and writing the run directory included), median of N;
* peak memory (RSS) of 100,000 replications, one level (``--quota announced
  --workers 1``) and all five levels (default workers): the largest single
  process (``getrusage(RUSAGE_CHILDREN)``) and, sampled from /proc, the whole
  process tree at once (workers included).

Timings on a shared machine are noisy: the script prints the spread of every
timing and the load average before and after.  Usage::

    python benchmarks/bench_run.py [--runs 3] [--quick] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "baseline.toml"
FOUR_LEVELS = ("announced", "0.5", "0.7", "1.0")
TARGET_WALL_S = 2.0
TARGET_RSS_MB = 300.0


def chipsim() -> list[str]:
    """The command that starts chipsim from this interpreter's environment."""
    script = Path(sys.executable).with_name("chipsim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim"]


def run_args(reps: int, levels: tuple[str, ...], out: Path, workers: int | None) -> list[str]:
    """Arguments of one ``chipsim run``."""
    args = [*chipsim(), "run", str(SCENARIO), "--reps", str(reps), "--out", str(out), "--force"]
    for level in levels:
        args += ["--quota", level]
    if workers is not None:
        args += ["--workers", str(workers)]
    return args


def timed(args: list[str]) -> float:
    """Wall time of one command, which must succeed."""
    started = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - started


def spread(times: list[float]) -> str:
    """Median with the best and worst of a list of timings."""
    return (
        f"median {statistics.median(times):.2f} s (best {min(times):.2f}, "
        f"worst {max(times):.2f}, n={len(times)})"
    )


WRAPPER = """
import json, resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(json.dumps(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
"""


def peak_rss(args: list[str]) -> tuple[float, float | None, float]:
    """Peak RSS in MB of a command: largest process, whole tree (sampled), and wall time.

    The command runs under a small wrapper process, so RUSAGE_CHILDREN covers
    that command and its workers only (ru_maxrss is in KiB on Linux).
    """
    started = time.perf_counter()
    wrapper = subprocess.Popen(
        [sys.executable, "-c", WRAPPER, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    tree = 0.0
    while wrapper.poll() is None:
        tree = max(tree, tree_rss_mb(wrapper.pid) or 0.0)
        time.sleep(0.02)
    out = wrapper.stdout.read()
    if wrapper.returncode:
        raise SystemExit(f"command failed: {' '.join(args)}")
    largest = json.loads(out.strip().splitlines()[-1]) / 1024
    return largest, (tree or None), time.perf_counter() - started


def tree_rss_mb(root: int) -> float | None:
    """Summed RSS of ``root``'s descendants (not ``root``), in MB; None off Linux."""
    proc = Path("/proc")
    if not proc.exists():
        return None
    parent, rss = {}, {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        parent[int(entry.name)] = int(stat[1])
        rss[int(entry.name)] = next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
        )
    total, todo = 0, [pid for pid, ppid in parent.items() if ppid == root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += [child for child, ppid in parent.items() if ppid == pid]
    return total / 1024


def verdict(value: float, target: float) -> str:
    """PASS when ``value`` is within ``target``."""
    return "PASS" if value <= target else "MISS"


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed repetitions (median)")
    parser.add_argument("--quick", action="store_true", help="10x fewer replications")
    parser.add_argument("--workers", type=int, default=None, help="pass --workers to chipsim")
    opts = parser.parse_args()
    scale = 10 if opts.quick else 1
    reps, big = 10_000 // scale, 100_000 // scale
    print(
        f"machine: {os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.2f}; "
        f"scenario {SCENARIO.relative_to(ROOT)}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        start = [timed([*chipsim(), "run", "--help"]) for _ in range(opts.runs)]
        print(f"start-up (chipsim run --help):          {spread(start)}")
        walls = [timed(run_args(reps, FOUR_LEVELS, out, opts.workers)) for _ in range(opts.runs)]
        wall = statistics.median(walls)
        print(f"run, {reps} reps x 4 levels, end to end:  {spread(walls)}")
        print(
            f"  = {reps / wall:,.0f} replications/s ({reps * 4 / wall:,.0f} "
            f"replication-levels/s) including start-up and writing"
        )
        model_s = json.loads((out / "manifest.json").read_text())["wall_time_s"]
        print(f"  last run's manifest wall_time_s (load + simulate): {model_s:.2f} s")
        one = peak_rss(run_args(big, ("announced",), out, 1))
        print(
            f"peak RSS, {big} reps x 1 level:  largest process {one[0]:.0f} MB, "
            f"process tree {one[1] or float('nan'):.0f} MB ({one[2]:.1f} s)"
        )
        five = peak_rss(run_args(big, ("announced", "0.5", "0.7", "0.9", "1.0"), out, opts.workers))
        print(
            f"peak RSS, {big} reps x 5 levels: largest process {five[0]:.0f} MB, "
            f"process tree {five[1] or float('nan'):.0f} MB ({five[2]:.1f} s)"
        )
    print(f"load average after {os.getloadavg()[0]:.2f}\n")
    rows = [
        (
            "wall, 10k reps x 4 levels (median)",
            f"< {TARGET_WALL_S:.1f} s",
            f"{wall:.2f} s",
            verdict(wall, TARGET_WALL_S),
        ),
        (
            "wall, 10k reps x 4 levels (best)",
            f"< {TARGET_WALL_S:.1f} s",
            f"{min(walls):.2f} s",
            verdict(min(walls), TARGET_WALL_S),
        ),
        (
            "peak RSS, 100k reps x 1 level",
            f"< {TARGET_RSS_MB:.0f} MB",
            f"{one[0]:.0f} MB",
            verdict(one[0], TARGET_RSS_MB),
        ),
        (
            "peak RSS, 100k reps x 5 levels",
            f"< {TARGET_RSS_MB:.0f} MB",
            f"{max(five[0], five[1] or 0):.0f} MB",
            verdict(max(five[0], five[1] or 0), TARGET_RSS_MB),
        ),
    ]
    if opts.quick:
        print("(--quick: 10x fewer replications; verdicts do not apply)")
    print(f"{'measure':<38}{'target':>10}{'measured':>12}  verdict")
    for name, target, measured, result in rows:
        print(f"{name:<38}{target:>10}{measured:>12}  {result}")


if __name__ == "__main__":
    main()
