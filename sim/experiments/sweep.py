"""A sweep from start to finish: plan (validate everything), run (durably), finish.

``plan`` checks every input before anything runs and fixes the design, the
batches and the settings that ``--resume`` must match. ``run`` evaluates the
batches not yet stored, writing each as it completes, then assembles
results.parquet and manifest.json.
"""

from __future__ import annotations

import math
import shlex
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from sim.experiments import design as designs
from sim.experiments.batch import Batch, Job, RowFilter, probe
from sim.experiments.parameters import apply, uncertain
from sim.experiments.progress import Progress
from sim.experiments.store import RunStore
from sim.results.run_dir import git_commit, versions
from sim.scenario import Scenario, load
from sim.scenario.convert import did_you_mean
from sim.scenario.dump import scenario_hash, to_raw
from sim.scenario.errors import ScenarioError

DEFAULT_POINTS = 64
DEFAULT_REPS = 100
BATCH_REPLICATIONS = 4096  # replications per batch ensemble: big enough to vectorise well
MIN_BATCHES = 16  # ... but a sweep splits into at least this many batches to share out
FORMAT = 1
PACKAGES = ("SALib", "distributed", "pyarrow", "tqdm")


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


@dataclass
class Plan:
    """A validated sweep: the design, the shared job, the batches, and notes for the user."""

    options: SweepOptions
    scenario: Scenario
    design: designs.Design
    job: Job
    batch_size: int
    notes: list[str] = field(default_factory=list)

    @property
    def batch_count(self) -> int:
        """Number of batches."""
        return math.ceil(self.design.size / self.batch_size)

    def batch(self, index: int) -> Batch:
        """Batch ``index``: points ``index*size`` up to the next multiple."""
        idx = np.arange(index * self.batch_size,
                        min(self.design.size, (index + 1) * self.batch_size))
        values = {spec.path: self.design.table[idx, j]
                  for j, spec in enumerate(self.design.columns)}
        return Batch(index, idx, values)

    def settings(self) -> dict:
        """Return what --resume must match: every input that changes a result."""
        o = self.options
        return {"format": FORMAT, "scenario_hash": scenario_hash(self.scenario),
                "sets": [[p, list(v)] for p, v in o.sets], "sample": self.sample,
                "n": self.n, "seed": self.job.seed, "params": list(o.params), "space": o.space,
                "replications": self.job.replications, "quota_levels": list(self.job.levels),
                "metrics": list(o.metrics), "batch_size": self.batch_size,
                "points": self.design.size, "design_sha256": self.design.digest(),
                "chipsim": versions().get("chipsim")}

    @property
    def sample(self) -> str:
        """The sampler used."""
        return self.options.sample or ("grid" if self.options.sets else "lhs")

    @property
    def n(self) -> int | None:
        """Sampled points per listed combination (None for a grid)."""
        return None if self.sample == "grid" else (self.options.n or DEFAULT_POINTS)


def plan(options: SweepOptions) -> Plan:
    """Validate the inputs and fix the design; ScenarioError names the bad one."""
    file = options.scenario_file
    scenario = load(file)
    sample = options.sample or ("grid" if options.sets else "lhs")
    if sample == "grid" and not options.sets:
        raise ScenarioError("a grid sweep needs at least one --set PATH=V1,V2,...", "--sample",
                            file)
    sets = designs.parse_sets(scenario, [(p, list(v)) for p, v in options.sets], file)
    notes = [f"note: {spec.path} = {spec.show(v)} lies outside the scenario's declared range "
             f"{spec.dist.describe()}" for spec, values in sets for v in values
             if spec.outside_declared(v)]
    n = None if sample == "grid" else (options.n or DEFAULT_POINTS)
    seed = scenario.run.seed if options.seed is None else options.seed
    design = designs.build(scenario, sets, sample, n or 1, seed, options.params, options.space,
                           file)
    base = apply(scenario, design.fixed) if design.fixed else scenario
    reps = options.reps or default_reps(base, design, notes)
    levels = tuple(options.quotas) or tuple(scenario.run.quota_levels)
    seen = probe(base)
    for metric in options.metrics:
        if metric not in seen.names(0):
            raise ScenarioError(f"unknown metric {metric!r}" + did_you_mean(metric, seen.names(0)),
                                "--metric", file)
    rows = RowFilter(frozenset(options.metrics)) if options.metrics else RowFilter()
    job = Job(base, reps, seed, levels, seen.drawn, rows)
    size = options.batch or batch_size(design.size, reps)
    return Plan(options, scenario, design, job, size, notes)


def default_reps(base: Scenario, design: designs.Design, notes: list[str]) -> int:
    """One replication when the design sets every uncertain parameter, else DEFAULT_REPS."""
    varied = {spec.path for spec in design.columns}
    if all(spec.path in varied for spec in uncertain(base)):
        notes.append("note: the design sets every uncertain parameter, so replications "
                     "would be identical: running 1 per point (--reps to override)")
        return 1
    return DEFAULT_REPS


def batch_size(points: int, reps: int) -> int:
    """Points per batch: about BATCH_REPLICATIONS replications, at least MIN_BATCHES batches.

    Depends only on the design, never on the workers, so batches (and so every
    stored byte) are the same whichever evaluator runs them.
    """
    return max(1, min(math.ceil(BATCH_REPLICATIONS / reps), math.ceil(points / MIN_BATCHES)))


def run(plan: Plan, out_dir: str | Path, evaluator, resume: bool = False, force: bool = False,
        progress: Progress | None = None) -> dict:
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
    return {"out_dir": store.root, "computed": len(missing), "already_complete": False,
            "wall_time_s": wall, "cpu_seconds": cpu}


def manifest(plan: Plan, evaluator, wall: float, cpu: float, resumed: bool) -> dict:
    """Everything needed to reproduce the sweep (and audit it)."""
    return {
        "kind": "sweep", "scenario_file": plan.options.scenario_file,
        "scenario_name": plan.scenario.name, "scenario_hash": scenario_hash(plan.scenario),
        "scenario": to_raw(plan.scenario), "settings": plan.settings(),
        "fixed": {p: plan.design.fixed_specs[p].show(v) for p, v in plan.design.fixed.items()},
        "parameters": plan.design.describe(), "seed": plan.job.seed,
        "replications": plan.job.replications, "quota_levels": list(plan.job.levels),
        "points": plan.design.size, "batches": plan.batch_count, "batch_size": plan.batch_size,
        "command": command(plan.options), "options": asdict(plan.options),
        "evaluator": {"kind": evaluator.name, "workers": evaluator.workers},
        "resumed": resumed, "wall_time_s": round(wall, 3),
        "batch_cpu_seconds": round(cpu, 3), "versions": package_versions(),
        "git_commit": git_commit(),
        "files": ["points.csv", "results.parquet", "manifest.json"],
    }


def command(o: SweepOptions) -> str:
    """Return the chipsim command line that reproduces the results."""
    parts = ["chipsim", "sweep", o.scenario_file]
    for path, values in o.sets:
        parts += ["--set", f"{path}={','.join(values)}"]
    for flag, value in (("--sample", o.sample), ("--n", o.n), ("--reps", o.reps),
                        ("--seed", o.seed), ("--batch", o.batch)):
        if value is not None:
            parts += [flag, str(value)]
    parts += [x for q in o.quotas for x in ("--quota", q)]
    parts += [x for p in o.params for x in ("--param", p)]
    parts += [x for m in o.metrics for x in ("--metric", m)]
    if o.space != "range":
        parts += ["--space", o.space]
    return shlex.join(parts)


def package_versions() -> dict[str, str]:
    """Return installed versions of chipsim, its core and its experiment dependencies."""
    return versions() | versions(PACKAGES)
