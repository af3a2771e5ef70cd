"""A sweep from start to finish: plan (validate everything), run (durably), finish.

``plan`` checks every input before anything runs and fixes the design, the
batches and the settings that ``--resume`` must match. ``run`` evaluates the
batches not yet stored, writing each as it completes, then assembles
results.parquet and manifest.json. ``execute`` is the whole command: plan,
check the output directory, choose the evaluator, run, and tell the user.
"""

from __future__ import annotations

import math
import shlex
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from sim.experiments import design as designs
from sim.experiments import evaluators, footprint, methods
from sim.experiments.batch import Batch, Job, probe
from sim.experiments.budget_checks import check_sweep_design, check_sweep_work
from sim.experiments.execution import (
    OUTPUTS,
    Execution,
    ExperimentError,
    Interrupted,
    Say,
    check_execution,
    quiet,
)
from sim.experiments.parameters import apply
from sim.experiments.progress import Display, Progress
from sim.experiments.store import RunStore
from sim.results.claim import claimed
from sim.results.dictionary import FILE as DICTIONARY
from sim.results.marker import why_not_replaceable
from sim.results.provenance import provenance
from sim.results.run_dir import versions
from sim.scenario import Scenario, load
from sim.scenario.convert import did_you_mean
from sim.scenario.dump import scenario_hash, to_raw
from sim.scenario.errors import ScenarioError
from sim.scenario.settings import resolve

DEFAULT_POINTS = 64
DEFAULT_REPS = 100
# Replications x quota levels per batch ensemble: each ensemble costs a fixed ~0.2 s CPU
# (the model's months), so batches are large (about 230 MB of memory at one level).
BATCH_CELLS = 20480
MIN_BATCHES = 16  # ... but a sweep splits into at least this many batches to share out
FORMAT = 1


@dataclass(frozen=True)
class SweepOptions:
    """A sweep as asked for on the command line (None: the default)."""

    scenario_file: str
    sets: tuple[tuple[str, tuple[str, ...]], ...] = ()
    sample: str | None = None
    n: int | None = None
    reps: int | None = None
    seed: int | None = None
    quotas: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    space: str = "range"
    batch: int | None = None
    metrics: tuple[str, ...] = ()
    keep: str = footprint.DEFAULT_KEEP  # rows kept: see sim.experiments.footprint.KEEPS


@dataclass
class Plan:
    """A validated sweep: the design, the shared job, the batches, and notes for the user."""

    options: SweepOptions
    scenario: Scenario
    design: designs.Design
    job: Job
    batch_size: int
    notes: list[str] = field(default_factory=list)
    varying: list[str] = field(default_factory=list)  # uncertain paths drawn within a point
    rows_per_point: int = 0  # result rows a point keeps (every quota level)

    @property
    def batch_count(self) -> int:
        """Number of batches."""
        return math.ceil(self.design.size / self.batch_size)

    def batch(self, index: int) -> Batch:
        """Batch ``index``: points ``index*size`` up to the next multiple."""
        idx = np.arange(
            index * self.batch_size, min(self.design.size, (index + 1) * self.batch_size)
        )
        values = {
            spec.path: self.design.table[idx, j] for j, spec in enumerate(self.design.columns)
        }
        return Batch(index, idx, values)

    def settings(self) -> dict:
        """Return what --resume must match: every input that changes a result."""
        o = self.options
        return {
            "format": FORMAT,
            "scenario_hash": scenario_hash(self.scenario),
            "sets": [[p, list(v)] for p, v in o.sets],
            "sample": self.sample,
            "n": self.n,
            "seed": self.job.seed,
            "params": list(o.params),
            "space": o.space,
            "replications": self.job.replications,
            "quota_levels": list(self.job.levels),
            "metrics": list(o.metrics),
            "keep": o.keep,
            "batch_size": self.batch_size,
            "points": self.design.size,
            "design_sha256": self.design.digest(),
            "chipsim": versions().get("chipsim"),
        }

    def disk(self) -> footprint.Footprint:
        """Return the disk this sweep writes (estimated)."""
        return footprint.Footprint(
            self.design.size,
            self.rows_per_point,
            self.job.replications == 1,
            self.batch_count,
            len(self.design.columns),
        )

    @property
    def sample(self) -> str:
        """The sampler used."""
        return chosen_sampler(self.options).name

    @property
    def n(self) -> int | None:
        """Sampled points per listed combination (None for a grid)."""
        return (self.options.n or DEFAULT_POINTS) if chosen_sampler(self.options).samples else None


def chosen_sampler(options: SweepOptions) -> methods.Sampler:
    """Return the sampler asked for, or the default (grid with --set lists, else lhs)."""
    if options.sample is None:
        return methods.default_sampler(bool(options.sets))
    return methods.sampler(options.sample)


def plan(options: SweepOptions) -> Plan:
    """Validate the inputs and fix the design; ScenarioError names the bad one."""
    file = options.scenario_file
    scenario = load(file)
    try:
        sampler = chosen_sampler(options)
    except KeyError as err:
        raise ScenarioError(err.args[0], "--sample", file) from None
    if not sampler.samples and not options.sets:
        raise ScenarioError(
            f"a {sampler.name} sweep needs at least one --set PATH=V1,V2,...", "--sample", file
        )
    sets = designs.parse_sets(scenario, [(p, list(v)) for p, v in options.sets], file)
    notes = [
        f"note: {spec.path} = {spec.show(v)} lies outside the scenario's declared range "
        f"{spec.dist.describe()}"
        for spec, values in sets
        for v in values
        if spec.dist is not None and spec.outside_declared(v)
    ]
    n = (options.n or DEFAULT_POINTS) if sampler.samples else 1
    settings = resolve(scenario, seed=options.seed, levels=options.quotas)  # unset: the scenario's
    seed, levels = settings.seed, settings.levels
    design = designs.build(
        scenario, sets, sampler.name, n, seed, options.params, options.space, file
    )
    base = apply(scenario, design.fixed) if design.fixed else scenario
    seen = probe(base)
    varying = designs.varying_within(base, {s.path for s in design.columns}, seen.drawn)
    reps = designs.replications(options.reps, varying, DEFAULT_REPS, notes)
    for metric in options.metrics:
        if metric not in seen.names(0):
            raise ScenarioError(
                f"unknown metric {metric!r}" + did_you_mean(metric, seen.names(0)), "--metric", file
            )
    footprint.check_keep(options.keep, options.metrics, seen.rows, file)
    rows = footprint.row_filter(options.keep, options.metrics, footprint.years_of(seen.names(2)))
    job = Job(base, reps, seed, levels, seen.drawn, rows)
    size = options.batch or batch_size(design.size, reps, len(levels))
    return Plan(
        options,
        scenario,
        design,
        job,
        size,
        notes,
        varying,
        footprint.rows_per_point(seen.rows, rows, levels),
    )


def batch_size(points: int, reps: int, levels: int = 1) -> int:
    """Points per batch: about BATCH_CELLS replication-levels, at least MIN_BATCHES batches.

    Depends only on the design, never on the workers, so batches (and so every
    stored byte) are the same whichever evaluator runs them.
    """
    per_point = reps * max(levels, 1)
    return max(1, min(math.ceil(BATCH_CELLS / per_point), math.ceil(points / MIN_BATCHES)))


def default_out(scenario: Scenario) -> Path:
    """Return the directory used without --out: outputs/<scenario name>-sweep/."""
    return Path(OUTPUTS) / f"{scenario.name}-sweep"


def check_target(target: Path, chosen: Plan, execution: Execution) -> None:
    """Refuse an existing directory without --resume/--force, or a mismatched --resume.

    --force replaces only what chipsim wrote (sim.results.marker), never a
    folder of the user's that happens to hold a batches/ subfolder.
    """
    reason = why_not_replaceable(target) if target.exists() and execution.force else None
    if reason:
        raise ExperimentError(f"{target}: refusing to replace it with --force: {reason}")
    if target.exists() and not (execution.resume or execution.force):
        raise ExperimentError(
            f"{target}: run directory exists; pass --resume to continue it or --force to replace it"
        )
    if target.exists() and execution.resume:
        RunStore(target).check(chosen.settings())


def check_room(chosen: Plan, target: Path, execution: Execution, say: Say) -> None:
    """Say the disk the sweep needs; refuse it (ScenarioError) when the disk cannot hold it.

    A resumed sweep needs room only for the batches it has not stored yet
    (nothing when it is complete).
    """
    store = RunStore(target)
    if execution.resume and store.complete:
        return
    say(f"sweep: {chosen.disk().describe()}")
    stored = len(store.finished()) if execution.resume else 0
    footprint.check_disk(chosen.disk(), target, chosen.options.keep, stored)


@dataclass
class Outcome:
    """What a finished ``execute`` tells the user."""

    plan: Plan
    out_dir: Path
    info: dict
    evaluator: dict


def execute(options: SweepOptions, execution: Execution | None = None, say: Say = quiet) -> Outcome:
    """Run the sweep the command line asks for: plan, check, evaluate, store, finish.

    Raises ScenarioError or ExperimentError (bad input, before anything runs),
    Interrupted (Ctrl-C; finished batches are kept), WorkerLost and OSError
    (with a note that finished points are saved and --resume finishes).
    """
    execution = execution or Execution()
    check_execution(execution)
    check_sweep_design(options, DEFAULT_POINTS)  # memory, before the design is drawn
    chosen = plan(options)
    target = Path(execution.out) if execution.out else default_out(chosen.scenario)
    with claimed(target):  # path checked, locked for the whole sweep, leftovers recovered
        check_target(target, chosen, execution)
        for note in chosen.notes:
            say(note)
        check_room(chosen, target, execution, say)
        evaluator = evaluators.make(execution.workers, execution.scheduler, say)
        try:
            check_sweep_work(chosen, evaluator.workers)
        except ScenarioError:
            evaluator.close()
            raise
        say(
            f"sweep: {chosen.design.size} points x {len(chosen.job.levels)} quota levels x "
            f"{chosen.job.replications} replications in {chosen.batch_count} batches, "
            f"{evaluator.name} with {evaluator.workers} worker(s)"
        )
        info = evaluate(chosen, target, evaluator, execution)
    for note in lost_notes(evaluator.describe()):
        say(note)
    return Outcome(chosen, target, info, evaluator.describe())


def evaluate(chosen: Plan, target: Path, evaluator, execution: Execution) -> dict:
    """Run the sweep; on Ctrl-C or a failure say what is saved and how to finish."""
    progress = Progress(chosen.design.size, Display(label="sweep"), enabled=execution.progress)
    try:
        return run(chosen, target, evaluator, execution.resume, execution.force, progress)
    except KeyboardInterrupt:
        saved = RunStore(target).finished()
        raise Interrupted(
            f"interrupted: {len(saved)} of {chosen.batch_count} batches saved in "
            f"{target}/; repeat the command with --resume to finish"
        ) from None
    except (evaluators.WorkerLost, OSError) as err:  # e.g. a full disk: stored batches stay
        note = saved_note(target)
        if note:  # never when nothing started (issue 13)
            err.add_note(note)
        raise
    finally:
        evaluator.close()


def saved_note(target: Path) -> str | None:
    """Say what a failed sweep keeps for --resume: its finished batches, or just its start."""
    store = RunStore(target)
    if not (store.batches / "settings.json").is_file():
        return None  # nothing started: there is nothing to resume
    saved = len(store.finished())
    if saved:
        return f"{saved} finished batches are saved: rerun with --resume"
    return "the sweep directory is kept (no batch finished yet): rerun with --resume"


def lost_notes(described: dict) -> list[str]:
    """Say which workers were lost, or restarted, while the batches ran."""
    notes = []
    if described.get("workers_lost"):
        lost = described["workers_lost"]
        notes.append(
            f"note: {len(lost)} Dask worker{'s' if len(lost) != 1 else ''} left during "
            f"the run ({', '.join(lost)}); their batches ran again on the others"
        )
    if described.get("restarts"):
        notes.append(
            f"note: a local worker died; the pool was restarted "
            f"{described['restarts']} time(s) and the lost batches ran again"
        )
    return notes


def run(
    plan: Plan,
    out_dir: str | Path,
    evaluator,
    resume: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> dict:
    """Evaluate the missing batches, store each as it completes, then finish the directory."""
    started = time.perf_counter()
    store = RunStore(out_dir)
    store.open(plan.settings(), plan.design.csv_text(), resume, force)
    if store.complete:
        return {"out_dir": store.root, "computed": 0, "already_complete": True}
    done = store.finished()
    missing = [i for i in range(plan.batch_count) if i not in done]
    done_points = sum(len(plan.batch(i).points) for i in done)
    progress = progress or Progress(plan.design.size, enabled=False)
    progress.done = progress.start_done = done_points
    cpu = 0.0
    try:
        for result in evaluator.run(plan.job, (plan.batch(i) for i in missing)):
            store.write(result)
            cpu += result.cpu_seconds
            progress.update(len(result.points))
    finally:
        progress.close()
    wall = time.perf_counter() - started
    store.finish(plan.batch_count, manifest(plan, evaluator, wall, cpu, resumed=bool(done)))
    return {
        "out_dir": store.root,
        "computed": len(missing),
        "already_complete": False,
        "wall_time_s": wall,
        "cpu_seconds": cpu,
    }


def manifest(plan: Plan, evaluator, wall: float, cpu: float, resumed: bool) -> dict:
    """Everything needed to reproduce the sweep (and audit it)."""
    return {
        "kind": "sweep",
        "scenario_file": plan.options.scenario_file,
        "scenario_name": plan.scenario.name,
        "scenario_hash": scenario_hash(plan.scenario),
        "scenario": to_raw(plan.scenario),
        "settings": plan.settings(),
        "fixed": {p: plan.design.fixed_specs[p].show(v) for p, v in plan.design.fixed.items()},
        "parameters": plan.design.describe(),
        "seed": plan.job.seed,
        "replications": plan.job.replications,
        "quota_levels": list(plan.job.levels),
        "points": plan.design.size,
        "batches": plan.batch_count,
        "batch_size": plan.batch_size,
        "command": command(plan.options),
        "options": asdict(plan.options),
        "evaluator": evaluator.describe(),
        "varying_within_point": plan.varying,
        "resumed": resumed,
        "wall_time_s": round(wall, 3),
        "batch_cpu_seconds": round(cpu, 3),
        "calendar": {"start": plan.scenario.calendar.start, "end": plan.scenario.calendar.end},
        **provenance(plan.options.scenario_file),
        "files": ["points.csv", "results.parquet", DICTIONARY, "manifest.json"],
    }


def command(o: SweepOptions) -> str:
    """Return the chipsim command line that reproduces the results."""
    parts = ["chipsim", "sweep", o.scenario_file]
    for path, values in o.sets:
        parts += ["--set", f"{path}={','.join(values)}"]
    for flag, value in (
        ("--sample", o.sample),
        ("--n", o.n),
        ("--reps", o.reps),
        ("--seed", o.seed),
        ("--batch", o.batch),
    ):
        if value is not None:
            parts += [flag, str(value)]
    parts += [x for q in o.quotas for x in ("--quota", q)]
    parts += [x for p in o.params for x in ("--param", p)]
    parts += [x for m in o.metrics for x in ("--metric", m)]
    if o.space != "range":
        parts += ["--space", o.space]
    if o.keep != footprint.DEFAULT_KEEP:
        parts += ["--keep", o.keep]
    return shlex.join(parts)
