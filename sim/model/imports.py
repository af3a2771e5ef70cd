"""Import channels: foreign accelerators offered to Chinese buyers each month."""

from __future__ import annotations

import numpy as np
import simpy

from sim.calendar import Calendar, parse_month
from sim.model import paths
from sim.model.clock import PHASE
from sim.model.foundry import years
from sim.model.levels import repeat_level
from sim.rng import Draws
from sim.scenario.schema import Event, ImportProduct


class ImportChannel:
    """One foreign product: a licensed monthly flow plus a stock already in China.

    flow = offered units x US licence share x Chinese acceptance share; the
    licence and acceptance shares change on dated events (a per-replication
    date is a mask). Unsold flow is sold elsewhere; unsold stock carries over.
    Each share is held as an index into its possible values (its initial
    value, then its events' values): one small integer per replication, and
    one for all until an event sets it for some. The flow is worked out when
    the market asks for it.
    """

    def __init__(self, name: str, spec: ImportProduct, here: str, cal: Calendar, draw: Draws,
                 levels: int, events: list[tuple[str, Event]]):
        self.name = name
        self.offered = paths.YearSteps(
            cal, years(spec.units_per_month, f"{here}.units_per_month", draw), draw.count)
        self.h100e = draw(f"{here}.h100e", spec.h100e)
        self.power_kw = draw(f"{here}.power_kw", spec.power_kw)
        self.stockpile = draw(f"{here}.stockpile_units", spec.stockpile_units)
        self.stock_step = cal.steps_of(parse_month(spec.stockpile_date or cal.label(0)))
        values = {"licence": [float(spec.licence)], "guidance": [float(spec.guidance)]}
        self.events = []  # (step, share, index of the value it sets)
        for ename, event in events:
            values[event.kind].append(float(event.value))
            self.events.append((cal.steps_of(draw(f"events.{ename}.date", event.date)),
                                event.kind, np.int16(len(values[event.kind]) - 1)))
        self.values = {kind: np.array(options) for kind, options in values.items()}
        self.choice = {kind: np.int16(0) for kind in values}  # index into values
        self.month = 0  # the month offered
        self.stock = np.zeros((levels, draw.count))

    def offer(self, env: simpy.Environment, months: int):
        """SimPy process: apply this month's events and publish the offer."""
        yield env.timeout(PHASE["offer"])
        for t in range(months):
            for step, kind, index in self.events:  # listed order breaks same-month ties
                hit = step == t
                if np.any(hit):
                    self.choice[kind] = np.where(hit, index, self.choice[kind])
            if t == self.stock_step:
                self.stock = self.stock + self.stockpile[None, :]
                self.stockpile = None  # in stock now
            self.month = t
            yield env.timeout(1)

    def flow(self) -> np.ndarray:
        """Units offered this month, (R,)."""
        return self.offered.at(self.month) * self.share("licence") * self.share("guidance")

    def share(self, kind: str) -> np.ndarray:
        """Return the licence or guidance share now, (R,) or one value for all."""
        return self.values[kind][self.choice[kind]]

    def expand_levels(self, levels: int) -> None:
        """Give every level its own copy of the single level row."""
        self.stock = repeat_level(self.stock, levels, axis=0)

    def available(self, out: np.ndarray | None = None) -> np.ndarray:
        """Units buyers could take this month, (levels, R) (into ``out`` when given)."""
        return np.add(self.flow()[None, :], self.stock, out=out)

    def take(self, fraction: np.ndarray, available: np.ndarray | None = None) -> np.ndarray:
        """Deliver ``fraction`` (levels, R) of what is available; return units.

        ``available`` is this month's :meth:`available`, when already computed.
        """
        units = (self.available() if available is None else available) * fraction
        self.stock = self.stock * (1.0 - fraction)
        return units
