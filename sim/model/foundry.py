"""Foundries: advanced-node wafer capacity available for AI chips."""

from __future__ import annotations

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
        plan = paths.year_end_linear(cal, years(spec.capacity, f"{here}.capacity", draw), draw.count)
        realised = draw(f"{here}.expansion_realised", spec.expansion_realised)[:, None]
        capacity = plan[:, :1] + realised * (plan - plan[:, :1])
        ai_share = paths.year_steps(cal, years(spec.ai_share, f"{here}.ai_share", draw), draw.count)
        wafers = capacity * ai_share + sum(
            (fab_output(cal, fab, f"{here}.fabs.{fname}", draw) for fname, fab in spec.fabs.items()),
            start=np.zeros((draw.count, cal.months)))
        if spec.closes is not None:
            wafers *= ~paths.from_step(cal, cal.steps_of(draw(f"{here}.closes", spec.closes)))
        self.plan = wafers
        self.yield_factor = draw(f"{here}.yield_factor", spec.yield_factor)
        self.wafers = np.zeros(draw.count)

    def produce(self, env: simpy.Environment, months: int):
        """SimPy process: publish this month's AI wafer starts."""
        yield env.timeout(PHASE["produce"])
        for t in range(months):
            self.wafers = self.plan[:, t]
            yield env.timeout(1)


def fab_output(cal: Calendar, fab, here: str, draw: Draws) -> np.ndarray:
    """Wafers per month of one dedicated fab, ramping after commissioning."""
    start = cal.steps_of(draw(f"{here}.commission", fab.commission))
    months = draw(f"{here}.ramp_months", fab.ramp_months)
    return draw(f"{here}.wafers_per_month", fab.wafers_per_month)[:, None] * paths.ramp(
        cal, start, months)


def years(mapping: dict, here: str, draw: Draws) -> dict[int, np.ndarray]:
    """Draw a year-keyed mapping of parameters."""
    return {int(year): draw(f"{here}.{year}", dist) for year, dist in mapping.items()}
