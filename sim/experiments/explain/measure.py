"""Paired counterfactual runs: what relaxing each constraint changes.

Constraints that only transform draws share one Model, laid side by side on
the replication axis with the unrelaxed baseline (:class:`BlockDraws`);
a structural counterfactual (another scenario) is a Model of its own on the
same draws. Block k's replication r is paired with the baseline's
replication r, so every change is the policy's, not sampling noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.core.metrics import COUNTERFACTUAL, metric
from sim.experiments.explain.draws import BlockDraws
from sim.model.blocks import Block, plan
from sim.model.budget import block_replications
from sim.model.constraints import CONSTRAINTS, Constraint, identity, same
from sim.model.ensemble import month_ticks
from sim.model.model import Model, ModelOptions, calendar_of
from sim.model.recorder import RecordOptions, RowFilter
from sim.model.rng import Draws, Streams
from sim.model.stats import STAT_NAMES, summarise
from sim.results.effects import EffectRow, Effects
from sim.scenario.schema import Scenario
from sim.scenario.settings import resolve

DEFAULT_REPS = 1000  # replications of the explanation (chipsim run --explain-reps)
BASELINE = "baseline"
MEASURED = COUNTERFACTUAL  # what every counterfactual reports the change of
NO_ROWS = RecordOptions(rows=RowFilter(metrics=frozenset()))  # per-replication values only


@dataclass(frozen=True)
class ExplainOptions:
    """What to measure: replications, seed, levels, constraints and the relaxation.

    ``amount`` overrides every limit's default relaxation; ``progress`` is
    called with (months simulated, months in all) after each month of each
    counterfactual Model.
    """

    replications: int = DEFAULT_REPS
    seed: int | None = None
    levels: tuple[str, ...] | None = None
    constraints: tuple[str, ...] = tuple(CONSTRAINTS)
    amount: float | None = None
    progress: Callable[[int, int], None] | None = None


def groups(constraints: list[Constraint]) -> list[list[Constraint | None]]:
    """Constraints in Models: the baseline (None) with every draws-only one, then one each."""
    shared: list[Constraint | None] = [None, *(c for c in constraints if c.structure is same)]
    return [shared] + [[c] for c in constraints if c.structure is not same]


def blocks(options: ExplainOptions) -> int:
    """Replication blocks of the largest counterfactual Model (for memory estimates)."""
    return len(groups([CONSTRAINTS[name] for name in options.constraints])[0])


def models(options: ExplainOptions) -> int:
    """How many Models the explanation runs (for progress)."""
    return len(groups([CONSTRAINTS[name] for name in options.constraints]))


def block_plan(scenario: Scenario, group: list, options: ExplainOptions) -> list[Block]:
    """Replication blocks of one counterfactual Model, within the run's memory budget.

    A Model of ``group`` holds ``len(group)`` copies of each replication.
    """
    levels = len(resolve(scenario, levels=options.levels).levels)
    return plan(
        options.replications, max(1, block_replications(scenario, levels) // max(len(group), 1))
    )


def run_group(
    scenario: Scenario,
    group: list[Constraint | None],
    options: ExplainOptions,
    amounts: dict[str, float],
    tick: Callable[[], None] | None = None,
) -> dict[str, dict[str, np.ndarray]]:
    """Simulate the Models of ``group``; return block name -> metric -> (L, R, Y) values.

    The replications are simulated a block at a time (:func:`block_plan`), so
    memory stays within the run's budget; ``tick`` is called after each month.
    """
    first = group[0]
    structural = first is not None and first.structure is not same
    model_scenario = first.structure(scenario) if first is not None and structural else scenario
    transforms = [identity if c is None else c.draws(scenario, amounts[c.id]) for c in group]
    settings = resolve(scenario, seed=options.seed, levels=options.levels)  # unset: the scenario's
    seed, levels = settings.seed, list(settings.levels)
    parts = []
    for block in block_plan(scenario, group, options):
        draws = BlockDraws(Draws(Streams(seed), block.count, block.first), transforms)
        model = Model(
            model_scenario, draws.count, seed, levels, ModelOptions(draws=draws, record=NO_ROWS)
        )
        if tick is not None:
            model.env.process(month_ticks(model, tick))
        result = model.run()
        parts.append({m: draws.split(result.replicates[m]) for m in MEASURED})
    names = [BASELINE if c is None else c.id for c in group]
    return {
        name: {m: np.concatenate([part[m][:, k] for part in parts], axis=1) for m in MEASURED}
        for k, name in enumerate(names)
    }


def measure(scenario: Scenario, options: ExplainOptions = ExplainOptions()) -> Effects:
    """Run every counterfactual of ``options`` paired with the baseline; return their effects."""
    chosen = [CONSTRAINTS[name] for name in options.constraints]
    amounts = {
        c.id: (
            options.amount
            if options.amount is not None and c.amount is not None
            else c.amount or 0.0
        )
        for c in chosen
    }
    runs: dict[str, dict[str, np.ndarray]] = {}
    planned = groups(chosen)
    months = calendar_of(scenario).months
    total = sum(len(block_plan(scenario, g, options)) for g in planned) * months
    done = [0]

    def tick() -> None:
        done[0] += 1
        if options.progress is not None:
            options.progress(done[0], total)

    for group in planned:
        runs |= run_group(scenario, group, options, amounts, tick)
    if options.progress is not None:  # a Model's last month may end its run before it ticks
        options.progress(total, total)
    levels = list(resolve(scenario, levels=options.levels).levels)
    years = [str(y) for y in calendar_of(scenario).years]
    rows = []
    for c in chosen:
        relative = amounts[c.id] if c.amount is not None else None
        rows += effect_rows(c, runs[BASELINE], runs[c.id], (levels, years), relative)
    return Effects(rows)


def effect_rows(
    c: Constraint,
    base: dict[str, np.ndarray],
    relaxed: dict[str, np.ndarray],
    labels: tuple[list[str], list[str]],
    amount: float | None,
) -> list[EffectRow]:
    """Rows of one constraint: every level, measured metric and year."""
    levels, years = labels
    rows = []
    for name in MEASURED:
        change = np.moveaxis(relaxed[name] - base[name], 1, -1)  # (L, Y, R)
        stats = summarise(change)
        means = summarise(np.moveaxis(base[name], 1, -1))[..., 0]  # (L, Y), NaN left out
        for i, level in enumerate(levels):
            for y, year in enumerate(years):
                mean, p05, p95 = (stats[i, y, STAT_NAMES.index(s)] for s in ("mean", "p05", "p95"))
                rows.append(
                    EffectRow(
                        level,
                        c.id,
                        name,
                        year,
                        metric(name).unit,
                        c.relaxed(amount),
                        math.nan if amount is None else amount,
                        float(means[i, y]),
                        float(mean),
                        float(p05),
                        float(p95),
                        elasticity(float(mean), float(means[i, y]), amount),
                    )
                )
    return rows


def elasticity(change: float, base: float, amount: float | None) -> float:
    """Relative change over relative relaxation; NaN for a structural change or a zero base."""
    if amount is None or amount == 0 or base == 0 or not np.isfinite(base):
        return float("nan")
    return change / base / amount
