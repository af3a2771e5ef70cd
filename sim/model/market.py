"""The market: clears imports, then domestic chips, among the buyer segments."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

from sim.model.clock import PHASE
from sim.model.imports import ImportChannel
from sim.model.policies import pro_rata
from sim.model.segments import BuyerSegment
from sim.model.vendor import Vendor


@dataclass
class Deliveries:
    """One month's deliveries, each (segments, levels, R) unless noted."""

    domestic_units: np.ndarray
    domestic_h100e: np.ndarray
    import_units: np.ndarray
    import_h100e: np.ndarray
    power_kw: np.ndarray
    demand_h100e: np.ndarray
    unmet_h100e: np.ndarray
    by_vendor: dict[str, np.ndarray]  # units, (levels, R)
    by_import: dict[str, np.ndarray]  # units, (levels, R)


class Market:
    """Clears supply against orders with a pluggable allocation rule.

    Imports clear first (pro rata to import orders); segments then redirect
    missing imports to domestic orders, and domestic chips clear by ``rule``.
    A pool's chips go to segments in proportion to H100e granted, so every
    segment receives the pool's product mix.
    """

    def __init__(self, segments: list[BuyerSegment], vendors: list[Vendor],
                 channels: list[ImportChannel], rule):
        self.segments = segments
        self.vendors = vendors
        self.channels = channels
        self.rule = rule
        self.bound = np.array([s.bound for s in segments])
        self.last: Deliveries | None = None

    def clear(self, env: simpy.Environment, months: int):
        """SimPy process: each month, deliver imports then domestic chips."""
        yield env.timeout(PHASE["clear"])
        for t in range(months):
            imports = self.clear_imports()
            domestic = self.clear_domestic(t)
            self.last = self.deliveries(t, imports, domestic)
            yield env.timeout(1)

    def stacked(self, attribute: str) -> np.ndarray:
        """A per-segment quantity stacked to (segments, levels, R)."""
        return np.stack([getattr(s, attribute) for s in self.segments])

    def clear_imports(self) -> dict:
        """Grant imports pro rata; every segment learns what it got."""
        units = np.stack([c.available() for c in self.channels])
        h100e = np.stack([c.h100e for c in self.channels])[:, None]
        power = np.stack([c.power_kw for c in self.channels])[:, None]
        granted = pool_grant(self.stacked("wanted_imports"), units, h100e, power,
                             self.bound, pro_rata)
        for channel in self.channels:
            channel.take(granted["fraction"])
        for i, segment in enumerate(self.segments):
            segment.receive_imports(granted["h100e"][i])
        granted["by_product"] = {c.name: c.delivered for c in self.channels}
        return granted

    def clear_domestic(self, t: int) -> dict:
        """Grant domestic stock by the scenario's rule; segments update backlogs."""
        stock = np.concatenate([v.stock for v in self.vendors])
        h100e = np.concatenate([v.h100e(t) for v in self.vendors])[:, None]
        power = np.concatenate([v.power_kw() for v in self.vendors])[:, None]
        orders = np.stack([s.domestic_orders() for s in self.segments])
        granted = pool_grant(orders, stock, h100e, power, self.bound, self.rule)
        by_vendor = {}
        for vendor in self.vendors:
            by_vendor[vendor.name] = vendor.deliver(granted["fraction"]).sum(axis=0)
        granted["lapsed"] = np.stack(
            [s.receive_domestic(granted["h100e"][i]) for i, s in enumerate(self.segments)])
        granted["by_vendor"] = by_vendor
        return granted

    def deliveries(self, t: int, imports: dict, domestic: dict) -> Deliveries:
        """Bundle the month's flows for the recorder."""
        return Deliveries(
            domestic_units=domestic["units"], domestic_h100e=domestic["h100e"],
            import_units=imports["units"], import_h100e=imports["h100e"],
            power_kw=domestic["power"] + imports["power"],
            demand_h100e=np.stack([np.broadcast_to(s.demand[:, t], s.lost.shape)
                                   for s in self.segments]),
            unmet_h100e=domestic["lapsed"], by_vendor=domestic["by_vendor"],
            by_import=imports["by_product"])


def pool_grant(orders: np.ndarray, units: np.ndarray, h100e: np.ndarray, power: np.ndarray,
               bound: np.ndarray, rule) -> dict:
    """Allocate a pool of products (units (P, L, R)) against H100e orders (S, L, R).

    Returns the fraction of the pool taken (L, R) and, per segment, the H100e,
    units and kW granted.
    """
    supply = (units * h100e).sum(axis=0)
    granted = rule(orders, supply, bound)
    total = granted.sum(axis=0)
    fraction = np.divide(total, supply, out=np.zeros_like(total), where=supply > 0)
    fraction = np.minimum(fraction, 1.0)
    per_h100e = np.divide(units.sum(0), supply, out=np.zeros_like(supply), where=supply > 0)
    kw_per_h100e = np.divide((units * power).sum(0), supply, out=np.zeros_like(supply),
                             where=supply > 0)
    return {"fraction": fraction, "h100e": granted, "units": granted * per_h100e[None],
            "power": granted * kw_per_h100e[None]}
