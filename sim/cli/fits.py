"""Memory checks the experiment commands make before any work (see sim.budget).

Kept out of the command modules so they stay thin: each command calls one
function here with what it has planned, and gets an InputError (exit 2,
with the estimate) when the work cannot fit in memory.
"""

from __future__ import annotations

import math

from sim import budget
from sim.cli.options import input_error
from sim.scenario.errors import ScenarioError


def design_columns(scenario_file: str, params: tuple[str, ...], extra: int = 0) -> int:
    """Upper bound of a design's columns: uncertain parameters matched, plus ``extra``."""
    from sim.experiments.parameters import uncertain
    from sim.scenario import load

    return len(uncertain(load(scenario_file), params)) + extra


def check_sweep_design(options) -> None:
    """Refuse a sweep design (``SweepOptions``) too large to draw: ScenarioError."""
    from sim.experiments.sweep import DEFAULT_POINTS

    combos = math.prod(len(values) for _, values in options.sets)
    grid = (options.sample or ("grid" if options.sets else "lhs")) == "grid"
    points = combos if grid else combos * (options.n or DEFAULT_POINTS)
    budget.check_design_fits(points, design_columns(options.scenario_file, options.params,
                                                    len(options.sets)))


def check_sweep_work(chosen, evaluator) -> None:
    """Refuse a planned sweep whose batches in flight or results exceed memory (InputError)."""
    from sim.experiments.batch import probe

    keep = set(chosen.options.metrics)
    rows = sum(1 for metric, _, _ in probe(chosen.job.scenario).rows
               if not keep or metric in keep) * len(chosen.job.levels)
    try:
        budget.check_sweep_fits(chosen.scenario, chosen.design.size, len(chosen.design.columns),
                                rows, len(chosen.job.levels), evaluator.workers)
    except ScenarioError as err:
        evaluator.close()
        raise input_error(err) from None


def check_study_design(options) -> None:
    """Refuse a sensitivity design (``StudyOptions``) too large to draw: ScenarioError."""
    from sim.experiments.study import DEFAULT_N

    factors = design_columns(options.scenario_file, options.params)
    n = options.n or DEFAULT_N[options.method]
    points = n * (factors + 2) if options.method == "sobol" else n * (factors + 1)
    budget.check_design_fits(points, factors)
