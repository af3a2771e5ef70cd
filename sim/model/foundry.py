"""Foundries: advanced-node wafer capacity available for AI chips."""

from __future__ import annotations

from functools import partial

import numpy as np
import simpy

from sim.calendar import Calendar
from sim.model import paths
from sim.model.clock import PHASE
from sim.rng import Draws
from sim.scenario.schema import Foundry as FoundrySpec


class Foundry:
    """A foundry's AI wafer starts per month, one value per replication.

    AI wafers = (capacity plan, of which only ``expansion_realised`` of the growth
    happens under the equipment embargo) x AI share, plus dedicated fabs ramping
    from their commissioning month; zero after ``closes``.
    """

    def __init__(self, name: str, spec: FoundrySpec, cal: Calendar, draw: Draws):
        self.name = name
        here = f"foundries.{name}"
        self.capacity = paths.YearEndLinear(cal, years(spec.capacity, f"{here}.capacity", draw),
                                            draw.count)
        self.first_capacity = self.capacity.at(0)
        self.realised = draw(f"{here}.expansion_realised", spec.expansion_realised)
        self.ai_share = paths.YearSteps(cal, years(spec.ai_share, f"{here}.ai_share", draw),
                                        draw.count)
        self.fabs = [fab_ramp(cal, fab, f"{here}.fabs.{fname}", draw)
                     for fname, fab in spec.fabs.items()]
        self.closes = (None if spec.closes is None
                       else cal.steps_of(draw(f"{here}.closes", spec.closes)))
        self.yield_factor = draw(f"{here}.yield_factor", spec.yield_factor)
        self.wafers = np.zeros(draw.count)

    def produce(self, env: simpy.Environment, months: int):
        """SimPy process: publish this month's AI wafer starts."""
        yield env.timeout(PHASE["produce"])
        for t in range(months):
            self.wafers = self.wafers_at(t)
            yield env.timeout(1)

    def wafers_at(self, t: int) -> np.ndarray:
        """AI wafer starts in month ``t``, (R,)."""
        first = self.first_capacity
        capacity = first + self.realised * (self.capacity.at(t) - first)
        fabs = np.zeros_like(first)
        for start, ramp_months, per_month in self.fabs:
            fabs = fabs + per_month * paths.ramp_at(t, start, ramp_months)
        wafers = capacity * self.ai_share.at(t) + fabs
        if self.closes is not None:
            wafers *= paths.before_step(t, self.closes)
        return wafers


def fab_ramp(cal: Calendar, fab, here: str, draw: Draws) -> tuple[np.ndarray, ...]:
    """Draw a dedicated fab's commissioning step, ramp months and full wafers per month."""
    return (cal.steps_of(draw(f"{here}.commission", fab.commission)),
            draw(f"{here}.ramp_months", fab.ramp_months),
            draw(f"{here}.wafers_per_month", fab.wafers_per_month))


def years(mapping: dict, here: str, draw: Draws) -> dict[int, paths.Row]:
    """Defer the draws of a year-keyed mapping of parameters (see :mod:`sim.model.paths`)."""
    return {int(year): partial(draw, f"{here}.{year}", dist) for year, dist in mapping.items()}
