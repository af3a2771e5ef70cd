"""One timed child process, shared by the benchmark scripts (imported from this folder)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def measure(args: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall s, CPU s (user + system) and peak RSS (MB) of one child, which must succeed.

    The peak is ``RUSAGE_CHILDREN``'s: the largest child this process has waited for.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024


# A wrapper process runs the command and reports its own children's usage, so each
# run's peak memory is its own (RUSAGE_CHILDREN keeps the largest child ever waited for).
WRAPPER = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
    "capture_output=True); u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(u.ru_utime + u.ru_stime, u.ru_maxrss)"
)


def measure_alone(args: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall s, CPU s and peak RSS (MB) of one command, its peak its own (via a wrapper).

    The command runs with ``cwd`` first on PYTHONPATH, so ``-m sim`` imports that
    checkout. The peak is the largest single process of the command's tree.
    """
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(cwd)},
    )
    wall = time.perf_counter() - started
    cpu, peak_kb = done.stdout.split()
    return wall, float(cpu), float(peak_kb) / 1024.0


def tree_rss_mb(root: int) -> float:
    """Resident memory (MB) of process ``root`` and all its descendants now (Linux /proc)."""
    parents, rss = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent and p not in tree]
        tree.update(children)
        frontier += children
    return sum(rss.get(p, 0) for p in tree) / 2**20


def measure_tree(args: list[str], cwd: Path, every: float = 1.0) -> tuple[float, float, float]:
    """Wall s, CPU s and the peak summed RSS (MB) of a command's whole process tree.

    The tree's memory is sampled every ``every`` seconds (workers included), so a
    peak shorter than that may be missed; CPU is the tree's user + system time.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        args,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(cwd)},
    )
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss_mb(process.pid))
        time.sleep(every)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, args)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return time.perf_counter() - started, cpu, peak
