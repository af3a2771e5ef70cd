"""Memory checks of experiments before any work (the estimates are in sim.model.budget).

The sweep and the sensitivity study call these with what they have planned,
and get a ScenarioError (exit 2 at the CLI, with the estimate) when the work
cannot fit in the memory available.
"""

from __future__ import annotations

import math

from sim.experiments import methods
from sim.experiments.parameters import uncertain
from sim.model import budget
from sim.scenario import load


def design_columns(scenario_file: str, params: tuple[str, ...], extra: int = 0) -> int:
    """Upper bound of a design's columns: uncertain parameters matched, plus ``extra``."""
    return len(uncertain(load(scenario_file), params)) + extra


def check_sweep_design(options, default_points: int) -> None:
    """Refuse a sweep design (``SweepOptions``) too large to draw, before it is drawn.

    ``default_points`` is the sweep's own default for ``options.n`` (points
    sampled per combination of --set lists).
    """
    combos = math.prod(len(values) for _, values in options.sets)
    grid = (options.sample or ("grid" if options.sets else "lhs")) == "grid"
    points = combos if grid else combos * (options.n or default_points)
    budget.check_design_fits(
        points, design_columns(options.scenario_file, options.params, len(options.sets))
    )


def check_sweep_work(chosen, workers: int) -> None:
    """Refuse a planned sweep whose batches in flight or results exceed memory."""
    budget.check_sweep_fits(
        chosen.scenario,
        chosen.design.size,
        len(chosen.design.columns),
        chosen.rows_per_point,
        len(chosen.job.levels),
        workers,
        chosen.batch_size * chosen.job.replications,
    )


def check_study_design(options) -> None:
    """Refuse a sensitivity design (``StudyOptions``) too large to draw, before it is drawn."""
    method = methods.METHODS[options.method]
    factors = design_columns(options.scenario_file, options.params)
    n = options.n or method.default_n
    budget.check_design_fits(n * method.points_per_n(factors), factors)
