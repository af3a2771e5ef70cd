"""Import channels: foreign accelerators offered to Chinese buyers each month."""

from __future__ import annotations

import numpy as np
import simpy

from sim.calendar import Calendar, parse_month
from sim.model import paths
from sim.model.clock import PHASE
from sim.model.foundry import years
from sim.rng import Draws
from sim.scenario.schema import Event, ImportProduct


class ImportChannel:
    """One foreign product: a licensed monthly flow plus a stock already in China.

    flow = offered units x US licence share x Chinese acceptance share; the
    licence and acceptance shares change on dated events (a per-replication
    date is a mask). Unsold flow is sold elsewhere; unsold stock carries over.
    """

    def __init__(self, name: str, spec: ImportProduct, here: str, cal: Calendar, draw: Draws,
                 levels: int, events: list[tuple[str, Event]]):
        self.name = name
        offered = paths.year_steps(cal, years(spec.units_per_month, f"{here}.units_per_month",
                                              draw), draw.count)
        self.offered = offered
        self.h100e = draw(f"{here}.h100e", spec.h100e)
        self.power_kw = draw(f"{here}.power_kw", spec.power_kw)
        self.stockpile = draw(f"{here}.stockpile_units", spec.stockpile_units)
        self.stock_step = cal.steps_of(parse_month(spec.stockpile_date))
        self.events = [(cal.steps_of(draw(f"events.{ename}.date", e.date)), e.kind, e.value)
                       for ename, e in events]
        self.level = {"licence": np.full(draw.count, spec.licence),
                      "guidance": np.full(draw.count, spec.guidance)}
        self.flow = np.zeros(draw.count)
        self.stock = np.zeros((levels, draw.count))
        self.delivered = np.zeros((levels, draw.count))

    def offer(self, env: simpy.Environment, months: int):
        """SimPy process: apply this month's events and publish the offer."""
        yield env.timeout(PHASE["offer"])
        for t in range(months):
            for step, kind, value in self.events:  # listed order breaks same-month ties
                self.level[kind] = np.where(step == t, value, self.level[kind])
            if t == self.stock_step:
                self.stock = self.stock + self.stockpile[None, :]
            self.flow = self.offered[:, t] * self.level["licence"] * self.level["guidance"]
            yield env.timeout(1)

    def available(self) -> np.ndarray:
        """Units buyers could take this month, (levels, R)."""
        return self.flow[None, :] + self.stock

    def take(self, fraction: np.ndarray) -> np.ndarray:
        """Deliver ``fraction`` (levels, R) of what is available; return units."""
        units = self.available() * fraction
        self.stock = self.stock * (1.0 - fraction)
        self.delivered = units
        return units
