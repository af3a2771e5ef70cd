"""A sensitivity study of a scenario: which uncertain parameters move one output.

The output is a statistic (the mean over R replications by default) of one
summary row: metric, region, period and quota level. Each design point pins
the analysed parameters through their own distributions (``Space`` mode
``dist``: indices describe the scenario's stated uncertainty); parameters not
analysed keep varying across the R replications, with common random numbers.
``execute`` is the whole command: plan, evaluate, analyse and write the
directory (sensitivity.csv, sample.parquet, outputs.parquet, manifest.json).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from sim.core.metrics import unit_of
from sim.experiments import diagnostics, evaluators, methods, sensitivity
from sim.experiments.batch import Batch, Job, Probe, RowFilter, probe
from sim.experiments.budget_checks import check_study_design
from sim.experiments.design import Space, parse_sets, replications, varying_within
from sim.experiments.execution import OUTPUTS, Execution, Interrupted, Say, quiet
from sim.experiments.parameters import apply, check_point, uncertain
from sim.experiments.progress import Display, Progress
from sim.experiments.store import parquet_bytes
from sim.experiments.sweep import DEFAULT_REPS, batch_size  # a point's replications, as a sweep's
from sim.model.rng import Streams
from sim.model.stats import STAT_NAMES
from sim.results.atomic import output_directory, staging, write_bytes, write_text
from sim.results.dictionary import FILE as DICTIONARY
from sim.results.dictionary import dictionary_csv
from sim.results.provenance import provenance
from sim.scenario import Scenario, load
from sim.scenario.convert import did_you_mean
from sim.scenario.dump import scenario_hash, to_raw
from sim.scenario.errors import ScenarioError
from sim.scenario.settings import resolve

STUDY_STREAM = "experiments.sensitivity"  # design stream: never a parameter path
FILES = (
    "sensitivity.csv",
    diagnostics.WARNINGS_FILE,
    "sample.parquet",
    "outputs.parquet",
    DICTIONARY,
    "manifest.json",
)


@dataclass(frozen=True)
class StudyOptions:
    """A sensitivity study as asked for on the command line (None: the default)."""

    scenario_file: str
    method: str = methods.SOBOL.name
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
    varying: list[str] = field(default_factory=list)  # uncertain paths drawn within a point

    @property
    def method(self) -> methods.Method:
        """The sensitivity method (registry entry)."""
        return methods.method(self.options.method)

    @property
    def n(self) -> int:
        """Base sample size (Sobol) or number of trajectories (Morris)."""
        return self.options.n or self.method.default_n

    def batches(self) -> list[Batch]:
        """Split the design points into batches of ``batch_size``."""
        out = []
        for k in range(math.ceil(len(self.values) / self.batch_size)):
            idx = np.arange(k * self.batch_size, min(len(self.values), (k + 1) * self.batch_size))
            out.append(
                Batch(
                    k, idx, {p.path: self.values[idx, j] for j, p in enumerate(self.factors.params)}
                )
            )
        return out


def plan(options: StudyOptions) -> Study:
    """Check every input and fix the design; ScenarioError names the bad one."""
    file = options.scenario_file
    scenario = load(file)
    if options.method not in methods.METHODS:
        raise ScenarioError(
            f"unknown method {options.method!r}" + did_you_mean(options.method, methods.METHODS),
            "--method",
            file,
        )
    sets = parse_sets(scenario, [(p, list(v)) for p, v in options.sets], file)
    if any(len(values) > 1 for _, values in sets):
        raise ScenarioError(
            "sensitivity takes one value per --set (it fixes a parameter)", "--set", file
        )
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
    seed = resolve(scenario, seed=options.seed).seed
    n = options.n or methods.method(options.method).default_n
    unit = sensitivity.design(
        options.method, factors, n, Streams(seed).generator(STUDY_STREAM), options.levels
    )
    values = Space(factors.params, "dist").values(unit)
    notes: list[str] = []
    varying = varying_within(base, {p.path for p in params}, seen.drawn)
    reps = replications(options.reps, varying, DEFAULT_REPS, notes, "the analysis")
    rows = RowFilter(
        frozenset([options.metric]), frozenset([options.region]), frozenset([options.period])
    )
    job = Job(base, reps, seed, (options.quota,), seen.drawn, rows)
    return Study(
        options, scenario, factors, unit, values, job, batch_size(len(unit), reps), notes, varying
    )


def check_output(options: StudyOptions, seen: Probe, scenario: Scenario, file: str) -> None:
    """Refuse a metric, region or period naming no row the model reports."""
    for position, value, flag in (
        (0, options.metric, "--metric"),
        (1, options.region, "--region"),
        (2, options.period, "--period"),
    ):
        if value not in seen.names(position):
            raise ScenarioError(
                f"unknown value {value!r}" + did_you_mean(value, seen.names(position)), flag, file
            )
    if (options.metric, options.region, options.period) not in seen.rows:
        raise ScenarioError(
            f"the model reports no {options.metric} for {options.region} in {options.period}",
            "--period",
            file,
        )
    if options.stat not in STAT_NAMES:
        raise ScenarioError(
            f"unknown statistic {options.stat!r}" + did_you_mean(options.stat, STAT_NAMES),
            "--stat",
            file,
        )


@dataclass
class Analysis:
    """A study's outputs and indices: ``stats[i]`` are point i's six statistics."""

    rows: list[dict]
    facts: dict
    stats: np.ndarray  # (points, 6), STAT_NAMES order
    warnings: list[diagnostics.Flag] = field(default_factory=list)  # where the indices are weak


def evaluate(study: Study, evaluator, progress: Progress | None = None) -> Analysis:
    """Evaluate every point, then analyse the chosen statistic."""
    started = time.perf_counter()
    stats = outputs(study, evaluator, progress)
    y = stats[:, STAT_NAMES.index(study.options.stat)]
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise ScenarioError(
            f"{study.options.metric} is undefined at {bad.size} of {len(y)} "
            "points (e.g. a share of nothing delivered): choose another metric, "
            "region or period",
            "--metric",
            study.options.scenario_file,
        )
    rows = sensitivity.analyse(
        study.options.method, study.factors, study.unit, y, study.job.seed, study.options.levels
    )
    facts = {
        "points": len(y),
        "wall_time_s": round(time.perf_counter() - started, 3),
        "output_mean": float(np.mean(y)),
        "output_std": float(np.std(y)),
    }
    return Analysis(rows, facts, stats, diagnostics.diagnose(study.options.method, rows, study.n))


def run(study: Study, evaluator, progress: Progress | None = None) -> tuple[list[dict], dict]:
    """Evaluate every point, then analyse; returns the index rows and run facts."""
    found = evaluate(study, evaluator, progress)
    return found.rows, found.facts


def outputs(study: Study, evaluator, progress: Progress | None = None) -> np.ndarray:
    """Each design point's six statistics of the output row, (points, 6), in point order."""
    stats = np.full((len(study.values), len(STAT_NAMES)), np.nan)
    try:
        for result in evaluator.run(study.job, study.batches()):
            if len(result.keys) != 1:
                raise RuntimeError(f"expected one summary row per point, got {len(result.keys)}")
            stats[result.points] = result.stats[:, 0, :]
            if progress is not None:
                progress.update(len(result.points))
    finally:
        if progress is not None:
            progress.close()
    return stats


def default_out(study: Study) -> Path:
    """Return the directory used without --out: outputs/<scenario>-<method>/."""
    return Path(OUTPUTS) / study.method.out_dir(study.scenario.name)


@dataclass
class Outcome:
    """What a finished ``execute`` tells the user."""

    study: Study
    analysis: Analysis
    out_dir: Path


def execute(options: StudyOptions, execution: Execution | None = None, say: Say = quiet) -> Outcome:
    """Run the study the command line asks for and write its directory.

    Raises ScenarioError or ExperimentError (bad input, before anything runs),
    Interrupted (Ctrl-C: nothing is written) and OSError (the output place).
    """
    execution = execution or Execution()
    check_study_design(options)  # memory, before the design is drawn
    study = plan(options)
    target = Path(execution.out) if execution.out else default_out(study)
    # Checked (path, --force rules) and locked before any work, until written.
    with output_directory(target, execution.force) as claim:
        for note in study.notes:
            say(note)
        evaluator = evaluators.make(execution.workers, execution.scheduler, say)
        say(
            f"{study.method.name}: {study.factors.count} factors, {len(study.unit)} points x "
            f"{study.job.replications} replications, {evaluator.name} with "
            f"{evaluator.workers} worker(s)"
        )
        progress = Progress(
            len(study.unit), Display(label=study.method.name), enabled=execution.progress
        )
        try:
            analysis = evaluate(study, evaluator, progress)
        except KeyboardInterrupt:
            raise Interrupted(f"interrupted: nothing written to {target}/") from None
        finally:
            evaluator.close()
        write(study, analysis, claim.target, execution.force, evaluator.describe())
    return Outcome(study, analysis, target)


def write(study: Study, analysis: Analysis, target: Path, force: bool, evaluator: dict) -> None:
    """Write the study's directory at once: indices, sample, outputs, manifest (last).

    ``target`` is claimed by the caller (sim.results.atomic.output_directory).
    """
    with staging(target, force, "sensitivity") as stage:
        codes = diagnostics.codes_by_parameter(analysis.warnings)
        write_text(
            stage / "sensitivity.csv",
            sensitivity.csv_text(analysis.rows, study.options.method, codes),
        )
        write_text(stage / diagnostics.WARNINGS_FILE, diagnostics.warnings_csv(analysis.warnings))
        write_bytes(
            stage / "sample.parquet", parquet_bytes(sample_table(study), sample_docs(study))
        )
        unit = unit_of(study.options.metric)
        write_bytes(stage / "outputs.parquet", parquet_bytes(outputs_table(analysis.stats, unit)))
        write_text(stage / DICTIONARY, dictionary_csv([study.options.metric]))
        text = json.dumps(manifest(study, analysis.facts, evaluator), indent=2, sort_keys=True)
        write_text(stage / "manifest.json", text + "\n")


def sample_table(study: Study):
    """Tabulate the design: ``point``, each parameter's value, its unit coordinate ``unit.PATH``.

    SALib's analyse functions take the unit coordinates with the manifest's
    ``problem`` (the bounds are [0, 1]); values are what the model was given
    (months as ordinals).
    """
    import pyarrow as pa

    columns = {"point": pa.array(np.arange(len(study.unit), dtype=np.int64))}
    for j, spec in enumerate(study.factors.params):
        columns[spec.path] = pa.array(study.values[:, j].astype(float))
    for j, spec in enumerate(study.factors.params):
        columns[f"unit.{spec.path}"] = pa.array(study.unit[:, j].astype(float))
    return pa.table(columns)


def sample_docs(study: Study) -> dict[str, tuple[str, str]]:
    """Document the unit and description of each design column of sample.parquet."""
    out = {}
    for spec in study.factors.params:
        unit = str(spec.meta.get("unit", "")) or "value"
        out[spec.path] = (unit, f"value of {spec.path} given to the model (months as ordinals)")
        out[f"unit.{spec.path}"] = (
            "share of [0, 1]",
            f"unit-cube coordinate of {spec.path} (SALib's input)",
        )
    return out


def outputs_table(stats: np.ndarray, unit: str):
    """Tabulate the output row's six statistics per point, in design order, in ``unit``."""
    import pyarrow as pa

    columns = {
        "point": pa.array(np.arange(len(stats), dtype=np.int64)),
        "unit": pa.DictionaryArray.from_arrays(np.zeros(len(stats), np.int32), [unit]).cast(
            pa.string()
        ),
    }
    columns.update({name: pa.array(stats[:, k]) for k, name in enumerate(STAT_NAMES)})
    return pa.table(columns)


def manifest(study: Study, facts: dict, evaluator: dict) -> dict:
    """Everything needed to reproduce the study (``evaluator``: its description)."""
    o = study.options
    calendar = study.scenario.calendar
    return {
        "kind": "sensitivity",
        "method": study.method.name,
        "scenario_file": o.scenario_file,
        "scenario_name": study.scenario.name,
        "scenario_hash": scenario_hash(study.scenario),
        "scenario": to_raw(study.scenario),
        "calendar": {"start": calendar.start, "end": calendar.end},
        "options": asdict(o),
        "n": study.n,
        "replications": study.job.replications,
        "seed": study.job.seed,
        "factors": study.factors.names,
        "parameters": [p.path for p in study.factors.params],
        "problem": study.factors.problem(),
        "varying_within_point": study.varying,
        "output": {
            "metric": o.metric,
            "region": o.region,
            "period": o.period,
            "quota": o.quota,
            "statistic": o.stat,
        },
        "space": "dist",
        "resamples": sensitivity.RESAMPLES,
        "confidence": sensitivity.CONFIDENCE,
        "batch_size": study.batch_size,
        "evaluator": evaluator,
        **facts,
        **provenance(o.scenario_file),
        "files": list(FILES),
    }
