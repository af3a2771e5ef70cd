"""HBM: the binding input for finished accelerators once export controls bite."""

from __future__ import annotations

import numpy as np

from sim.calendar import Calendar, parse_month
from sim.model import paths
from sim.model.foundry import years
from sim.model.policies import HBM_RULES
from sim.model.state import Stock
from sim.model.stats import ratio
from sim.model.vendor import Vendor
from sim.rng import Draws
from sim.scenario.schema import Memory


class HbmPool:
    """Stacks available to package domestic chips, shared by the scenario's HBM rule.

    Before the controls (the timeline entry ``memory.controls``) HBM is bought
    freely and never binds. When they come the pool receives the
    pre-control stockpile, then domestic output each month; unused stacks
    carry over. The rule (default: value first, i.e. the products with most
    H100e per stack are packaged first) splits a short month's stacks among
    products. Invariant: ``stock.level >= 0``.
    """

    KEY = "memory.controls"

    def __init__(self, spec: Memory, cal: Calendar, draw: Draws, vendors: list[Vendor]):
        self.vendors = vendors
        self.controls_step = cal.steps_of(parse_month(spec.controls_from))
        self.stockpile = draw("memory.stockpile_stacks", spec.stockpile_stacks)
        yearly = years(spec.domestic_stacks, "memory.domestic_stacks", draw)
        self.domestic = paths.YearSteps(cal, yearly, draw.count)  # per year: / 12 a month
        self.rule = HBM_RULES[spec.allocation]
        self.stock = Stock((draw.count,))
        self.controlled = False
        self.fractions: dict[str, np.ndarray] = {}

    def dated(self) -> dict[str, np.ndarray]:
        """Timeline entries the pool reacts to."""
        return {self.KEY: np.asarray(self.controls_step)}

    def watch(self, timeline, key: str):
        """SimPy process: when the controls come, HBM binds and the stockpile is counted."""
        yield timeline.on(key)
        self.controlled = True
        self.stock.put(self.stockpile)
        self.stockpile = None  # in stock now

    def package(self, clock):
        """SimPy process: once vendors state their needs, grant each its share of stacks."""
        while True:
            month = yield clock.next_month()
            yield month.after("shipped")
            self.package_month(month.t)
            month.done("packaged")

    def package_month(self, t: int) -> None:
        """Work out the fraction of its candidates each product may finish this month."""
        need = np.concatenate([v.hbm_need() for v in self.vendors])
        value = np.concatenate([v.h100e(t) / np.maximum(v.stacks, 1e-12) for v in self.vendors])
        fraction = ratio(self.allocate(t, need, value), need, 1.0)
        first, self.fractions = 0, {}
        for vendor in self.vendors:
            self.fractions[vendor.name] = fraction[first:first + len(vendor.products)]
            first += len(vendor.products)

    def fraction_for(self, vendor: Vendor) -> np.ndarray:
        """Return the fraction (products, R) of its candidates ``vendor`` may finish this month."""
        return self.fractions.pop(vendor.name)

    def allocate(self, t: int, need: np.ndarray, value: np.ndarray) -> np.ndarray:
        """Stacks granted to each product this month, (products, R)."""
        if not self.controlled:
            return need
        self.stock.put(self.domestic.at(t) / 12.0)
        granted = self.rule(need, value, self.stock.level)
        self.stock.take(granted.sum(axis=0))
        return granted
