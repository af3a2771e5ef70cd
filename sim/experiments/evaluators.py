"""Where batches run: in this process, on a local process pool, or on a Dask cluster.

Every evaluator has ``run(job, batches)``, yielding each batch's result as it
completes (any order), and ``describe()``, what the manifest records about
it (kind, workers, workers actually used or lost). Results never depend on
the evaluator: a batch is a pure function of the job and its points, and
callers store results by batch index. A worker that dies at any moment costs
only its batches, which are run again (the local pool restarts; Dask
reschedules a lost worker's tasks). A Dask scheduler with no worker, or one
that loses them all, ends the run with ``NoWorkers`` instead of waiting forever.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from sim.core import lifeline
from sim.experiments.batch import Batch, BatchResult, Job, run_batch
from sim.experiments.execution import ExperimentError, Say, quiet
from sim.experiments.memory_policy import restore_malloc

POOL_RESTARTS = 3  # a local pool whose workers keep dying gives up after this many restarts
DASK_RETRIES = 2  # retries of a batch that raised (a lost worker's tasks are rescheduled anyway)
CONNECT_TIMEOUT = "10s"  # how long to wait for a Dask scheduler to answer
WORKER_WAIT = 30.0  # seconds a Dask run waits for a first worker, or for one after losing all
POLL = 1.0  # seconds between checks of the Dask cluster's workers while waiting for results


class WorkerLost(ExperimentError, RuntimeError):
    """Workers kept dying, or a cluster has none left; the batches finished so far are kept."""


class NoWorkers(WorkerLost):
    """A Dask scheduler with no worker to run the batches (none joined, or all were lost)."""


def cpu_count() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def capped(workers: int | None, say: Say = quiet) -> int | None:
    """``workers`` at most the CPU count, saying so when it was more (None stays None)."""
    cpus = cpu_count()
    if workers is not None and workers > cpus:
        say(
            f"note: --workers {workers} is more than the {cpus} CPUs here: using {cpus} "
            "(more processes than CPUs only add memory and switching)"
        )
        return cpus
    return workers


class Sequential:
    """Runs batches one after another in this process (``--workers 1``)."""

    name = "sequential"
    workers = 1

    def run(self, job: Job, batches: Iterable[Batch]) -> Iterator[BatchResult]:
        """Yield each batch's result in order."""
        for batch in batches:
            yield run_batch(job, batch)

    def describe(self) -> dict:
        """Kind and workers, for the manifest."""
        return {"kind": self.name, "workers": self.workers}

    def close(self) -> None:
        """Nothing to release."""


class LocalPool:
    """A pool of worker processes on this machine, one per core by default."""

    name = "local pool"
    task = staticmethod(run_batch)  # what a worker runs for a batch

    def __init__(self, workers: int | None = None):
        self.workers = workers or cpu_count()
        self.restarts = 0  # pool restarts after a worker died (over every run)

    def _pool(self) -> ProcessPoolExecutor:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if context.get_start_method() == "forkserver":
            context.set_forkserver_preload(["sim.experiments.batch"])
        # Workers exit when this process dies, however it dies (sim.core.lifeline).
        return ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=lifeline.watch,
            initargs=(lifeline.lifeline(),),
        )

    def run(self, job: Job, batches: Iterable[Batch]) -> Iterator[BatchResult]:
        """Yield results as batches complete; at most two batches per worker in flight.

        A worker may die at any moment, also while a batch is being submitted
        (``submit`` then raises BrokenProcessPool): every batch in flight goes
        back to the queue and a fresh pool runs it, up to POOL_RESTARTS times.
        """
        pending, restarts, finished = deque(batches), 0, False
        flying: dict[Future, Batch] = {}  # each batch in flight, by its future
        pool = self._pool()
        try:
            while pending or flying:
                broken = not self._fill(pool, job, pending, flying)
                if not broken:
                    done, _ = wait(flying, return_when=FIRST_COMPLETED)
                    results, broken = _collect(done, flying, pending)
                    yield from results
                if broken:
                    restarts += 1
                    self.restarts += 1
                    if restarts > POOL_RESTARTS:
                        raise WorkerLost(f"local workers died {restarts} times")
                    pending.extendleft(sorted(flying.values(), key=lambda b: -b.index))
                    flying.clear()
                    _stop(pool)
                    pool = self._pool()
            finished = True
        finally:
            _stop(pool, now=not finished)

    def _fill(self, pool, job: Job, pending: deque, flying: dict) -> bool:
        """Submit batches until two per worker fly; False when the pool broke meanwhile."""
        while pending and len(flying) < 2 * self.workers:
            batch = pending.popleft()
            try:
                flying[pool.submit(self.task, job, batch)] = batch
            except BrokenProcessPool:  # a worker died since the last results came back
                pending.appendleft(batch)
                return False
        return True

    def describe(self) -> dict:
        """Kind, workers and restarts after a worker died, for the manifest."""
        return {"kind": self.name, "workers": self.workers, "restarts": self.restarts}

    def close(self) -> None:
        """Nothing to release: each run owns its pool."""


def _collect(done, flying: dict, pending: deque) -> tuple[list[BatchResult], bool]:
    """Results of the finished futures; batches of a broken pool go back to ``pending``."""
    results, broken = [], False
    for future in sorted(done, key=lambda f: flying[f].index):
        batch = flying.pop(future)
        try:
            results.append(future.result())
        except BrokenProcessPool:
            broken = True
            pending.appendleft(batch)
    return results, broken


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


def dask_batch(job: Job, batch: Batch) -> BatchResult:
    """Run one batch on a Dask worker (after ``restore_malloc``)."""
    restore_malloc()
    return run_batch(job, batch)


def on_worker(task, job: Job, batch: Batch) -> tuple[BatchResult, str]:
    """Run ``task`` for a batch on a Dask worker; return its result and the worker's address."""
    from distributed import get_worker

    return task(job, batch), get_worker().address


class DaskEvaluator:
    """Batches as tasks on a dask.distributed cluster (an address, or a LocalCluster).

    ``used`` and ``lost`` collect the workers that returned a batch and the
    workers that left the cluster while batches were running.
    """

    name = "dask"
    task = staticmethod(dask_batch)

    def __init__(self, client, cluster=None, address: str = "local"):
        self.client, self.cluster, self.address = client, cluster, address
        self.started_with = self.workers
        self.used: set[str] = set()
        self.lost: set[str] = set()

    @classmethod
    def connect(cls, address: str, workers: int | None = None) -> DaskEvaluator:
        """Connect to ``tcp://HOST:PORT``, or start a LocalCluster on loopback for ``local``."""
        from distributed import Client, LocalCluster

        if address == "local":
            cluster = LocalCluster(
                n_workers=workers or cpu_count(),
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            return cls(Client(cluster), cluster)
        try:
            return cls(Client(address, timeout=CONNECT_TIMEOUT), address=address)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConnectionError(f"cannot reach the Dask scheduler at {address}: {exc}") from None

    def current(self) -> set[str]:
        """Addresses of the workers the scheduler knows now."""
        return set(self.client.scheduler_info().get("workers", {}))

    @property
    def workers(self) -> int:
        """Workers the scheduler knows now."""
        return len(self.current())

    def run(self, job: Job, batches: Iterable[Batch]) -> Iterator[BatchResult]:
        """Submit every batch; yield results as they complete (NoWorkers: none left)."""
        known = self._wait_for_workers("has no workers")
        try:
            shared = self.client.scatter(job, broadcast=True, hash=False)
        except TimeoutError:  # every worker left while the job was being sent
            raise NoWorkers(self._no_workers("lost all its workers")) from None
        futures = {
            self.client.submit(
                on_worker,
                self.task,
                shared,
                batch,
                retries=DASK_RETRIES,
                pure=False,
                key=f"chipsim-batch-{batch.index}-{os.urandom(4).hex()}",
            )
            for batch in batches
        }
        try:
            while futures:
                done, futures = _finished(futures)
                for future in done:
                    result, worker = future.result()
                    future.release()
                    self.used.add(worker)
                    yield result
                known = self._watch(known)
        except CancelledError:  # the scheduler dropped the batches: the job left with workers
            self._watch(known)
            raise WorkerLost(
                f"the Dask scheduler at {self.address} cancelled the batches "
                "(their shared data was lost with its workers)"
            ) from None
        except OSError as err:  # the scheduler went away (CommClosedError is an OSError)
            raise WorkerLost(
                f"lost contact with the Dask scheduler at {self.address}: {err}"
            ) from None
        finally:
            self.client.cancel([f for f in futures if not f.done()])

    def _watch(self, known: set[str]) -> set[str]:
        """Note workers that left; wait for a new one when none is left (else NoWorkers)."""
        now = self.current()
        self.lost |= known - now
        if not now:
            now = self._wait_for_workers("lost all its workers")
        return now

    def _wait_for_workers(self, what: str) -> set[str]:
        """Workers now, waiting up to WORKER_WAIT seconds for a first one."""
        try:
            self.client.wait_for_workers(1, timeout=WORKER_WAIT)
        except (TimeoutError, OSError):
            raise NoWorkers(self._no_workers(what)) from None
        return self.current()

    def _no_workers(self, what: str) -> str:
        """Say that the cluster has no workers, and what to do."""
        return (
            f"the Dask scheduler at {self.address} {what} (waited {WORKER_WAIT:g} s); "
            "start workers with `dask worker ADDRESS` (chipsim installed) and try again"
        )

    def describe(self) -> dict:
        """Kind, workers at the start, and the workers that ran batches or were lost."""
        return {
            "kind": self.name,
            "workers": self.started_with,
            "workers_used": sorted(self.used),
            "workers_lost": sorted(self.lost),
        }

    def close(self) -> None:
        """Close the client, and the cluster when this evaluator started it."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _finished(futures: set) -> tuple[set, set]:
    """Futures done within POLL seconds (maybe none) and those still pending."""
    from distributed import wait as dask_wait

    try:
        return dask_wait(futures, timeout=POLL, return_when="FIRST_COMPLETED")
    except TimeoutError:  # nothing finished yet: the caller checks the workers meanwhile
        return set(), futures


def make(workers: int | None = None, scheduler: str | None = None, say: Say = quiet):
    """Choose the evaluator for ``--workers`` / ``--scheduler`` (default: a local pool).

    ``--workers`` above the CPU count is capped (with a note) for local processes;
    for a remote scheduler it is not used. ExperimentError when the scheduler
    cannot be reached.
    """
    if scheduler and scheduler != "local":
        try:
            return DaskEvaluator.connect(scheduler)
        except ConnectionError as err:
            raise ExperimentError(str(err)) from None
    workers = capped(workers, say)
    if scheduler:
        return DaskEvaluator.connect(scheduler, workers)
    if workers == 1:
        return Sequential()
    return LocalPool(workers)
