"""Buyer segments: datacenter owners who order chips under their quota paths."""

from __future__ import annotations

import numpy as np
import simpy

from sim.calendar import Calendar, parse_month
from sim.model import paths
from sim.model.clock import PHASE
from sim.model.foundry import years
from sim.rng import Draws
from sim.scenario.schema import Segment as SegmentSpec

QUOTA_DEADLINE = "2027-12"


def quota_paths(cal: Calendar, points: dict[str, float] | None, levels: list[str],
                lever_start: str) -> np.ndarray:
    """Quota share by month for each level, (levels, T).

    "announced" keeps the published path. A level q keeps it until
    ``lever_start`` and then moves linearly from the current value to q at
    December 2027 (or the calendar's end, if sooner), holding q afterwards.
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
    """

    def __init__(self, name: str, spec: SegmentSpec, cal: Calendar, draw: Draws,
                 demand: np.ndarray, levels: list[str], lever_start: str, backlog_months: int):
        here = f"segments.{name}"
        self.name = name
        self.bound = spec.quota is not None
        self.demand = demand
        self.target = quota_paths(cal, spec.quota.points if spec.quota else None, levels,
                                  lever_start)
        self.enforcement = draw(f"{here}.enforcement", spec.enforcement)
        self.preference = paths.year_steps(
            cal, years(spec.preference, f"{here}.preference", draw), draw.count)
        self.substitution = draw(f"{here}.substitution", spec.substitution)
        shape = (len(levels), draw.count)
        self.backlog = np.zeros((backlog_months, *shape))  # [age] oldest last
        self.waiting = np.zeros(shape)  # invariant: backlog.sum(0)
        self.wanted_domestic = np.zeros(shape)
        self.wanted_imports = np.zeros(shape)
        self.lost = np.zeros(shape)

    def procure(self, env: simpy.Environment, months: int):
        """SimPy process: place this month's domestic and import orders."""
        yield env.timeout(PHASE["procure"])
        for t in range(months):
            need = self.demand[:, t][None, :]
            quota = self.target[:, t][:, None] * self.enforcement[None, :]
            domestic_share = np.maximum(quota, self.preference[:, t][None, :])
            self.wanted_domestic = domestic_share * need
            self.wanted_imports = need - self.wanted_domestic
            yield env.timeout(1)

    def domestic_orders(self) -> np.ndarray:
        """H100e of domestic chips wanted now: this month's plus the backlog."""
        return self.wanted_domestic + self.waiting

    def receive_imports(self, got: np.ndarray) -> None:
        """Record imports received (H100e); redirect or lose what was missing."""
        missing = np.maximum(self.wanted_imports - got, 0.0)
        self.wanted_domestic = self.wanted_domestic + self.substitution[None, :] * missing
        self.lost = (1.0 - self.substitution[None, :]) * missing

    def receive_domestic(self, got: np.ndarray) -> np.ndarray:
        """Fill the backlog oldest first, then new orders; return H100e lapsed."""
        left = got.copy()
        for age in range(len(self.backlog) - 1, -1, -1):
            served = np.minimum(self.backlog[age], left)
            self.backlog[age] -= served
            left -= served
        new = np.maximum(self.wanted_domestic - left, 0.0)
        lapsed = self.backlog[-1].copy()
        self.backlog[1:] = self.backlog[:-1]
        self.backlog[0] = new
        self.waiting = self.backlog.sum(axis=0)
        return lapsed + self.lost


def national_demand(spec, cal: Calendar, draw: Draws) -> np.ndarray:
    """National demand, H100e per month, (R, T): a year's total spread evenly.

    The first year's total is ``base``; each later year grows by its ``growth``
    entry (0 where none is given).
    """
    annual = {cal.year(0): draw("demand.base", spec.base)}
    growth = years(spec.growth, "demand.growth", draw)
    for year in cal.years[1:]:
        annual[year] = annual[year - 1] * (1.0 + growth.get(year, 0.0))
    return paths.year_steps(cal, annual, draw.count) / 12.0
