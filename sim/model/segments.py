"""Buyer segments: datacenter owners who order chips under their quota paths."""

from __future__ import annotations

import numpy as np
import simpy

from sim.calendar import Calendar, parse_month
from sim.model import paths
from sim.model.clock import PHASE
from sim.model.foundry import years
from sim.model.levels import repeat_level
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


class BuyerSegment:
    """One segment's demand, orders and backlog, per quota level and replication.

    Each month it wants ``max(quota x enforcement, voluntary preference)`` of
    its demand (H100e) from domestic chips and the rest from imports. Imports it
    cannot get are sought at home (``substitution``) or lost. Domestic orders
    not filled wait up to ``backlog_months`` months, oldest served first, then
    lapse as unmet demand. Invariant: backlog >= 0 in every bucket.

    Orders are written into the market's (segments, levels, R) books
    (``import_orders``, ``domestic_orders``), so they are never held twice.
    """

    def __init__(self, name: str, spec: SegmentSpec, cal: Calendar, draw: Draws,
                 demand: tuple[paths.YearlyCompound, np.ndarray], levels: list[str],
                 lever_start: str, backlog_months: int, rows: int | None = None):
        here = f"segments.{name}"
        self.name = name
        self.bound = spec.quota is not None
        self.annual_demand, self.demand_share = demand
        self.target = quota_paths(cal, spec.quota.points if spec.quota else None, levels,
                                  lever_start)
        self.enforcement = draw(f"{here}.enforcement", spec.enforcement)
        self.preference = paths.YearSteps(
            cal, years(spec.preference, f"{here}.preference", draw), draw.count)
        self.substitution = draw(f"{here}.substitution", spec.substitution)
        self.rows = rows or len(levels)  # level rows held (1 while all levels agree)
        shape = (self.rows, draw.count)
        self.month = 0  # the month ordered for
        self.backlog = Backlog(backlog_months, shape)
        self.wanted_domestic = np.zeros(shape)
        self.lost: np.ndarray | None = None  # imports missed and not redirected, this month

    def demand_at(self, t: int) -> np.ndarray:
        """Return the segment's demand in month ``t``, H100e, (R,)."""
        return self.annual_demand.at(t) / 12.0 * self.demand_share

    def need(self) -> np.ndarray:
        """Return the demand of the month ordered for, H100e, (R,): made when asked, never held."""
        return self.demand_at(self.month)

    def procure(self, env: simpy.Environment, months: int):
        """SimPy process: place this month's domestic and import orders."""
        yield env.timeout(PHASE["procure"])
        for t in range(months):
            self.month = t
            quota = self.target[:self.rows, t][:, None] * self.enforcement[None, :]
            domestic_share = np.maximum(quota, self.preference.at(t)[None, :], out=quota)
            self.wanted_domestic = np.multiply(domestic_share, self.need(), out=domestic_share)
            yield env.timeout(1)

    def import_orders(self, out: np.ndarray) -> np.ndarray:
        """H100e of imports wanted this month (the need not wanted from home), into ``out``."""
        return np.subtract(self.need(), self.wanted_domestic, out=out)

    def domestic_orders(self, out: np.ndarray) -> np.ndarray:
        """H100e of domestic chips wanted now, this month's plus the backlog, into ``out``."""
        waiting = self.backlog.total(out)
        return np.add(self.wanted_domestic, waiting, out=out)

    @property
    def shape(self) -> tuple[int, int]:
        """(level rows held, replications)."""
        return self.backlog.buckets.shape[1:]

    def receive_imports(self, got: np.ndarray, orders: np.ndarray) -> None:
        """Record imports received (H100e) against import ``orders``; redirect or lose the rest.

        ``orders`` (levels, R) is overwritten with the H100e lost, which lapse
        with the backlog in :meth:`receive_domestic`.
        """
        missing = np.maximum(np.subtract(orders, got, out=orders), 0.0, out=orders)
        self.wanted_domestic += self.substitution * missing
        self.lost = np.multiply(1.0 - self.substitution, missing, out=missing)

    def receive_domestic(self, got: np.ndarray) -> np.ndarray:
        """Fill the backlog oldest first, then new orders; return H100e lapsed.

        The lapsed H100e are written over the imports lost (the same array).
        """
        left = self.backlog.serve(got)
        new = np.maximum(np.subtract(self.wanted_domestic, left, out=left), 0.0, out=left)
        lapsed = np.add(self.backlog.oldest(), self.lost, out=self.lost)
        self.lost = None
        self.backlog.age(new)
        return lapsed

    def expand_levels(self, levels: int) -> None:
        """Give every level its own copy of the single level row."""
        self.rows = levels
        self.backlog.buckets = repeat_level(self.backlog.buckets, levels, axis=1)
        self.wanted_domestic = repeat_level(self.wanted_domestic, levels, axis=0)


class Backlog:
    """Unfilled domestic orders by age in months, kept in a ring of buckets.

    Bucket ``(head + age) % months`` holds orders of that age, so ageing moves
    the head instead of the data. Invariant: every bucket >= 0.
    """

    def __init__(self, months: int, shape: tuple[int, int]):
        self.buckets = np.zeros((months, *shape))
        self.head = 0

    def slot(self, age: int) -> int:
        """Return the bucket holding orders of ``age`` months."""
        return (self.head + age) % len(self.buckets)

    def serve(self, got: np.ndarray) -> np.ndarray:
        """Take ``got`` from the buckets, oldest first; return what is left over."""
        left = got.copy()
        served = np.empty_like(left)
        for age in range(len(self.buckets) - 1, -1, -1):
            bucket = self.buckets[self.slot(age)]
            np.minimum(bucket, left, out=served)
            bucket -= served
            left -= served
        return left

    def oldest(self) -> np.ndarray:
        """Orders that lapse at the next :meth:`age` (a view)."""
        return self.buckets[self.slot(len(self.buckets) - 1)]

    def age(self, new: np.ndarray) -> None:
        """Age every order a month: the oldest lapse and ``new`` are filed as age 0."""
        self.head = self.slot(len(self.buckets) - 1)
        self.buckets[self.head] = new

    def total(self, out: np.ndarray) -> np.ndarray:
        """Orders waiting, summed youngest to oldest into ``out``."""
        if len(self.buckets) == 1:
            np.copyto(out, self.buckets[self.slot(0)])
            return out
        np.add(self.buckets[self.slot(0)], self.buckets[self.slot(1)], out=out)
        for age in range(2, len(self.buckets)):
            out += self.buckets[self.slot(age)]
        return out


def national_demand(spec, cal: Calendar, draw: Draws) -> paths.YearlyCompound:
    """National demand per year, H100e (a year's total is spread evenly over its months).

    The first year's total is ``base``; each later year grows by its ``growth``
    entry (0 where none is given).
    """
    return paths.YearlyCompound(cal, draw("demand.base", spec.base),
                                years(spec.growth, "demand.growth", draw), draw.count)
