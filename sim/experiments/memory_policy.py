"""The process-wide memory policy: chipsim's one change to the C allocator.

Nothing in the model changes the allocator: building or running a Model
leaves glibc as the process found it. The one exception is a Dask worker,
whose environment Dask sets to a slow allocator; :func:`restore_malloc`
undoes that, once per worker process, before its first batch
(:func:`sim.experiments.evaluators.dask_batch`).

Measured (``benchmarks/bench_malloc.py``: four 5,000-replication ensembles
in one process, two runs of two repeats, December 2026, 2 shared cores): with
Dask's ``MALLOC_TRIM_THRESHOLD_=65536`` 2.71-2.94 s CPU and 155,000-183,000
minor page faults; restored 2.39-2.58 s and 12,000 faults; without the
variable (a local pool's worker) 2.37-2.80 s and 19,000-25,000. Peak RSS is
the same in all three (147 MiB). It pays (about 10-15% CPU under Dask), so it
stays, here.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys


@functools.cache
def restore_malloc() -> bool:
    """Undo, in a Dask worker, the glibc setting that makes this model slower (see above).

    Dask starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``; setting it turns
    off glibc's adaptive mmap threshold, so every large numpy array is mapped
    and unmapped afresh (page faults). Fixed thresholds at glibc's adaptive
    ceiling (32 MiB mmap, 64 MiB trim) restore the speed. Runs once a process.
    """
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    mmap_threshold, trim_threshold = -3, -1  # mallopt parameter numbers (malloc.h)
    return bool(
        libc.mallopt(mmap_threshold, 32 * 2**20) and libc.mallopt(trim_threshold, 64 * 2**20)
    )
