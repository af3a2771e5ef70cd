"""Per-replication results of level groups run apart, holding equal years once.

A run split by quota level into groups (:mod:`sim.model.parallel`) gives each
group's national per-replication values per year. Years before the levels
part are the same in every group, bit for bit, so later groups hold those
years as the first group's arrays.
"""

from __future__ import annotations

import numpy as np


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

    def same_year(self, year: int, values: np.ndarray) -> np.ndarray:
        """Return ``values`` for ``year``, or the held array when it has the same bits."""
        if year >= len(self.slabs):
            return values
        theirs = self.slabs[year]
        if (theirs.shape == values.shape and theirs.dtype == values.dtype
                and np.array_equal(theirs.view(np.uint8), values.view(np.uint8))):
            return theirs
        return values

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
