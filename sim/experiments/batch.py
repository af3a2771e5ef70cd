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

import gc
import time
from dataclasses import dataclass
from functools import partial

import numpy as np

from sim.experiments.parameters import apply
from sim.model.effects import effect_rows
from sim.model.model import Model, ModelOptions
from sim.model.recorder import RecordOptions, RowFilter
from sim.model.rng import Draws, Streams
from sim.model.stats import STAT_NAMES, summarise
from sim.scenario.dist import Dist
from sim.scenario.schema import Scenario
from sim.scenario.settings import resolve


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

    def __init__(self, streams: Streams, reps: int, points: int, values: dict[str, np.ndarray]):
        super().__init__(streams, reps * points)
        self.reps, self.points, self.values = reps, points, values
        self.seen: set[str] = set()

    def __call__(self, path: str, dist: Dist) -> np.ndarray:
        """Pinned values repeated over each point's replications, or shared draws tiled."""
        self.seen.add(path)
        if path in self.values:
            return np.repeat(np.asarray(self.values[path], dtype=float), self.reps)
        return np.tile(Draws(self.streams, self.reps)(path, dist), self.points)


def point_results(rows: list, points: int, keep: RowFilter) -> tuple[list, np.ndarray]:
    """Row keys kept and their per-point statistics, (P, K, 6), from per-point summary rows.

    Each row's statistics are the six of every point in turn (see
    :func:`summarise_points`).
    """
    keys, blocks = [], []
    width = len(STAT_NAMES)
    for row in rows:
        if not keep(row.metric, row.region, row.period):
            continue
        if len(row.stats) != width * points:
            raise RuntimeError(
                f"row {row.metric} {row.region} {row.period} was not summarised point by point"
            )
        keys.append((row.quota, row.metric, row.region, row.period))
        blocks.append(np.reshape(row.stats, (points, width)))
    stats = np.stack(blocks, axis=1) if blocks else np.empty((points, 0, width))
    return keys, stats


def summarise_points(values: np.ndarray, points: int, reps: int) -> np.ndarray:
    """Statistics of ``(..., P*R)`` point by point, flattened to ``(..., 6*P)``.

    ``summarise`` takes its NaN-aware path when its input holds any NaN; each
    point is checked on its own, so it takes the path (and gives the bits) it
    would in a standalone run with the same array. With one replication a
    point the statistics are the values themselves (:func:`one_each`).
    """
    lead = values.shape[:-1]
    if reps == 1:
        return one_each(values).reshape(*lead, 6 * points)
    per_point = np.moveaxis(values.reshape(*lead, points, reps), -2, 0)  # (P, ..., R)
    has_nan = np.isnan(per_point).reshape(points, -1).any(axis=1)
    out = np.empty((points, *lead, 6))
    for chosen in (np.flatnonzero(~has_nan), np.flatnonzero(has_nan)):
        if chosen.size:
            out[chosen] = summarise(np.ascontiguousarray(per_point[chosen]))
    return np.moveaxis(out, 0, -2).reshape(*lead, 6 * points)


def one_each(values: np.ndarray) -> np.ndarray:
    """Statistics of each single value, ``(...)`` -> ``(..., 6)``: the value six times.

    Bit for bit what :func:`summarise` gives a one-value sample: its mean and
    every quantile are the value itself (the mean of -0.0 is 0.0). Non-finite
    values (NaN: undefined; infinity, whose quantiles numpy interpolates to
    NaN) go through ``summarise``.
    """
    values = np.asarray(values, dtype=float)
    out = np.repeat(values[..., None], len(STAT_NAMES), axis=-1)
    out[..., 0] += 0.0  # the mean is a sum from 0.0: -0.0 becomes 0.0, as in summarise
    odd = ~np.isfinite(values)
    if odd.any():
        with np.errstate(invalid="ignore"):  # inf - inf while interpolating
            out[odd] = summarise(values[odd][:, None])
    return out


def ensemble(
    scenario: Scenario, draws: PointDraws, levels: tuple[str, ...], keep: RowFilter
) -> tuple[list, np.ndarray]:
    """Run one ensemble of ``draws.points`` points; return row keys and ``(P, K, 6)`` stats."""
    per_point = partial(summarise_points, points=draws.points, reps=draws.reps)
    record = RecordOptions(rows=keep, width=len(STAT_NAMES) * draws.points, summarise=per_point)
    result = Model(
        scenario, draws.count, levels=list(levels), options=ModelOptions(draws=draws, record=record)
    ).run()
    effects = effect_rows(result.levels, result.years, result.replicates, per_point)
    return point_results(result.rows + effects, draws.points, keep)


def run_batch(job: Job, batch: Batch) -> BatchResult:
    """Evaluate every point of ``batch`` (one ensemble per distinct scenario-level setting)."""
    started = time.thread_time()
    drawn = {p: v for p, v in batch.values.items() if p in job.drawn}
    structural = {p: v for p, v in batch.values.items() if p not in job.drawn}
    groups: dict[tuple, list[int]] = {}
    for i in range(len(batch.points)):
        groups.setdefault(tuple((p, _plain(v[i])) for p, v in structural.items()), []).append(i)
    keys: list | None = None
    stats: np.ndarray | None = None
    for setting, members in groups.items():
        idx = np.array(members)
        scenario = apply(job.scenario, dict(setting)) if setting else job.scenario
        draws = PointDraws(
            Streams(job.seed),
            job.replications,
            len(idx),
            {p: np.asarray(v[idx], dtype=float) for p, v in drawn.items()},
        )
        group_keys, group_stats = ensemble(scenario, draws, job.levels, job.rows)
        missed = set(drawn) - draws.seen
        if missed:
            raise RuntimeError(f"the model did not draw {sorted(missed)}; cannot pin them")
        if keys is None or stats is None:
            keys = group_keys
            stats = np.empty((len(batch.points), len(keys), 6))
        elif group_keys != keys:
            raise RuntimeError("points of one experiment produced different summary rows")
        stats[idx] = group_stats
    # A finished Model is a web of reference cycles (simpy processes and their state) holding
    # its arrays: collected now, memory stays flat batch after batch (measured: +16 MB a
    # batch until the next full collection otherwise) for ~30 ms a batch.
    gc.collect()
    assert keys is not None and stats is not None  # a batch has points (Study, sweep.Batches)
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
    draws = _Recording(Streams(0), 1)
    result = Model(
        scenario, 1, levels=list(resolve(scenario).levels[:1]), options=ModelOptions(draws=draws)
    ).run()
    return Probe(
        frozenset(draws.seen), frozenset((r.metric, r.region, r.period) for r in result.rows)
    )
