"""The market: clears imports, then domestic chips, among the buyer segments."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import simpy

from sim.model.clock import PHASE
from sim.model.imports import ImportChannel
from sim.model.ledger import Ledger
from sim.model.policies import pro_rata
from sim.model.segments import BuyerSegment
from sim.model.stats import ratio, total
from sim.model.vendor import Vendor


@dataclass
class Grant:
    """One pool's allocation this month.

    ``h100e`` is granted per segment (segments, levels, R); ``fraction`` of the
    pool was taken, and a granted H100e carries ``per_h100e`` units and
    ``kw_per_h100e`` kW (levels, R): the pool's product mix.
    """

    h100e: np.ndarray
    fraction: np.ndarray
    per_h100e: np.ndarray
    kw_per_h100e: np.ndarray

    def units_of(self, segment: int) -> np.ndarray:
        """Units granted to segment ``segment``, (levels, R)."""
        return self.h100e[segment] * self.per_h100e

    def power_of(self, segment: int) -> np.ndarray:
        """Power granted to segment ``segment``, kW (levels, R)."""
        return self.h100e[segment] * self.kw_per_h100e


class Market:
    """Clears supply against orders with a pluggable allocation rule.

    Imports clear first (pro rata to import orders); segments then redirect
    missing imports to domestic orders, and domestic chips clear by ``rule``.
    A pool's chips go to segments in proportion to H100e granted, so every
    segment receives the pool's product mix. Deliveries are folded into the
    ``ledger`` as they are made.
    """

    def __init__(self, segments: list[BuyerSegment], vendors: list[Vendor],
                 channels: list[ImportChannel], rule, ledger: Ledger):
        self.segments = segments
        self.vendors = vendors
        self.channels = channels
        self.rule = rule
        self.ledger = ledger
        self.bound = np.array([s.bound for s in segments])

    def clear(self, env: simpy.Environment, months: int):
        """SimPy process: each month, deliver imports then domestic chips."""
        yield env.timeout(PHASE["clear"])
        for t in range(months):
            self.clear_month(t)
            yield env.timeout(1)

    def clear_month(self, t: int) -> None:
        """Clear both pools and fold the month's deliveries into the ledger."""
        imports, lapsed = self.clear_imports()
        domestic = self.clear_domestic(t)
        self.ledger.add_unmet(lapsed)  # each segment has written its lapsed orders in its row
        del lapsed
        self.ledger.add_deliveries(imports, domestic)
        del imports, domestic
        self.ledger.add_demand(total(s.need() for s in self.segments)[None])

    def book(self, items: Sequence, fill: Callable) -> np.ndarray:
        """One (levels, R) row per item, written by ``fill(item, row)``: (items, levels, R)."""
        out = np.empty((len(items), *self.segments[0].shape))
        for item, row in zip(items, out, strict=True):
            fill(item, row)
        return out

    def clear_imports(self) -> tuple[Grant, np.ndarray]:
        """Grant imports pro rata; every segment learns what it got.

        Returns the grant and the segments' import orders (segments, levels,
        R), which each segment overwrites with the H100e it lost and, once
        domestic chips have cleared, with the H100e that lapsed (one array
        for the three).
        """
        units = self.book(self.channels, lambda c, row: c.available(row))
        orders = self.book(self.segments, lambda s, row: s.import_orders(row))
        grant = pool_grant(orders, units, [c.h100e for c in self.channels],
                           [c.power_kw for c in self.channels], self.bound, pro_rata)
        self.ledger.add_units_by("import_units", {
            c.name: c.take(grant.fraction, available)
            for c, available in zip(self.channels, units, strict=True)})
        del units
        for segment, got, wanted in zip(self.segments, grant.h100e, orders, strict=True):
            segment.receive_imports(got, wanted)
        return grant, orders

    def clear_domestic(self, t: int) -> Grant:
        """Grant domestic stock by the scenario's rule; segments update backlogs."""
        stock = [row for v in self.vendors for row in v.stock]
        h100e = [p.h100e_at(t) for v in self.vendors for p in v.products]
        power = [row for v in self.vendors for row in v.power_kw()]
        orders = self.book(self.segments, lambda s, row: s.domestic_orders(row))
        grant = pool_grant(orders, stock, h100e, power, self.bound, self.rule, out=orders)
        del orders, stock
        self.ledger.add_units_by("vendor_units", {
            v.name: v.deliver(grant.fraction).sum(axis=0) for v in self.vendors})
        for segment, got in zip(self.segments, grant.h100e, strict=True):
            segment.receive_domestic(got)
        return grant


def pool_grant(orders: np.ndarray, units: Sequence[np.ndarray], h100e: Sequence[np.ndarray],
               power: Sequence[np.ndarray], bound: np.ndarray, rule,
               out: np.ndarray | None = None) -> Grant:
    """Allocate a pool of products against H100e orders (segments, levels, R).

    Product ``p`` has ``units[p]`` (levels, R) in the pool, ``h100e[p]`` and
    ``power[p]`` (kW) per unit, (R,). Sums over products are numpy's sums
    over a stacked product axis (see :func:`sim.model.stats.total`). The
    H100e granted go into ``out`` when given (it may be ``orders``).
    """
    supply = total(u * h for u, h in zip(units, h100e, strict=True))
    granted = rule(orders, supply, bound, out=out)
    fraction = np.minimum(ratio(granted.sum(axis=0), supply, 0.0), 1.0)
    per_h100e = ratio(total(units), supply, 0.0)
    kw_per_h100e = ratio(total(u * p for u, p in zip(units, power, strict=True)), supply, 0.0)
    return Grant(granted, fraction, per_h100e, kw_per_h100e)
