"""A sensitivity study of a scenario: which uncertain parameters move one output.

The output is a statistic (the mean over R replications by default) of one
summary row: metric, region, period and quota level. Each design point pins
the analysed parameters through their own distributions (``Space`` mode
``dist``: indices describe the scenario's stated uncertainty); parameters not
analysed keep varying across the R replications, with common random numbers.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from sim.experiments import sensitivity
from sim.experiments.batch import Batch, Job, Probe, RowFilter, probe
from sim.experiments.design import Space, parse_sets
from sim.experiments.parameters import apply, check_point, uncertain
from sim.experiments.progress import Progress
from sim.experiments.sweep import batch_size, package_versions
from sim.model.stats import STAT_NAMES
from sim.results.run_dir import git_commit
from sim.rng import Streams
from sim.scenario import Scenario, load
from sim.scenario.convert import did_you_mean
from sim.scenario.dump import scenario_hash
from sim.scenario.errors import ScenarioError

DEFAULT_N = {"sobol": 256, "morris": 20}
DEFAULT_REPS = 100
STUDY_STREAM = "experiments.sensitivity"  # design stream: never a parameter path


@dataclass(frozen=True)
class StudyOptions:
    """A sensitivity study as asked for on the command line (None: the default)."""

    scenario_file: str
    method: str = "sobol"
    n: int | None = None
    reps: int | None = None
    seed: int | None = None
    metric: str = "domestic_share_units"
    region: str = "national"
    period: str = "2027"
    quota: str = "announced"
    stat: str = "mean"
    params: tuple[str, ...] = ()
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    sets: tuple[tuple[str, tuple[str, ...]], ...] = ()
    levels: int = 4  # Morris grid levels


@dataclass
class Study:
    """A validated study: factors, design points, and the job that evaluates them."""

    options: StudyOptions
    scenario: Scenario
    factors: sensitivity.Factors
    unit: np.ndarray
    values: np.ndarray
    job: Job
    batch_size: int
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        """Base sample size (Sobol) or number of trajectories (Morris)."""
        return self.options.n or DEFAULT_N[self.options.method]

    def batches(self) -> list[Batch]:
        """Split the design points into batches of ``batch_size``."""
        out = []
        for k in range(math.ceil(len(self.values) / self.batch_size)):
            idx = np.arange(k * self.batch_size, min(len(self.values), (k + 1) * self.batch_size))
            out.append(Batch(k, idx, {p.path: self.values[idx, j]
                                      for j, p in enumerate(self.factors.params)}))
        return out


def plan(options: StudyOptions) -> Study:
    """Check every input and fix the design; ScenarioError names the bad one."""
    file = options.scenario_file
    scenario = load(file)
    sets = parse_sets(scenario, [(p, list(v)) for p, v in options.sets], file)
    if any(len(values) > 1 for _, values in sets):
        raise ScenarioError("sensitivity takes one value per --set (it fixes a parameter)",
                            "--set", file)
    fixed = {spec.path: values[0] for spec, values in sets}
    check_point(scenario, fixed, file)
    base = apply(scenario, fixed)
    params = uncertain(base, options.params)
    for pattern in options.params:
        if not uncertain(base, (pattern,)):
            raise ScenarioError("matches no uncertain parameter", f"--param {pattern}", file)
    if len(params) < 2:
        raise ScenarioError("at least two uncertain parameters are needed", "--param", file)
    try:
        factors = sensitivity.grouped(params, list(options.groups))
    except ValueError as exc:
        raise ScenarioError(str(exc), "--group", file) from None
    seen = probe(base)
    check_output(options, seen, base, file)
    seed = scenario.run.seed if options.seed is None else options.seed
    n = options.n or DEFAULT_N[options.method]
    unit = sensitivity.design(options.method, factors, n, Streams(seed).generator(STUDY_STREAM),
                              options.levels)
    values = Space(factors.params, "dist").values(unit)
    notes: list[str] = []
    reps = options.reps or default_reps(base, params, notes)
    rows = RowFilter(frozenset([options.metric]), frozenset([options.region]),
                     frozenset([options.period]))
    job = Job(base, reps, seed, (options.quota,), seen.drawn, rows)
    return Study(options, scenario, factors, unit, values, job, batch_size(len(unit), reps), notes)


def check_output(options: StudyOptions, seen: Probe, scenario: Scenario, file: str) -> None:
    """Refuse a metric, region or period naming no row the model reports."""
    for position, value, flag in ((0, options.metric, "--metric"), (1, options.region, "--region"),
                                  (2, options.period, "--period")):
        if value not in seen.names(position):
            raise ScenarioError(f"unknown value {value!r}" + did_you_mean(value, seen.names(
                position)), flag, file)
    if (options.metric, options.region, options.period) not in seen.rows:
        raise ScenarioError(f"the model reports no {options.metric} for {options.region} in "
                            f"{options.period}", "--period", file)
    if options.stat not in STAT_NAMES:
        raise ScenarioError(f"unknown statistic {options.stat!r}" + did_you_mean(
            options.stat, STAT_NAMES), "--stat", file)


def default_reps(base: Scenario, params: list, notes: list[str]) -> int:
    """One replication when every uncertain parameter is analysed, else DEFAULT_REPS."""
    if len(params) == len(uncertain(base)):
        notes.append("note: every uncertain parameter is analysed, so replications would be "
                     "identical: running 1 per point (--reps to override)")
        return 1
    return DEFAULT_REPS


def run(study: Study, evaluator, progress: Progress | None = None) -> tuple[list[dict], dict]:
    """Evaluate every point, then analyse; returns the index rows and run facts."""
    started = time.perf_counter()
    y = outputs(study, evaluator, progress)
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise ScenarioError(f"{study.options.metric} is undefined at {bad.size} of {len(y)} "
                            "points (e.g. a share of nothing delivered): choose another metric, "
                            "region or period", "--metric", study.options.scenario_file)
    rows = sensitivity.analyse(study.options.method, study.factors, study.unit, y,
                               study.job.seed, study.options.levels)
    facts = {"points": len(y), "wall_time_s": round(time.perf_counter() - started, 3),
             "output_mean": float(np.mean(y)), "output_std": float(np.std(y))}
    return rows, facts


def outputs(study: Study, evaluator, progress: Progress | None = None) -> np.ndarray:
    """Evaluate the output at every design point (point order, whatever the finish order)."""
    y = np.full(len(study.values), np.nan)
    column = STAT_NAMES.index(study.options.stat)
    try:
        for result in evaluator.run(study.job, study.batches()):
            if len(result.keys) != 1:
                raise RuntimeError(f"expected one summary row per point, got {len(result.keys)}")
            y[result.points] = result.stats[:, 0, column]
            if progress is not None:
                progress.update(len(result.points))
    finally:
        if progress is not None:
            progress.close()
    return y


def manifest(study: Study, facts: dict, evaluator: dict) -> dict:
    """Everything needed to reproduce the study (``evaluator``: its kind and workers)."""
    o = study.options
    return {"kind": "sensitivity", "scenario_file": o.scenario_file,
            "scenario_hash": scenario_hash(study.scenario), "options": asdict(o),
            "n": study.n, "replications": study.job.replications, "seed": study.job.seed,
            "factors": study.factors.names, "parameters": [p.path for p in study.factors.params],
            "output": {"metric": o.metric, "region": o.region, "period": o.period,
                       "quota": o.quota, "statistic": o.stat},
            "space": "dist", "resamples": sensitivity.RESAMPLES,
            "confidence": sensitivity.CONFIDENCE, "batch_size": study.batch_size,
            "evaluator": evaluator, **facts,
            "versions": package_versions(),
            "git_commit": git_commit(), "files": ["sensitivity.csv", "manifest.json"]}
