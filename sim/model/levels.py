"""Quota levels share one row of every array until their quota paths part.

The quota level acts on the model only through the segments' quota paths,
and draws never depend on it, so while every level's path is the same (for
the announced lever: until ``run.lever_start``) every level's state is the
same, bit for bit. The ensemble then advances one level row; in the month the
paths first differ, :class:`LevelSplit` copies that row to every level and
the levels go their own ways. Results are identical to advancing all levels
from the start.
"""

from __future__ import annotations

import numpy as np
import simpy

from sim.model.clock import PHASE


def first_divergence(targets: list[np.ndarray]) -> int | None:
    """First month at which some (levels, months) quota path differs between levels.

    None when the levels never differ. Paths are compared bit for bit.
    """
    if not targets:
        return None
    differ = np.zeros(targets[0].shape[1], dtype=bool)
    for target in targets:
        bits = np.ascontiguousarray(target, dtype=np.float64).view(np.int64)
        differ |= (bits != bits[:1]).any(axis=0)
    hits = np.flatnonzero(differ)
    return int(hits[0]) if hits.size else None


def shared_rows(split_step: int | None, levels: int) -> int:
    """Level rows the ensemble starts with: 1 while the levels agree, else all of them."""
    return levels if split_step == 0 else 1


class LevelSplit:
    """Gives every actor its full level axis at the end of the month before ``step``.

    Each actor in ``actors`` has ``expand_levels(levels)``, which repeats its
    single level row ``levels`` times.
    """

    def __init__(self, step: int | None, levels: int, actors: list):
        self.step = step
        self.levels = levels
        self.actors = actors

    def split(self, env: simpy.Environment, months: int):
        """SimPy process: wait for the split month, then expand every actor."""
        if self.step is None or self.step <= 0 or self.step >= months or self.levels == 1:
            return
        yield env.timeout(self.step - 1 + PHASE["split"])
        for actor in self.actors:
            actor.expand_levels(self.levels)


def repeat_level(values: np.ndarray, levels: int, axis: int) -> np.ndarray:
    """``values`` with its single level row (on ``axis``) repeated ``levels`` times."""
    return np.repeat(values, levels, axis=axis)


class YearSlabs:
    """Per-replication values (levels, R, years) held as one array per year.

    A year whose levels all hold the same values (every year before the
    levels part) is one (1, R) row; level groups simulated one after another
    hold such a year once, shared with the first group (:meth:`share`).
    """

    def __init__(self, values: np.ndarray):
        self.levels = values.shape[0]
        self.slabs = [uniform_rows(np.ascontiguousarray(values[..., y]))
                      for y in range(values.shape[-1])]

    def share(self, first: YearSlabs) -> None:
        """Hold each one-row year equal (bit for bit) to ``first``'s as ``first``'s array."""
        for y, (mine, theirs) in enumerate(zip(self.slabs, first.slabs, strict=True)):
            if (len(mine) == 1 and len(theirs) == 1 and mine.dtype == theirs.dtype
                    and np.array_equal(mine.view(np.uint8), theirs.view(np.uint8))):
                self.slabs[y] = theirs

    def array(self) -> np.ndarray:
        """Return the values as one (levels, R, years) array."""
        shape = (self.levels, self.slabs[0].shape[-1])
        return np.stack([np.broadcast_to(slab, shape) for slab in self.slabs], axis=-1)


def uniform_rows(values: np.ndarray) -> np.ndarray:
    """``values`` (levels, R), or its first row alone when every row holds the same bits."""
    first = values[:1].view(np.uint8)
    if all(np.array_equal(first[0], row) for row in values[1:].view(np.uint8)):
        return values[:1].copy()
    return values
