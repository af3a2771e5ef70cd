"""The market: clears imports, then domestic chips, among the buyer segments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.metrics import M
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
    segment receives the pool's product mix. Deliveries go to the ``ledger``.
    """

    def __init__(self, segments: list[BuyerSegment], vendors: list[Vendor],
                 channels: list[ImportChannel], rule, ledger: Ledger):
        self.segments = segments
        self.vendors = vendors
        self.channels = channels
        self.rule = rule
        self.ledger = ledger
        self.bound = np.array([s.bound for s in segments])

    def clear(self, clock):
        """SimPy process: once stocks are finished, offers published and orders placed, clear."""
        while True:
            month = yield clock.next_month()
            yield month.after("finished") & month.after("offered") & month.after("ordered")
            self.clear_month(month.t)
            month.done("cleared")

    def clear_month(self, t: int) -> None:
        """Clear both pools and hand the month's deliveries to the ledger."""
        imports = self.clear_imports()
        domestic = self.clear_domestic(t)
        lapsed = np.stack([s.receive_domestic(got)
                           for s, got in zip(self.segments, domestic.h100e, strict=True)])
        self.ledger.add_unmet(lapsed)
        self.ledger.add_deliveries(imports, domestic)
        self.ledger.add_demand(total(s.need() for s in self.segments)[None])

    def clear_imports(self) -> Grant:
        """Grant imports pro rata; every segment learns what it got."""
        units = [c.available() for c in self.channels]
        orders = np.stack([s.import_orders() for s in self.segments])
        grant = pool_grant(orders, units, [c.h100e for c in self.channels],
                           [c.power_kw for c in self.channels], self.bound, pro_rata)
        self.ledger.add_units_by(M.import_units, {
            c.name: c.take(grant.fraction, available)
            for c, available in zip(self.channels, units, strict=True)})
        for segment, got, wanted in zip(self.segments, grant.h100e, orders, strict=True):
            segment.receive_imports(got, wanted)
        return grant

    def clear_domestic(self, t: int) -> Grant:
        """Grant domestic stock by the scenario's rule."""
        stock = [row for v in self.vendors for row in v.finished.level]
        h100e = [p.h100e_at(t) for v in self.vendors for p in v.products]
        power = [row for v in self.vendors for row in v.power]
        orders = np.stack([s.domestic_orders() for s in self.segments])
        grant = pool_grant(orders, stock, h100e, power, self.bound, self.rule)
        self.ledger.add_units_by(M.vendor_units, {
            v.name: v.deliver(grant.fraction).sum(axis=0) for v in self.vendors})
        return grant


def pool_grant(orders: np.ndarray, units: Sequence[np.ndarray], h100e: Sequence[np.ndarray],
               power: Sequence[np.ndarray], bound: np.ndarray, rule) -> Grant:
    """Allocate a pool of products against H100e orders (segments, levels, R).

    Product ``p`` has ``units[p]`` (levels, R) in the pool, ``h100e[p]`` and
    ``power[p]`` (kW) per unit, (R,). Sums over products are numpy's sums
    over a stacked product axis (see :func:`sim.model.stats.total`).
    """
    supply = total(u * h for u, h in zip(units, h100e, strict=True))
    granted = rule(orders, supply, bound)
    fraction = np.minimum(ratio(granted.sum(axis=0), supply, 0.0), 1.0)
    per_h100e = ratio(total(units), supply, 0.0)
    kw_per_h100e = ratio(total(u * p for u, p in zip(units, power, strict=True)), supply, 0.0)
    return Grant(granted, fraction, per_h100e, kw_per_h100e)
