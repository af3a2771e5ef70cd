"""HBM: the binding input for finished accelerators once export controls bite."""

from __future__ import annotations

import numpy as np
import simpy

from sim.calendar import Calendar, parse_month
from sim.model import paths
from sim.model.clock import PHASE
from sim.model.foundry import years
from sim.model.vendor import Vendor
from sim.rng import Draws
from sim.scenario.schema import Memory


class HbmPool:
    """Stacks available to package domestic chips, shared pro rata by need.

    Before ``controls_from`` HBM is bought freely and never binds. From then on
    the pool starts at the pre-control stockpile and gains domestic output each
    month; unused stacks carry over. Invariant: ``stock >= 0``.
    """

    def __init__(self, spec: Memory, cal: Calendar, draw: Draws, vendors: list[Vendor]):
        self.vendors = vendors
        self.controls_step = cal.steps_of(parse_month(spec.controls_from))
        self.stockpile = draw("memory.stockpile_stacks", spec.stockpile_stacks)
        yearly = years(spec.domestic_stacks, "memory.domestic_stacks", draw)
        self.domestic = paths.year_steps(cal, yearly, draw.count) / 12.0
        self.stock = np.zeros(draw.count)
        self.used = np.zeros(draw.count)

    def package(self, env: simpy.Environment, months: int):
        """SimPy process: grant each vendor the share of its HBM need the pool allows."""
        yield env.timeout(PHASE["package"])
        for t in range(months):
            need = sum(v.stacks_needed for v in self.vendors)
            fraction = self.allocate(t, need)
            for vendor in self.vendors:
                vendor.finish(fraction)
            yield env.timeout(1)

    def allocate(self, t: int, need: np.ndarray) -> np.ndarray:
        """Share of every vendor's need met this month, per replication."""
        if t < self.controls_step:
            self.used = need
            return np.ones_like(need)
        if t == max(self.controls_step, 0):
            self.stock = self.stock + self.stockpile
        self.stock = self.stock + self.domestic[:, t]
        self.used = np.minimum(need, self.stock)
        self.stock = self.stock - self.used
        return np.divide(self.used, need, out=np.ones_like(need), where=need > 0)
