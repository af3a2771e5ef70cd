"""One timed child process, shared by the benchmark scripts (imported from this folder)."""

from __future__ import annotations

import resource
import subprocess
import time
from pathlib import Path


def measure(args: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall s, CPU s (user + system) and peak RSS (MB) of one child, which must succeed.

    The peak is ``RUSAGE_CHILDREN``'s: the largest child this process has waited for.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   cwd=cwd)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024
