"""Foundries: advanced-node wafer capacity available for AI chips."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.core.calendar import Calendar
from sim.model import paths
from sim.model.rng import Draws
from sim.scenario.dist import Dist
from sim.scenario.schema import Fab as FabSpec
from sim.scenario.schema import Foundry as FoundrySpec

if TYPE_CHECKING:
    from sim.model.clock import Clock
    from sim.model.investment import Capacity
    from sim.model.timeline import Timeline


class Foundry:
    """A foundry's AI wafer starts per month, one value per replication.

    AI wafers = (capacity plan, of which only ``expansion_realised`` of the
    growth happens under the equipment embargo) x AI share, plus dedicated
    fabs ramping from their commissioning; none once the foundry closes to
    Chinese designers. Commissioning and closing are timeline entries
    (``<here>.fabs.<fab>.commission``, ``<here>.closes``) the foundry waits on.
    """

    def __init__(self, name: str, spec: FoundrySpec, cal: Calendar, draw: Draws):
        self.name = name
        self.here = here = f"foundries.{name}"
        self.capacity = paths.YearEndLinear(
            cal, years(spec.capacity, f"{here}.capacity", draw), draw.count
        )
        self.first_capacity = self.capacity.at(0)
        self.realised = draw(f"{here}.expansion_realised", spec.expansion_realised)
        self.ai_share = paths.YearSteps(
            cal, years(spec.ai_share, f"{here}.ai_share", draw), draw.count
        )
        self.fabs = {
            f"{here}.fabs.{fname}.commission": Fab(cal, fab, f"{here}.fabs.{fname}", draw)
            for fname, fab in spec.fabs.items()
        }
        self.closes = (
            None if spec.closes is None else cal.steps_of(draw(f"{here}.closes", spec.closes))
        )
        self.open = np.ones(draw.count, dtype=bool)
        self.yield_factor = draw(f"{here}.yield_factor", spec.yield_factor)
        self.wafers = np.zeros(draw.count)
        self.total_wafers = np.zeros(draw.count)
        self.growth: Capacity | None = None  # wafers added by investment, if any

    def dated(self) -> dict[str, np.ndarray]:
        """Timeline entries this foundry reacts to: key -> steps (R,)."""
        entries = {key: fab.start for key, fab in self.fabs.items()}
        if self.closes is not None:
            entries[f"{self.here}.closes"] = self.closes
        return entries

    def watch(self, timeline: Timeline, key: str) -> Generator[simpy.Event, Any, None]:
        """SimPy process: react to each firing of ``key`` (a fab starts, or the foundry closes)."""
        while True:
            mask = yield timeline.on(key)
            if key in self.fabs:
                self.fabs[key].started |= mask
            else:
                self.open &= ~mask

    def produce(self, clock: Clock) -> Generator[simpy.Event, Any, None]:
        """SimPy process: at each month's start, publish its AI wafer starts."""
        while True:
            month = yield clock.next_month()
            yield month.turn("produced")
            self.wafers = self.wafers_at(month.t)
            month.done("produced")

    def planned_at(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Month ``t``'s wafer starts from the plan and the fabs: (AI, all advanced), (R,) each."""
        first = self.first_capacity
        capacity = first + self.realised * (self.capacity.at(t) - first)
        fabs = np.zeros_like(first)
        for fab in self.fabs.values():
            fabs = fabs + fab.wafers_at(t)
        wafers, every = capacity * self.ai_share.at(t) + fabs, capacity + fabs
        if self.closes is not None:
            wafers, every = wafers * self.open, every * self.open
        return wafers, every

    def base_total(self, t: int) -> np.ndarray:
        """All advanced wafer starts in month ``t`` before investment, (R,)."""
        return self.planned_at(t)[1]

    def wafers_at(self, t: int) -> np.ndarray:
        """AI wafer starts in month ``t``, (R,), or (levels, R) once investment adds wafers.

        Sets ``total_wafers``: all advanced wafer starts, before the AI share.
        Wafers added by investment are AI wafers (they answer AI orders).
        """
        wafers, every = self.planned_at(t)
        if self.growth is not None:
            added = self.growth.added.level
            if self.closes is not None:
                added = added * self.open
            wafers, every = wafers + added, every + added
        self.total_wafers = every
        return wafers


class Fab:
    """A dedicated fab: nothing until commissioned, then a linear ramp to full output.

    Month ``t`` after commissioning at step ``s`` runs at
    ``clip((t - s + 1) / ramp_months, 0, 1)`` of ``wafers_per_month``.
    """

    def __init__(self, cal: Calendar, spec: FabSpec, here: str, draw: Draws) -> None:
        self.start = cal.steps_of(draw(f"{here}.commission", spec.commission))
        self.ramp_months = draw(f"{here}.ramp_months", spec.ramp_months)
        self.per_month = draw(f"{here}.wafers_per_month", spec.wafers_per_month)
        self.started = np.zeros(draw.count, dtype=bool)

    def wafers_at(self, t: int) -> np.ndarray:
        """Wafers this fab adds in month ``t``, (R,)."""
        ramp = np.where(self.started, paths.ramp_at(t, self.start, self.ramp_months), 0.0)
        return self.per_month * ramp


def years(mapping: Mapping[str, Dist], here: str, draw: Draws) -> dict[int, paths.Row]:
    """Defer the draws of a year-keyed mapping of parameters (see :mod:`sim.model.paths`)."""
    return {int(year): partial(draw, f"{here}.{year}", dist) for year, dist in mapping.items()}
