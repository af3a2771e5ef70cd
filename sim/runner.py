"""Run a scenario end to end: load, simulate every quota level, write the run directory."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, replace
from pathlib import Path

from sim.budget import check_run_fits
from sim.explain.measure import ExplainOptions, blocks, measure
from sim.explain.runs import with_effects
from sim.explain.table import Effects
from sim.model.ensemble import EnsembleResult, simulate
from sim.model.parallel import auto_workers
from sim.results.atomic import output_directory
from sim.results.run_dir import manifest, write_run
from sim.scenario import Scenario, load

DEFAULT_SCENARIO = Path("scenarios") / "baseline.toml"


@dataclass
class Run:
    """A finished run: the scenario, its result and where it was written."""

    scenario: Scenario
    result: EnsembleResult
    out_dir: Path | None
    info: dict
    effects: Effects | None = None


def default_out_dir(scenario: Scenario) -> Path:
    """outputs/<scenario name>/."""
    return Path("outputs") / scenario.name


def execute(scenario_file: str | Path, replications: int | None = None, seed: int | None = None,
            levels: list[str] | None = None, out_dir: str | Path | None = None,
            force: bool = False, write: bool = True, workers: int | None = None,
            explain: ExplainOptions | None = None) -> Run:
    """Run ``scenario_file``; refuses to overwrite an existing ``out_dir`` unless ``force``.

    ``workers`` processes share the quota levels (default: one per idle CPU for
    a large run, else 1; see :func:`sim.model.parallel.auto_workers`); the
    outputs do not depend on it. ``explain`` measures the counterfactual
    effects too, on the run's seed and levels (None, or 0 replications: not).
    """
    started = time.perf_counter()
    scenario = load(scenario_file)
    target = Path(out_dir) if out_dir else default_out_dir(scenario)
    reps = replications or scenario.run.replications
    run_seed = scenario.run.seed if seed is None else seed
    chosen = list(levels) if levels else list(scenario.run.quota_levels)
    if workers is None:
        workers = auto_workers(reps, len(chosen))
    check_run_fits(scenario, reps, len(chosen), workers)  # refuse before any work (issue 13)
    if explain is not None and explain.replications > 0:
        explain = replace(explain, seed=run_seed, levels=tuple(chosen))
        check_run_fits(scenario, explain.replications * blocks(explain), len(chosen))
    else:
        explain = None
    # The output is claimed (checked, locked) before the simulation starts.
    with output_directory(target, force) if write else contextlib.nullcontext() as claim:
        result = simulate(scenario, reps, run_seed, chosen, workers=workers, narrow=write)
        effects = measure(scenario, explain) if explain is not None else None
        info = manifest(scenario, str(scenario_file), run_seed, reps, chosen,
                        time.perf_counter() - started)
        if explain is not None:
            info = with_effects(info, explain)
        if write:
            write_run(target, result, info, force, claim, effects)
    return Run(scenario, result, target if write else None, info, effects)
