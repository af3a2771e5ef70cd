"""What binds, measured: constraints ranked by what relaxing them delivers.

A constraint *binds* in a year when relaxing it (by its stated amount, on the
same draws) raises delivered compute by an elasticity of at least
:data:`THRESHOLD`: a 10% relaxation adding at least 1% to the compute
delivered that year. The interval is the elasticity of the 5th and 95th
percentiles of the paired change. A negative elasticity is shown as it is
(relaxing that constraint lowers deliveries) and never binds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.core.metrics import M
from sim.model.constraints import CONSTRAINTS, LIMITS
from sim.results.effects import Effects

THRESHOLD = 0.1  # elasticity of delivered compute from which a constraint binds
TARGET = M.delivered_compute  # what "binds" is measured on


@dataclass(frozen=True)
class Binding:
    """One constraint's elasticity of delivered compute, with its 90% interval."""

    constraint: str
    elasticity: float
    low: float
    high: float

    @property
    def label(self) -> str:
        """How the constraint is named in sentences and tables."""
        return CONSTRAINTS[self.constraint].label

    @property
    def binds(self) -> bool:
        """Whether relaxing it raises delivered compute by at least the threshold."""
        return math.isfinite(self.elasticity) and self.elasticity >= THRESHOLD


def ranking(effects: Effects, level: str, year: str) -> list[Binding]:
    """Every measured limit at ``level`` in ``year``, largest elasticity first."""
    found = []
    for name in LIMITS:
        row = effects.get(level, name, TARGET, year)
        if row is None or not math.isfinite(row.elasticity):
            continue
        scale = 1.0 / (row.base * row.amount)  # elasticity per unit of change
        found.append(Binding(name, row.elasticity, row.p05 * scale, row.p95 * scale))
    return sorted(found, key=lambda b: -b.elasticity)


def binding(effects: Effects, level: str, year: str) -> list[Binding]:
    """Return the limits that bind at ``level`` in ``year``, largest first."""
    return [b for b in ranking(effects, level, year) if b.binds]


def binds_text(effects: Effects, level: str, year: str, most: int = 2) -> str:
    """Name the ``most`` strongest binding limits with their elasticity: "A 1.68, B 0.91"."""
    found = binding(effects, level, year)[:most]
    if not found:
        return "none" if ranking(effects, level, year) else "n/a"
    return ", ".join(f"{b.label} {b.elasticity:.2f}" for b in found)
