"""What holds a quota level's effect back, measured by lifting each hindrance.

The effect of moving from level ``lo`` to level ``hi`` on a metric is the
difference of the baseline's means at the two levels. Each ``lever``
counterfactual of the registry (the level's reach, the import bars, domestic
supply that does not rise) is run at both levels on the same draws, so the
effect with that hindrance lifted is the baseline effect plus the
counterfactual's change at ``hi`` minus its change at ``lo``. What the
hindrance costs the level is the difference of the two effects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.core.metrics import M
from sim.model.constraints import CONSTRAINTS, LEVERS
from sim.results.effects import Effects


@dataclass(frozen=True)
class Hindrance:
    """One lever counterfactual: the level's effect without and with the hindrance lifted."""

    constraint: str
    base: float  # effect of lo -> hi in the baseline (mean)
    lifted: float  # the same effect with the hindrance lifted (mean)

    @property
    def cost(self) -> float:
        """How much of the effect the hindrance takes away (lifted minus base)."""
        return self.lifted - self.base

    @property
    def label(self) -> str:
        """How the hindrance is named in sentences."""
        return CONSTRAINTS[self.constraint].label


def level_effect(
    effects: Effects, lo: str, hi: str, year: str, metric: str = M.domestic_share_units
) -> float:
    """Baseline mean effect of ``lo`` -> ``hi`` on ``metric`` (NaN when not measured)."""
    for name in effects.constraints():  # every row holds the same paired baseline's mean
        at_lo, at_hi = (effects.get(level, name, metric, year) for level in (lo, hi))
        if at_lo is not None and at_hi is not None:
            return at_hi.base - at_lo.base
    return math.nan


def hindrances(
    effects: Effects, lo: str, hi: str, year: str, metric: str = M.domestic_share_units
) -> list[Hindrance]:
    """Every measured lever counterfactual for ``lo`` -> ``hi``, in registry order."""
    base = level_effect(effects, lo, hi, year, metric)
    found = []
    for name in LEVERS:
        at_lo, at_hi = (effects.get(level, name, metric, year) for level in (lo, hi))
        if at_lo is None or at_hi is None or not math.isfinite(base):
            continue
        found.append(Hindrance(name, base, base + at_hi.mean - at_lo.mean))
    return found
