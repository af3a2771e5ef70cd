"""Where batches run: in this process, on a local process pool, or on a Dask cluster.

Every evaluator has one method, ``run(job, batches)``, yielding each batch's
result as it completes (any order). Results never depend on the evaluator:
a batch is a pure function of the job and its points, and callers store
results by batch index. A worker that dies costs only its batches, which are
run again (the local pool restarts; Dask reschedules a lost worker's tasks).
"""

from __future__ import annotations

import ctypes
import functools
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from sim import lifeline
from sim.experiments.batch import Batch, BatchResult, Job, run_batch

POOL_RESTARTS = 3  # a local pool whose workers keep dying gives up after this many restarts
DASK_RETRIES = 2  # retries of a batch that raised (a lost worker's tasks are rescheduled anyway)
CONNECT_TIMEOUT = "10s"  # how long to wait for a Dask scheduler to answer


class WorkerLost(RuntimeError):
    """Workers kept dying; the batches finished so far are kept."""


class Sequential:
    """Runs batches one after another in this process (``--workers 1``)."""

    name = "sequential"
    workers = 1

    def run(self, job: Job, batches: Iterable[Batch]) -> Iterator[BatchResult]:
        """Yield each batch's result in order."""
        for batch in batches:
            yield run_batch(job, batch)

    def close(self) -> None:
        """Nothing to release."""


class LocalPool:
    """A pool of worker processes on this machine, one per core by default."""

    name = "local pool"
    task = staticmethod(run_batch)  # what a worker runs for a batch

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1

    def _pool(self) -> ProcessPoolExecutor:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods
                                              else "spawn")
        if context.get_start_method() == "forkserver":
            context.set_forkserver_preload(["sim.experiments.batch"])
        # Workers exit when this process dies, however it dies (sim.lifeline).
        return ProcessPoolExecutor(self.workers, mp_context=context, initializer=lifeline.watch,
                                   initargs=(lifeline.lifeline(),))

    def run(self, job: Job, batches: Iterable[Batch]) -> Iterator[BatchResult]:
        """Yield results as batches complete; at most two batches per worker in flight."""
        pending, flying, restarts, finished = deque(batches), {}, 0, False
        pool = self._pool()
        try:
            while pending or flying:
                while pending and len(flying) < 2 * self.workers:
                    batch = pending.popleft()
                    flying[pool.submit(self.task, job, batch)] = batch
                done, _ = wait(flying, return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    batch = flying.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken = True
                        pending.appendleft(batch)
                        continue
                    yield result
                if broken:
                    restarts += 1
                    if restarts > POOL_RESTARTS:
                        raise WorkerLost(f"local workers died {restarts} times")
                    pending.extendleft(sorted(flying.values(), key=lambda b: -b.index))
                    flying.clear()
                    _stop(pool)
                    pool = self._pool()
            finished = True
        finally:
            _stop(pool, now=not finished)

    def close(self) -> None:
        """Nothing to release: each run owns its pool."""


def _stop(pool: ProcessPoolExecutor, now: bool = True) -> None:
    """Shut a pool down; with ``now``, end workers still busy (their batches are not stored)."""
    if not now:
        pool.shutdown(wait=True)
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


@functools.cache
def restore_malloc() -> bool:
    """Undo, in a Dask worker, the glibc setting that makes this model ~50% slower.

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
    return bool(libc.mallopt(mmap_threshold, 32 * 2**20) and libc.mallopt(trim_threshold,
                                                                         64 * 2**20))


def dask_batch(job: Job, batch: Batch) -> BatchResult:
    """Run one batch on a Dask worker (after ``restore_malloc``)."""
    restore_malloc()
    return run_batch(job, batch)


class DaskEvaluator:
    """Batches as tasks on a dask.distributed cluster (an address, or a LocalCluster)."""

    name = "dask"
    task = staticmethod(dask_batch)

    def __init__(self, client, cluster=None):
        self.client, self.cluster = client, cluster

    @classmethod
    def connect(cls, address: str, workers: int | None = None) -> DaskEvaluator:
        """Connect to ``tcp://HOST:PORT``, or start a LocalCluster on loopback for ``local``."""
        from distributed import Client, LocalCluster

        if address == "local":
            cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                   processes=True, host="127.0.0.1", dashboard_address=None)
            return cls(Client(cluster), cluster)
        try:
            return cls(Client(address, timeout=CONNECT_TIMEOUT))
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConnectionError(f"cannot reach the Dask scheduler at {address}: {exc}") from None

    @property
    def workers(self) -> int:
        """Workers the scheduler knows now."""
        return len(self.client.scheduler_info().get("workers", {}))

    def run(self, job: Job, batches: Iterable[Batch]) -> Iterator[BatchResult]:
        """Submit every batch; yield results as they complete."""
        from distributed import as_completed

        shared = self.client.scatter(job, broadcast=True, hash=False)
        futures = [self.client.submit(self.task, shared, batch, retries=DASK_RETRIES, pure=False,
                                      key=f"chipsim-batch-{batch.index}-{os.urandom(4).hex()}")
                   for batch in batches]
        try:
            for future in as_completed(futures):
                result = future.result()
                future.release()
                yield result
        finally:
            self.client.cancel([f for f in futures if not f.done()])

    def close(self) -> None:
        """Close the client, and the cluster when this evaluator started it."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make(workers: int | None = None, scheduler: str | None = None):
    """Choose the evaluator for ``--workers`` / ``--scheduler`` (default: a local pool)."""
    if scheduler:
        return DaskEvaluator.connect(scheduler, workers)
    if workers == 1:
        return Sequential()
    return LocalPool(workers)
