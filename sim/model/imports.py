"""Import channels: foreign accelerators offered to Chinese buyers each month."""

from __future__ import annotations

import numpy as np

from sim.calendar import Calendar, parse_month
from sim.model import paths
from sim.model.foundry import years
from sim.model.state import LevelRows
from sim.rng import Draws
from sim.scenario.schema import Event, ImportProduct


class ImportChannel:
    """One foreign product: a licensed monthly flow plus a stock already in China.

    flow = offered units x US licence share x Chinese acceptance share. The
    shares change when the product's dated events fire (timeline entries
    ``events.<name>``; a per-replication date fires with a mask), and the
    pre-ban stockpile arrives with ``<here>.stockpile``. Unsold flow is sold
    elsewhere; unsold stock carries over. Each share is held as an index into
    its possible values (its initial value, then its events' values).
    """

    def __init__(self, name: str, spec: ImportProduct, here: str, cal: Calendar, draw: Draws,
                 levels: LevelRows, events: list[tuple[str, Event]]):
        self.name = name
        self.here = here
        self.offered = paths.YearSteps(
            cal, years(spec.units_per_month, f"{here}.units_per_month", draw), draw.count)
        self.h100e = draw(f"{here}.h100e", spec.h100e)
        self.power_kw = draw(f"{here}.power_kw", spec.power_kw)
        self.stockpile = draw(f"{here}.stockpile_units", spec.stockpile_units)
        self.stock_step = cal.steps_of(parse_month(spec.stockpile_date or cal.label(0)))
        values = {"licence": [float(spec.licence)], "guidance": [float(spec.guidance)]}
        self.events = {}  # timeline key -> (steps, share kind, index of the value it sets)
        for ename, event in events:
            values[event.kind].append(float(event.value))
            steps = cal.steps_of(draw(f"events.{ename}.date", event.date))
            self.events[f"events.{ename}"] = (steps, event.kind,
                                              np.int16(len(values[event.kind]) - 1))
        self.values = {kind: np.array(options) for kind, options in values.items()}
        self.choice = {kind: np.int16(0) for kind in values}  # index into values
        self.month = 0  # the month offered
        self.stock = levels.stock(replications=draw.count)

    @property
    def stockpile_key(self) -> str:
        """The timeline entry of the stockpile's arrival."""
        return f"{self.here}.stockpile"

    def dated(self) -> dict[str, np.ndarray]:
        """Timeline entries this channel reacts to, in the order they break ties."""
        entries = {key: steps for key, (steps, _, _) in self.events.items()}
        entries[self.stockpile_key] = np.asarray(self.stock_step)
        return entries

    def watch(self, timeline, key: str):
        """SimPy process: apply each firing of ``key`` (an event, or the stockpile)."""
        while True:
            mask = yield timeline.on(key)
            if key == self.stockpile_key:
                self.stock.put(self.stockpile[None, :])
            else:
                _, kind, index = self.events[key]
                self.choice[kind] = np.where(mask, index, self.choice[kind])

    def offer(self, clock):
        """SimPy process: at each month's start, publish the month's offer."""
        while True:
            month = yield clock.next_month()
            self.month = month.t
            month.done("offered")

    def flow(self) -> np.ndarray:
        """Units offered this month, (R,)."""
        return self.offered.at(self.month) * self.share("licence") * self.share("guidance")

    def share(self, kind: str) -> np.ndarray:
        """Return the licence or guidance share now, (R,) or one value for all."""
        return self.values[kind][self.choice[kind]]

    def available(self) -> np.ndarray:
        """Units buyers could take this month, (levels, R)."""
        return self.flow()[None, :] + self.stock.level

    def take(self, fraction: np.ndarray, available: np.ndarray) -> np.ndarray:
        """Deliver ``fraction`` (levels, R) of this month's ``available``; return units."""
        units = available * fraction
        self.stock.keep_fraction(1.0 - fraction)
        return units
