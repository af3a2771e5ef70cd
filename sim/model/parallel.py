"""Replication blocks in one process or in worker processes.

Blocks are the unit of parallel work (:mod:`sim.model.blocks`): each worker
simulates every ``workers``-th block and sends each result back as it is
done; the parent takes them in block order, so the merged result does not
depend on the worker count. Workers are forked where the platform allows;
elsewhere the blocks run one after another.

The default worker count is one per CPU this process may use (its CPU
affinity), at most one per block the run needs for memory, whatever the
machine's load: the count, and so the blocking and the CPU time, never
depend on what else runs. On a busy machine the workers
share the CPUs with that other work, so the wall time grows with the load
as any process's does.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.sharedctypes import Synchronized
from typing import Any, TypeVar

from sim.core.lifeline import adopt_forked, lifeline

B = TypeVar("B")  # a block of replications
T = TypeVar("T")  # what a job returns for a block

WAIT_POLL = 0.25  # seconds between progress reports while the parent waits for a worker
PARALLEL_CELLS = 10_000  # below this many level-replications a run is quicker in one process


def available_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether worker processes can be forked here."""
    return "fork" in multiprocessing.get_all_start_methods()


def default_workers(blocks: int) -> int:
    """One worker per CPU this process may use, at most one per block (1 without fork).

    ``blocks``: the blocks the run needs for memory. A run of one block is one
    process: splitting it for workers would add the spill of its rows to
    disk (about a quarter more CPU at 4 levels x 10,000 replications) for
    the wall time it saves; ``--workers`` asks for that explicitly.
    """
    if blocks < 2 or not can_fork():
        return 1
    return max(1, min(available_cpus(), blocks))


def workers_used(workers: int, blocks: int) -> int:
    """Return the processes :func:`run_blocks` uses: 1 means the blocks run in this one."""
    return min(workers, blocks) if can_fork() else 1


def shared_counter() -> Synchronized[int]:
    """Return an integer the forked workers can add to and the parent read (progress)."""
    return multiprocessing.get_context("fork").Value("q", 0)


def run_blocks(
    job: Callable[[B], T],
    blocks: list[B],
    workers: int,
    take: Callable[[B, T], None],
    waiting: Callable[[], None] | None = None,
) -> None:
    """``take(block, job(block))`` for every block, in block order.

    With ``workers`` > 1 (and fork available) the jobs run in that many
    forked workers; each sends its results as they are done. A result larger
    than the pipe's buffer (64 KiB) waits until the parent receives it, so
    a worker runs at most about one block ahead of the parent. ``waiting()``
    is called every WAIT_POLL seconds while the parent waits for a worker
    (to show progress).
    """
    workers = workers_used(workers, len(blocks))
    if workers <= 1:
        for block in blocks:
            take(block, job(block))
        return
    context = multiprocessing.get_context("fork")
    sys.stdout.flush()  # a child must not inherit (and flush again) buffered output
    sys.stderr.flush()
    children = []
    try:
        for w in range(workers):
            receiver, sender = context.Pipe(duplex=False)
            child = context.Process(
                target=_child, args=(job, blocks[w::workers], sender, lifeline()), daemon=True
            )
            child.start()
            sender.close()
            children.append((child, receiver))
        for index, block in enumerate(blocks):
            take(block, _collect(*children[index % workers], waiting))
    finally:
        for child, receiver in children:
            receiver.close()
            if child.is_alive():
                child.terminate()
            child.join()


def _child(
    job: Callable[[B], T], blocks: list[B], sender: Connection, line: Connection | None = None
) -> None:
    """Run ``job(block)`` for each block, sending ("ok", result) or ("error", exception).

    ``line``: the parent's lifeline; the worker exits as soon as the parent dies.
    """
    if line is not None:
        adopt_forked(line)
    try:
        for block in blocks:
            sender.send(("ok", job(block)))
    except BaseException as err:  # reported to the parent, which raises it
        try:
            sender.send(("error", err))
        except Exception:
            sender.send(("error", RuntimeError(f"worker failed: {err!r}")))
    finally:
        sender.close()


def _collect(
    child: BaseProcess, receiver: Connection, waiting: Callable[[], None] | None = None
) -> Any:
    """Return what a worker sent, re-raise its exception, or fail if it died.

    ``waiting()`` is called every WAIT_POLL seconds until the worker sends.
    """
    while waiting is not None and not receiver.poll(WAIT_POLL):
        waiting()
    try:
        status, payload = receiver.recv()
    except EOFError:
        child.join()
        if child.exitcode == -signal.SIGKILL:
            raise MemoryError("a worker process was killed (out of memory?)") from None
        raise RuntimeError(f"a worker process died (exit code {child.exitcode})") from None
    if status == "error":
        raise payload
    return payload
