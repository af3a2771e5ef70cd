"""State that outlives a month: stocks, and the quota levels' shared rows.

Every quantity the model carries from one month to the next lives in a stock
object defined here; actors hold stocks, not loose arrays, and never share
an array between them. One memory device lives here and nowhere else:

- *Shared level rows.* The quota level acts on the model only through the
  segments' quota paths, and no draw depends on it, so while every level's
  path is the same every level's state is the same, bit for bit. Stocks then
  hold one level row; when the paths part, :class:`LevelRows` gives every
  registered stock all its rows (a copy of the one row). Results equal those
  of holding every level from the start.

The process's allocator is left as it is: replication blocks
(:mod:`sim.model.blocks`) bound a run's memory, and the allocator tuning and
quarterly heap trims they replaced cost 0.4 s of system time in a 3 s run.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

import numpy as np


class Holder(Protocol):
    """What :class:`LevelRows` holds: it parts with the levels on ``expand``."""

    def expand(self, levels: int) -> None:
        """Take all ``levels`` level rows (from the one row they shared)."""


H = TypeVar("H", bound=Holder)


class Stock:
    """A stock with a level axis (or none) and the running totals that balance it.

    ``level`` has shape ``(..., level rows, R)`` (``level_axis`` names the
    level axis; None for a stock the quota cannot change). Invariant, checked
    by :meth:`imbalance`: ``level == added - taken`` up to rounding, and
    ``level >= 0``. Methods update ``level`` with exactly the arithmetic their
    docstrings give, so results do not depend on the bookkeeping. ``track``
    names the totals kept (True: both, False: none); a total not kept is None:
    the same levels, an array fewer to hold and update.
    """

    def __init__(
        self,
        shape: tuple[int, ...],
        level_axis: int | None = None,
        track: bool | tuple[str, ...] = True,
    ):
        kept = ("added", "taken") if track is True else track or ()
        self.level = np.zeros(shape)
        self.added = np.zeros(shape) if "added" in kept else None
        self.taken = np.zeros(shape) if "taken" in kept else None
        self.level_axis = level_axis

    def put(self, amount: np.ndarray) -> None:
        """``level += amount`` (broadcast to the stock's shape)."""
        self.level += amount
        if self.added is not None:
            self.added += amount

    def put_row(self, index: int, amount: np.ndarray) -> None:
        """``level[index] += amount``: add to one row of the leading axis."""
        self.level[index] += amount
        if self.added is not None:
            self.added[index] += amount

    def take_fraction(self, fraction: np.ndarray) -> np.ndarray:
        """Take ``level * fraction`` out; return it (``level -= taken``)."""
        taken: np.ndarray = self.level * fraction
        self.level -= taken
        if self.taken is not None:
            self.taken += taken
        return taken

    def keep_fraction(self, keep: np.ndarray) -> None:
        """``level = level * keep``: the rest leaves (sold or used)."""
        before = self.level
        self.level = before * keep
        if self.taken is not None:
            self.taken += before - self.level

    def take(self, amount: np.ndarray | float) -> None:
        """``level = max(level - amount, 0)``: take ``amount``, or all there is.

        ``level`` becomes a new array (an old one handed out is not changed).
        """
        before = self.level
        after = before - amount
        self.level = np.maximum(after, 0.0, out=after)
        if self.taken is not None:
            self.taken += before - self.level

    def imbalance(self) -> np.ndarray:
        """Return ``added - taken - level``: zero up to rounding (the conservation check)."""
        if self.added is None or self.taken is None:
            raise ValueError("this stock keeps no totals (made with track=False)")
        return self.added - self.taken - self.level

    def expand(self, levels: int) -> None:
        """Repeat the single level row ``levels`` times (see :class:`LevelRows`)."""
        if self.level_axis is None:
            return
        for name in ("level", "added", "taken"):
            if getattr(self, name) is not None:
                setattr(self, name, np.repeat(getattr(self, name), levels, axis=self.level_axis))


class LevelRows:
    """How many level rows state arrays hold now: 1 while the quota levels agree.

    Stocks made through :meth:`stock` and holders passed to :meth:`hold` get
    every level's row when :meth:`part` runs (the model calls it at the
    start of the first month in which some quota path differs between levels).
    ``track`` False: stocks and backlogs keep no balancing totals unless the
    results need them (the model's runs; tests of the totals build their own).
    """

    def __init__(self, levels: int, part_step: int | None, track: bool = True):
        self.levels = levels
        self.part_step = part_step
        self.rows = levels if part_step == 0 or levels == 1 else 1
        self.holders: list[Holder] = []
        self.track = track  # stocks keep their balancing totals unless told otherwise

    def stock(
        self, *lead: int, replications: int, track: bool | tuple[str, ...] | None = None
    ) -> Stock:
        """Make a :class:`Stock` of shape ``(*lead, rows, R)`` that will part with the levels.

        ``track``: the stock's totals to keep (see :class:`Stock`; default: as
        :attr:`track` says).
        """
        track = self.track if track is None else track
        return self.hold(Stock((*lead, self.rows, replications), level_axis=len(lead), track=track))

    def hold(self, holder: H) -> H:
        """Register ``holder`` (it has ``expand(levels)``); return it."""
        self.holders.append(holder)
        return holder

    def part(self) -> None:
        """Give every holder all level rows."""
        if self.rows == self.levels:
            return
        for holder in self.holders:
            holder.expand(self.levels)
        self.rows = self.levels


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
