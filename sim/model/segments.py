"""Buyer segments: datacenter owners who order chips under their quota paths."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.calendar import Calendar, parse_month
from sim.model import paths
from sim.model.foundry import years
from sim.model.state import Backlog, LevelRows
from sim.rng import Draws
from sim.scenario.schema import Segment as SegmentSpec

QUOTA_DEADLINE = "2027-01"  # "by 2027": the level holds for the whole of 2027


def quota_paths(cal: Calendar, points: dict[str, float] | None, levels: list[str],
                lever_start: str) -> np.ndarray:
    """Quota share by month for each level, (levels, T).

    "announced" keeps the published path. A level q keeps it until
    ``lever_start`` and then moves linearly from the current value to q in
    January 2027 (or the calendar's end, if sooner), holding q afterwards.
    """
    if points is None:
        return np.zeros((len(levels), cal.months))
    announced = paths.month_points(cal, {parse_month(k): v for k, v in points.items()})
    lever = int(cal.steps_of(parse_month(lever_start)))
    deadline = min(int(cal.steps_of(parse_month(QUOTA_DEADLINE))), cal.months - 1)
    current = announced[min(max(lever - 1, 0), cal.months - 1)]
    t = np.arange(cal.months)
    progress = np.clip((t - lever + 1) / max(deadline - lever + 1, 1), 0.0, 1.0)
    out = np.empty((len(levels), cal.months))
    for i, level in enumerate(levels):
        if level == "announced":
            out[i] = announced
        else:
            out[i] = np.where(t < lever, announced, current + (float(level) - current) * progress)
    return out


@dataclass(frozen=True)
class SegmentOptions:
    """What every segment of a run shares: the calendar, the level rows, the backlog depth."""

    cal: Calendar
    levels: LevelRows
    backlog_months: int


class BuyerSegment:
    """One segment's demand, orders and backlog, per quota level and replication.

    Each month it wants ``max(quota x enforcement, voluntary preference)`` of
    its demand (H100e) from domestic chips and the rest from imports. Imports
    it cannot get are sought at home (``substitution``) or lost. Domestic
    orders not filled wait in a :class:`Backlog` up to ``backlog_months``,
    oldest served first, then lapse as unmet demand.
    """

    def __init__(self, name: str, spec: SegmentSpec, target: np.ndarray,
                 demand: tuple[paths.YearlyCompound, np.ndarray], draw: Draws,
                 options: SegmentOptions):
        here = f"segments.{name}"
        self.name = name
        self.bound = spec.quota is not None
        self.target = target  # quota share by level and month, (levels, T)
        self.annual_demand, self.demand_share = demand
        self.enforcement = draw(f"{here}.enforcement", spec.enforcement)
        self.preference = paths.YearSteps(
            options.cal, years(spec.preference, f"{here}.preference", draw), draw.count)
        self.substitution = draw(f"{here}.substitution", spec.substitution)
        self.levels: LevelRows = options.levels
        self.month = 0  # the month ordered for
        self.backlog = self.levels.hold(
            Backlog(options.backlog_months, (self.levels.rows, draw.count)))
        self.wanted_domestic: np.ndarray | None = None  # this month's, H100e (levels, R)
        self.lost: np.ndarray | None = None  # imports missed and not redirected, this month

    def demand_at(self, t: int) -> np.ndarray:
        """Return the segment's demand in month ``t``, H100e, (R,)."""
        return self.annual_demand.at(t) / 12.0 * self.demand_share

    def need(self) -> np.ndarray:
        """Return the demand of the month ordered for, H100e, (R,)."""
        return self.demand_at(self.month)

    def procure(self, clock):
        """SimPy process: at each month's start, place its domestic and import orders."""
        while True:
            month = yield clock.next_month()
            self.order(month.t)
            month.done("ordered")

    def order(self, t: int) -> None:
        """Split month ``t``'s demand into the domestic share wanted and the rest."""
        self.month = t
        quota = self.target[:self.levels.rows, t][:, None] * self.enforcement[None, :]
        domestic_share = np.maximum(quota, self.preference.at(t)[None, :], out=quota)
        self.wanted_domestic = np.multiply(domestic_share, self.need(), out=domestic_share)

    def import_orders(self) -> np.ndarray:
        """H100e of imports wanted this month (the need not wanted from home), (levels, R)."""
        return self.need() - self.wanted_domestic

    def domestic_orders(self) -> np.ndarray:
        """H100e of domestic chips wanted now, this month's plus the backlog, (levels, R)."""
        return self.wanted_domestic + self.backlog.total()

    def receive_imports(self, got: np.ndarray, orders: np.ndarray) -> None:
        """Record imports received (H100e) against import ``orders``; redirect or lose the rest."""
        missing = np.maximum(orders - got, 0.0)
        self.wanted_domestic += self.substitution * missing
        self.lost = (1.0 - self.substitution) * missing

    def receive_domestic(self, got: np.ndarray) -> np.ndarray:
        """Fill the backlog oldest first, then new orders; return H100e lapsed (levels, R).

        Lapsed demand is the backlog's oldest orders plus the imports lost.
        """
        left = self.backlog.serve(got)
        new = np.maximum(self.wanted_domestic - left, 0.0)
        lapsed = self.backlog.oldest() + self.lost
        self.lost = None
        self.backlog.age(new)
        return lapsed


def national_demand(spec, cal: Calendar, draw: Draws) -> paths.YearlyCompound:
    """National demand per year, H100e (a year's total is spread evenly over its months).

    The first year's total is ``base``; each later year grows by its ``growth``
    entry (0 where none is given).
    """
    return paths.YearlyCompound(cal, draw("demand.base", spec.base),
                                years(spec.growth, "demand.growth", draw), draw.count)
