"""Counterfactual effects: why the market and the quota levels come out as they do.

Every explanation chipsim gives is measured by the counterfactual that could
refute it: a paired run on the same draws with one constraint relaxed
(:mod:`sim.model.constraints` is the registry). :func:`measure` runs them;
:mod:`sim.results.binds` ranks what limits deliveries; :mod:`sim.results.lever`
splits what a quota level could do from what it does; effects.csv
(:mod:`sim.results.effects`) holds the numbers, read with
``pandas.read_csv(run_dir / "effects.csv")``.
"""

from sim.experiments.explain.measure import DEFAULT_REPS, ExplainOptions, measure
from sim.results.effects import FILENAME, EffectRow, Effects, read_effects

__all__ = [
    "DEFAULT_REPS",
    "EffectRow",
    "Effects",
    "ExplainOptions",
    "FILENAME",
    "measure",
    "read_effects",
]
