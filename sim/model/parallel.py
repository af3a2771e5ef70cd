"""Quota levels in groups and in worker processes.

Draws never depend on the quota level and every level's arrays evolve
independently, so a run split by level into groups, each simulated on its
own, merges into exactly (bit for bit) the result of one run over all levels.
Groups bound memory (at most :data:`GROUP_CELLS` level-replications are
simulated at once) and spread work over worker processes, forked where the
platform allows it; elsewhere the groups run one after another.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from sim.lifeline import adopt_forked, lifeline
from sim.model.levels import YearSlabs
from sim.model.state import release_free_memory

GROUP_CELLS = 100_000  # level-replications simulated at once (about 0.8 GB at the peak, baseline)
PARALLEL_CELLS = 10_000  # below this a run is quicker in one process than split
LEVEL_AXIS_FIELDS = ("replicates", "conservation", "kept")


def available_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether worker processes can be forked here."""
    return "fork" in multiprocessing.get_all_start_methods()


def idle_cpus() -> int:
    """CPUs not busy with other work, judged by the 1-minute load average (at least 1).

    On a machine already busy, extra workers only add to the contention: each
    repeats the levels' shared months, so splitting costs some CPU time.
    """
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on this platform
        load = 0.0
    return max(1, int(available_cpus() - load + 0.5))


def auto_workers(replications: int, levels: int) -> int:
    """Default worker count: one per idle CPU (at most one per level) for a large run, else 1.

    Workers run at once, so together they stay within :data:`GROUP_CELLS`
    level-replications: a run too large for that runs its groups one after
    another in one process, bounding the memory of the whole process tree.
    """
    if levels < 2 or replications * levels < PARALLEL_CELLS or not can_fork():
        return 1
    return max(1, min(idle_cpus(), levels, GROUP_CELLS // max(replications, 1)))


def level_groups(levels: list[str], replications: int, workers: int) -> list[list[str]]:
    """Contiguous groups of levels: one per worker at least, each within GROUP_CELLS."""
    per_group = max(1, GROUP_CELLS // max(replications, 1))
    parts = min(len(levels), max(workers, math.ceil(len(levels) / per_group)))
    size, extra = divmod(len(levels), parts)
    groups, start = [], 0
    for part in range(parts):
        stop = start + size + (part < extra)
        groups.append(levels[start:stop])
        start = stop
    return groups


def run_grouped(task: Callable, levels: list[str], replications: int, workers: int):
    """``task(levels, shared)`` for every level group, merged as one result over all levels.

    ``shared`` is None or the first group's per-replication values (metric
    -> :class:`YearSlabs`), whose one-row years a task may hold instead of
    equal arrays of its own.
    """
    groups = level_groups(levels, replications, workers)
    if len(groups) == 1:
        return task(groups[0], None)
    workers = min(workers, len(groups)) if can_fork() else 1
    shares = [list(range(w, len(groups), workers)) for w in range(workers)]
    done = run_workers(lambda share: run_share(task, [groups[g] for g in share]), shares)
    ordered = [None] * len(groups)
    for share, results in zip(shares, done, strict=True):
        for g, result in zip(share, results, strict=True):
            ordered[g] = result
    del done
    merged = merge(ordered)
    release_free_memory()
    return merged


def run_share(task: Callable, groups: list[list[str]]) -> list:
    """``task(group)`` for each group in turn, holding the years levels share once.

    Per-replication values of a group done are kept as :class:`YearSlabs`:
    the years before the levels part are the same in every group, and each
    later group holds them as the first group's arrays.
    """
    results = []
    for group in groups:
        result = passed(task, group, results[0].replicates if results else None)
        result.replicates = {m: YearSlabs(v) for m, v in result.replicates.items()}
        if results:
            for metric, slabs in result.replicates.items():
                slabs.share(results[0].replicates[metric])
        results.append(result)
    return results


def passed(task: Callable, group: list[str], shared: dict | None = None):
    """Run ``task(group, shared)``, then return the memory its pass freed to the system."""
    result = task(group, shared)
    gc.collect()  # the finished Model is held in reference cycles (its processes' frames)
    release_free_memory()
    return result


def run_workers(job: Callable, shares: list) -> list:
    """``job(share)`` for each share: the first here, the others in forked children."""
    if len(shares) == 1:
        return [job(shares[0])]
    context = multiprocessing.get_context("fork")
    sys.stdout.flush()  # a child must not inherit (and flush again) buffered output
    sys.stderr.flush()
    children = []
    try:
        for share in shares[1:]:
            receiver, sender = context.Pipe(duplex=False)
            child = context.Process(target=_child, args=(job, share, sender, lifeline()),
                                    daemon=True)
            child.start()
            sender.close()
            children.append((child, receiver))
        results = [job(shares[0])]
        results += [_collect(child, receiver) for child, receiver in children]
        return results
    finally:
        for child, receiver in children:
            receiver.close()
            if child.is_alive():
                child.terminate()
            child.join()


def _child(job: Callable, share, sender, line=None) -> None:
    """Run ``job(share)`` in a worker and send back ("ok", result) or ("error", exception).

    ``line``: the parent's lifeline; the worker exits as soon as the parent dies.
    """
    if line is not None:
        adopt_forked(line)
    try:
        sender.send(("ok", job(share)))
    except BaseException as err:  # reported to the parent, which raises it
        try:
            sender.send(("error", err))
        except Exception:
            sender.send(("error", RuntimeError(f"worker failed: {err!r}")))
    finally:
        sender.close()


def _collect(child, receiver):
    """Return what a worker sent, re-raise its exception, or fail if it died."""
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


def merge(results: list):
    """One result over all levels from per-group results, in group order.

    Per-level arrays are joined one at a time and dropped from the group
    results as they go, so the merge holds little more than its output.
    """
    first = results[0]
    merged = {}
    for name in LEVEL_AXIS_FIELDS:
        parts = [getattr(r, name) for r in results]
        merged[name] = {key: np.concatenate([as_array(part.pop(key)) for part in parts])
                        for key in list(parts[0])}
    return replace(first, rows=interleave([r.rows for r in results],
                                          [len(r.levels) for r in results]),
                   levels=[level for r in results for level in r.levels], **merged)


def as_array(values) -> np.ndarray:
    """Return per-level values as an array, from :class:`YearSlabs` if need be."""
    return values.array() if isinstance(values, YearSlabs) else values


def interleave(row_lists: list[list[tuple]], sizes: list[int]) -> list[tuple]:
    """Merge rows emitted per group (``size`` levels per row block) into one run's order.

    A run emits, for each (metric, region, period), one row per level, in level
    order; every group emits the same blocks in the same order.
    """
    blocks = {len(rows) // size for rows, size in zip(row_lists, sizes, strict=True)}
    if len(blocks) != 1:
        raise RuntimeError("level groups emitted different numbers of summary rows")
    merged = []
    for b in range(blocks.pop()):
        parts = [rows[b * size:(b + 1) * size] for rows, size in
                 zip(row_lists, sizes, strict=True)]
        if len({(row.metric, row.region, row.period) for part in parts for row in part}) != 1:
            raise RuntimeError("level groups emitted summary rows in different orders")
        for part in parts:
            merged.extend(part)
    return merged
