"""Monthly paths built from dated anchors, evaluated one month at a time.

A path's ``at(t)`` is month ``t``'s value per replication, shape ``(R,)``.
Paths hold only the anchors the current month needs, never an ``(R, months)``
table, so memory does not grow with the run's length; anchors may be
deferred draws, made when their first month comes (a stream's draws do not
depend on when they are made). ``materialise`` builds the full table for
inspection. ``at`` returns a read-only view or a new array: callers never
modify it in place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from sim.core.calendar import Calendar

# an anchor (a number stands for every replication), or a function making it (a draw)
Row = np.ndarray | np.float64 | Callable[[], np.ndarray]


class MonthPath(Protocol):
    """A path of values month by month (what :func:`materialise` reads)."""

    def at(self, t: int) -> np.ndarray:
        """Month ``t``'s values, (R,)."""


def resolve(row: Row, count: int) -> np.ndarray:
    """Return an anchor as a read-only (R,) row, made now if it is deferred; no copies."""
    value = row() if callable(row) else row
    return np.broadcast_to(np.asarray(value, dtype=float), (count,))


def make_unused(rows: list[Row], used: set[int], count: int) -> None:
    """Make (and drop) the anchors no month uses, so every deferred draw is still made."""
    for i, row in enumerate(rows):
        if i not in used:
            resolve(row, count)


class YearSteps:
    """Each month takes its year's value; a year without one keeps the last.

    Years before the first given year take the first value (or ``before``,
    when given); no values at all give zeros. Anchors may be deferred
    (:data:`Row`): only the current one is held, made when its first month comes.
    """

    def __init__(
        self, cal: Calendar, values: dict[int, Row], count: int, before: float | None = None
    ):
        years = sorted(values)
        self.rows = [values[y] for y in years] or [np.float64(0.0)]
        self.count = count
        self.index = np.zeros(cal.months, dtype=np.intp)
        first = [0] if before is None else [len(self.rows)]  # before the first year
        if before is not None:
            self.rows.append(np.float64(before))
        for t in range(cal.months):
            known = [i for i, y in enumerate(years) if y <= cal.year(t)] or first
            self.index[t] = known[-1]
        make_unused(self.rows, set(self.index.tolist()), count)
        self.held: tuple[int, np.ndarray] | None = None

    def at(self, t: int) -> np.ndarray:
        """Month ``t``'s values, (R,)."""
        i = self.index[t]
        if self.held is None or self.held[0] != i:
            self.held = None  # let the last anchor go before making the next
            self.held = (i, resolve(self.rows[i], self.count))
        return self.held[1]


class YearEndLinear:
    """Anchors at December of each year, linear between, flat outside.

    Anchors may be deferred: only the two around the current month are held.
    """

    def __init__(self, cal: Calendar, values: dict[int, Row], count: int):
        years = sorted(values)
        self.rows = [values[y] for y in years] or [np.float64(0.0)]
        self.count = count
        self.held: dict[int, np.ndarray] = {}
        self.index = None
        used = {0}
        if len(years) > 1:
            anchors = np.array([y * 12 + 11 for y in years], dtype=float)
            months = cal.start + np.arange(cal.months)
            # Interpolation weights are shared by all replications.
            self.index = np.clip(
                np.searchsorted(anchors, months, side="right"), 1, len(anchors) - 1
            )
            left, right = anchors[self.index - 1], anchors[self.index]
            self.weight = np.clip((months - left) / (right - left), 0.0, 1.0)
            used = set(self.index.tolist()) | set((self.index - 1).tolist())
        make_unused(self.rows, used, count)

    def at(self, t: int) -> np.ndarray:
        """Month ``t``'s values, (R,)."""
        if self.index is None:
            return self.anchors(0)[0]
        i, weight = self.index[t], self.weight[t]
        left, right = self.anchors(i - 1, i)
        values: np.ndarray = left * (1 - weight) + right * weight
        return values

    def anchors(self, *wanted: int) -> list[np.ndarray]:
        """Anchors ``wanted``, holding no others."""
        self.held = {i: row for i, row in self.held.items() if i in wanted}
        for i in wanted:
            if i not in self.held:
                self.held[i] = resolve(self.rows[i], self.count)
        return [self.held[i] for i in wanted]


class YearlyCompound:
    """Each calendar year's value grows from ``first`` at ``1 + growth[year]``.

    The first year's value is ``first``, each later year's the year before's
    times ``1 + growth[year]`` (growth 0 in a year without an entry). Only
    the current year's value is held; growth anchors may be deferred.
    """

    def __init__(self, cal: Calendar, first: Row, growth: dict[int, Row], count: int):
        self.cal, self.first, self.growth, self.count = cal, first, growth, count
        for year, row in growth.items():
            if year not in cal.years[1:]:
                resolve(row, count)  # unused, made all the same (see make_unused)
        self.year: int | None = None
        self.value: np.ndarray | None = None

    def at(self, t: int) -> np.ndarray:
        """Month ``t``'s value, (R,)."""
        year = self.cal.year(t)
        if self.year is None or year < self.year:
            self.year, self.value = self.cal.years[0], resolve(self.first, self.count)
        while self.year < year:
            self.year += 1
            rate = self.growth.get(self.year)
            assert self.value is not None  # made with ``self.year``
            self.value = self.value * (1.0 + (0.0 if rate is None else resolve(rate, self.count)))
        assert self.value is not None  # made with ``self.year``
        return self.value


class YearlyGrowth:
    """Compound factor ``(1 + rate) ** years_since_start``.

    Nothing per year is held: :meth:`factor` computes a year's factors when
    asked. Each is a column of ``(1 + rate[:, None]) ** offsets[None, :]``
    over every year at once, a block of replications at a time: numpy's power
    loop may round a one-column power differently (SIMD kernels), and this
    keeps every factor bit for bit what the full table holds.
    """

    BLOCK = 8192  # replications per block of the power table

    def __init__(self, cal: Calendar, rate: np.ndarray):
        self.rate = rate
        self.offsets = np.array([y - cal.years[0] for y in cal.years], dtype=float)
        self.index = np.array([cal.year(t) - cal.years[0] for t in range(cal.months)])

    def at(self, t: int) -> np.ndarray:
        """Month ``t``'s factor, (R,)."""
        return self.factor(self.index[t])

    def factor(self, year: int) -> np.ndarray:
        """Factors of year index ``year`` (years since the first) for every replication, (R,)."""
        if self.rate.size and not any(self.rate.strides):  # one value for all
            value = ((1.0 + self.rate[:1, None]) ** self.offsets[None, :])[0, year]
            return np.broadcast_to(value, self.rate.shape)
        out = np.empty(self.rate.shape)
        for start in range(0, out.size, self.BLOCK):
            block = self.rate[start : start + self.BLOCK, None]
            out[start : start + self.BLOCK] = ((1.0 + block) ** self.offsets[None, :])[:, year]
        return out


def materialise(path: MonthPath, months: int) -> np.ndarray:
    """Build the full ``(R, months)`` table of a path."""
    return np.stack([path.at(t) for t in range(months)], axis=1)


def month_points(cal: Calendar, points: dict[int, float]) -> np.ndarray:
    """Piecewise-linear path through (month ordinal, value) points, flat outside."""
    xs = sorted(points)
    months = cal.start + np.arange(cal.months)
    return np.interp(months, xs, [points[x] for x in xs])


def ramp_at(t: int, start_step: np.ndarray, months: np.ndarray) -> np.ndarray:
    """0 before ``start_step``, rising linearly to 1 over ``months``; month ``t``, (R,)."""
    ramp: np.ndarray = np.clip((t - start_step + 1) / months, 0.0, 1.0)
    return ramp


def before_step(t: int, step: np.ndarray) -> np.ndarray:
    """Tell where month ``t`` comes before ``step`` (per replication), (R,)."""
    return ~(t >= step)
