"""HBM: the binding input for finished accelerators once export controls bite."""

from __future__ import annotations

import numpy as np
import simpy

from sim.calendar import Calendar, parse_month
from sim.model import paths
from sim.model.clock import PHASE
from sim.model.foundry import years
from sim.model.policies import HBM_RULES
from sim.model.stats import ratio
from sim.model.vendor import Vendor
from sim.rng import Draws
from sim.scenario.schema import Memory


class HbmPool:
    """Stacks available to package domestic chips, shared by the scenario's HBM rule.

    Before ``controls_from`` HBM is bought freely and never binds. From then on
    the pool starts at the pre-control stockpile and gains domestic output each
    month; unused stacks carry over. The rule (default: value first, i.e. the
    products with most H100e per stack are packaged first) splits a short
    month's stacks among products. Invariant: ``stock >= 0``.
    """

    def __init__(self, spec: Memory, cal: Calendar, draw: Draws, vendors: list[Vendor]):
        self.vendors = vendors
        self.controls_step = cal.steps_of(parse_month(spec.controls_from))
        self.stockpile = draw("memory.stockpile_stacks", spec.stockpile_stacks)
        yearly = years(spec.domestic_stacks, "memory.domestic_stacks", draw)
        self.domestic = paths.YearSteps(cal, yearly, draw.count)  # per year: / 12 a month
        self.rule = HBM_RULES[spec.allocation]
        self.stock = np.zeros(draw.count)

    def package(self, env: simpy.Environment, months: int):
        """SimPy process: grant each vendor the share of its HBM need the pool allows."""
        yield env.timeout(PHASE["package"])
        for t in range(months):
            self.package_month(t)
            yield env.timeout(1)

    def package_month(self, t: int) -> None:
        """Grant this month's stacks and let every vendor finish its chips.

        (A method, not the process's loop: its arrays go when it returns.)
        """
        need = np.concatenate([v.candidates * v.stacks for v in self.vendors])
        value = np.concatenate([v.h100e(t) / np.maximum(v.stacks, 1e-12) for v in self.vendors])
        granted = self.allocate(t, need, value)
        del value
        fraction = ratio(granted, need, 1.0)
        del granted, need
        first = 0
        for vendor in self.vendors:
            vendor.finish(fraction[first:first + len(vendor.products)])
            first += len(vendor.products)

    def allocate(self, t: int, need: np.ndarray, value: np.ndarray) -> np.ndarray:
        """Stacks granted to each product this month, (products, R)."""
        if t < self.controls_step:
            return need
        if t == max(self.controls_step, 0):
            self.stock = self.stock + self.stockpile
            self.stockpile = None  # in stock now
        self.stock = self.stock + self.domestic.at(t) / 12.0
        granted = self.rule(need, value, self.stock)
        self.stock = np.maximum(self.stock - granted.sum(axis=0), 0.0)
        return granted
