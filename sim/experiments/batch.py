"""Evaluate a batch of points in one ensemble run: points ride the replication axis.

A batch of P points with R replications each runs as one ensemble of P x R
replications. Parameters a point sets are pinned per replication; every other
parameter's draws for replication r are the same in every point (the draws of
a standalone R-replication run), so points share common random numbers and
each point's statistics equal, bit for bit, those of
``simulate(apply(scenario, point), R, seed)``. This needs the model to treat
replications independently (its arrays are element-wise along that axis),
which ``tests/test_experiments_batch.py`` checks.

Parameters the model does not draw (plain fields such as a licence share, or a
distribution it reads by its central value) change the scenario itself: points
that differ in them run as separate ensembles within the batch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import simpy

from sim.experiments.parameters import apply
from sim.model.ensemble import build, calendar_of
from sim.model.recorder import Recorder
from sim.model.stats import summarise
from sim.rng import Draws, Streams
from sim.scenario.dist import Dist
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class RowFilter:
    """Which summary rows to keep (None: all) — a sensitivity run needs one row."""

    metrics: frozenset[str] | None = None
    regions: frozenset[str] | None = None
    periods: frozenset[str] | None = None

    def __call__(self, metric: str, region: str, period: str) -> bool:
        """Tell whether a row is kept."""
        return ((self.metrics is None or metric in self.metrics)
                and (self.regions is None or region in self.regions)
                and (self.periods is None or period in self.periods))


@dataclass(frozen=True)
class Job:
    """What every batch of an experiment shares."""

    scenario: Scenario  # with the fixed --set values applied
    replications: int
    seed: int
    levels: tuple[str, ...]
    drawn: frozenset[str]  # parameter paths the model draws (see ``drawn_paths``)
    rows: RowFilter = RowFilter()


@dataclass(frozen=True)
class Batch:
    """Points ``points`` with their values: ``values[path]`` has one entry per point."""

    index: int
    points: np.ndarray
    values: dict[str, np.ndarray]


@dataclass
class BatchResult:
    """Per-point statistics: ``stats[p, k]`` holds the six statistics of row ``keys[k]``."""

    index: int
    points: np.ndarray
    keys: list[tuple[str, str, str, str]]  # (quota, metric, region, period)
    stats: np.ndarray  # (points, rows, 6)
    cpu_seconds: float = 0.0  # CPU time the evaluating thread spent (diagnostics only)


class PointDraws(Draws):
    """Draws for P points x R replications; point p occupies replications p*R .. p*R+R-1."""

    def __init__(self, streams: Streams, reps: int, points: int,
                 values: dict[str, np.ndarray]):
        super().__init__(streams, reps * points)
        self.reps, self.points, self.values = reps, points, values
        self.seen: set[str] = set()

    def __call__(self, path: str, dist: Dist) -> np.ndarray:
        """Pinned values repeated over each point's replications, or shared draws tiled."""
        self.seen.add(path)
        if path in self.values:
            return np.repeat(np.asarray(self.values[path], dtype=float), self.reps)
        return np.tile(Draws(self.streams, self.reps)(path, dist), self.points)


class BatchRecorder(Recorder):
    """The model's recorder, summarising each point's replications separately.

    The recorder summarises (..., P*R) arrays in ``annual`` and ``emit``; here
    both return per-point statistics flattened to (..., 6*P), which its rows
    carry unchanged, and ``results`` splits them back into (P, 6).
    """

    @classmethod
    def adopt(cls, recorder: Recorder, points: int, reps: int, keep: RowFilter) -> BatchRecorder:
        """Take over a freshly built recorder's state."""
        new = cls.__new__(cls)
        new.__dict__.update(recorder.__dict__)
        new.points, new.reps, new.keep = points, reps, keep
        return new

    def annual(self, metric: str, values: np.ndarray) -> np.ndarray:
        """Per-point statistics of one annual metric (NaN placeholders when not kept)."""
        if self.keep.metrics is not None and metric not in self.keep.metrics:
            return np.full((*values.shape[:-1], 6 * self.points), np.nan)
        return summarise_points(values, self.points, self.reps)

    def emit(self, values: dict[str, np.ndarray], region: str, period: str) -> None:
        """Summarise each (L, P*R) array per point; append the rows the filter keeps."""
        names = list(values)
        if not any(self.keep(name, region, period) for name in names):
            return
        stacked = np.stack([np.broadcast_to(values[n], self.shape) for n in names])
        stats = summarise_points(stacked, self.points, self.reps)
        self.append_rows({n: stats[i] for i, n in enumerate(names)
                          if self.keep(n, region, period)}, region, period)

    def results(self) -> tuple[list[tuple[str, str, str, str]], np.ndarray]:
        """Row keys kept and their statistics, (P, K, 6)."""
        keys, blocks = [], []
        for level, name, region, period, stats in self.rows:
            if not self.keep(name, region, period):
                continue
            if len(stats) != 6 * self.points:
                raise RuntimeError(f"row {name} {region} {period} was summarised over all "
                                   "points: the recorder bypassed the batch hooks")
            keys.append((level, name, region, period))
            blocks.append(np.reshape(stats, (self.points, 6)))
        stats = np.stack(blocks, axis=1) if blocks else np.empty((self.points, 0, 6))
        return keys, stats


def summarise_points(values: np.ndarray, points: int, reps: int) -> np.ndarray:
    """Statistics of ``(..., P*R)`` point by point, flattened to ``(..., 6*P)``.

    ``summarise`` takes its NaN-aware path when its input holds any NaN; each
    point is checked on its own, so it takes the path (and gives the bits) it
    would in a standalone run with the same array.
    """
    lead = values.shape[:-1]
    per_point = np.moveaxis(values.reshape(*lead, points, reps), -2, 0)  # (P, ..., R)
    has_nan = np.isnan(per_point).reshape(points, -1).any(axis=1)
    out = np.empty((points, *lead, 6))
    for chosen in (np.flatnonzero(~has_nan), np.flatnonzero(has_nan)):
        if chosen.size:
            out[chosen] = summarise(np.ascontiguousarray(per_point[chosen]))
    return np.moveaxis(out, 0, -2).reshape(*lead, 6 * points)


def ensemble(scenario: Scenario, draws: PointDraws, levels: tuple[str, ...],
             keep: RowFilter) -> tuple[list, np.ndarray]:
    """Run one ensemble of ``draws.points`` points; return row keys and ``(P, K, 6)`` stats."""
    cal = calendar_of(scenario)
    env = simpy.Environment()
    actors = build(scenario, cal, draws, list(levels))
    name, recorder = actors[-1]
    if name != "record" or not isinstance(recorder, Recorder):
        raise RuntimeError("expected the recorder as the last actor of the model")
    recorder = BatchRecorder.adopt(recorder, draws.points, draws.reps, keep)
    actors[-1] = (name, recorder)
    for name, actor in actors:
        env.process(getattr(actor, name)(env, cal.months))
    env.run()
    return recorder.results()


def run_batch(job: Job, batch: Batch) -> BatchResult:
    """Evaluate every point of ``batch`` (one ensemble per distinct scenario-level setting)."""
    started = time.thread_time()
    drawn = {p: v for p, v in batch.values.items() if p in job.drawn}
    structural = {p: v for p, v in batch.values.items() if p not in job.drawn}
    groups: dict[tuple, list[int]] = {}
    for i in range(len(batch.points)):
        groups.setdefault(tuple((p, _plain(v[i])) for p, v in structural.items()), []).append(i)
    keys, stats = None, None
    for setting, members in groups.items():
        idx = np.array(members)
        scenario = apply(job.scenario, dict(setting)) if setting else job.scenario
        draws = PointDraws(Streams(job.seed), job.replications, len(idx),
                           {p: np.asarray(v[idx], dtype=float) for p, v in drawn.items()})
        group_keys, group_stats = ensemble(scenario, draws, job.levels, job.rows)
        missed = set(drawn) - draws.seen
        if missed:
            raise RuntimeError(f"the model did not draw {sorted(missed)}; cannot pin them")
        if keys is None:
            keys = group_keys
            stats = np.empty((len(batch.points), len(keys), 6))
        elif group_keys != keys:
            raise RuntimeError("points of one experiment produced different summary rows")
        stats[idx] = group_stats
    return BatchResult(batch.index, batch.points, keys, stats, time.thread_time() - started)


def _plain(value):
    """Return a hashable Python value for grouping (numpy scalars unwrapped)."""
    return value.item() if isinstance(value, np.generic) else value


class _Recording(Draws):
    """Draws that remember which paths were asked for."""

    def __init__(self, streams: Streams, count: int):
        super().__init__(streams, count)
        self.seen: set[str] = set()

    def __call__(self, path: str, dist: Dist) -> np.ndarray:
        """Draw as usual and note the path."""
        self.seen.add(path)
        return super().__call__(path, dist)


@dataclass(frozen=True)
class Probe:
    """What one tiny run of a scenario shows: the paths the model draws, the rows it emits."""

    drawn: frozenset[str]
    rows: frozenset[tuple[str, str, str]]  # (metric, region, period)

    def names(self, position: int) -> set[str]:
        """Every metric (0), region (1) or period (2) the model reports."""
        return {row[position] for row in self.rows}


def probe(scenario: Scenario) -> Probe:
    """Run one replication at one quota level, noting draws and summary rows."""
    cal = calendar_of(scenario)
    draws = _Recording(Streams(0), 1)
    env = simpy.Environment()
    actors = build(scenario, cal, draws, [scenario.run.quota_levels[0]])
    for name, actor in actors:
        env.process(getattr(actor, name)(env, cal.months))
    env.run()
    rows = actors[-1][1].rows
    return Probe(frozenset(draws.seen), frozenset((m, r, p) for _, m, r, p, _ in rows))
