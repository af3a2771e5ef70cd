"""sim.model.merge: blocks merged exactly, or by sketches above the exact limit."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from chipsim_testing import BASELINE, SEED

from sim.model.ensemble import Blocking, SimulateOptions, simulate
from sim.model.sketch import ALPHA
from sim.model.store import DiskArray
from sim.results.readers import read_replicates
from sim.results.run_dir import write_run
from sim.scenario import load

LEVELS = ["announced", "0.7"]
REPS = 300


@pytest.fixture  # per test, so mutation testing credits each test with what it runs
def runs():
    scenario = load(BASELINE)
    exact = simulate(scenario, REPS, SEED, LEVELS, options=SimulateOptions(narrow=True))
    sketched = simulate(
        scenario,
        REPS,
        SEED,
        LEVELS,
        options=SimulateOptions(narrow=True, blocking=Blocking(size=70, exact_limit=REPS - 1)),
    )
    return exact, sketched


@pytest.mark.slow
def test_sketched_rows_are_the_exact_rows_within_the_sketch_bound(runs):
    exact, sketched = runs
    assert [r[:4] for r in sketched.rows] == [r[:4] for r in exact.rows]
    want = np.array([r.stats for r in exact.rows])
    got = np.array([r.stats for r in sketched.rows])
    assert (np.isnan(want) == np.isnan(got)).all()
    want, got = np.nan_to_num(want), np.nan_to_num(got)
    # the mean is correctly rounded; quantiles within alpha of the value (sketch docs)
    np.testing.assert_allclose(got[:, 0], want[:, 0], rtol=1e-15, atol=0)
    assert (np.abs(got[:, 1:] - want[:, 1:]) <= ALPHA * np.abs(want[:, 1:]) * (1 + 1e-12)).all()
    assert (got[:, 1:] != want[:, 1:]).any()  # the sketch was used, not the exact path


@pytest.mark.slow
def test_sketched_runs_keep_per_replication_values_exactly_on_disk(runs, tmp_path):
    exact, sketched = runs
    for metric, values in exact.replicates.items():
        held = sketched.replicates[metric]
        assert isinstance(held, DiskArray)
        np.testing.assert_array_equal(np.asarray(held), values)
    for name, values in exact.conservation.items():
        np.testing.assert_array_equal(np.asarray(sketched.conservation[name]), values)
    written = write_run(tmp_path / "run", sketched, {}, False)
    for metric, values in read_replicates(written).items():
        if metric.startswith("national."):
            np.testing.assert_array_equal(values, exact.replicates[metric[9:]])


def test_a_sketched_runs_disk_arrays_go_with_the_last_of_them():
    sketched = simulate(
        load(BASELINE),
        40,
        SEED,
        ["announced"],
        options=SimulateOptions(blocking=Blocking(size=20, exact_limit=39)),
    )
    kept = sketched.replicates
    folder = kept["domestic_units"].path.parent
    del sketched
    gc.collect()
    assert folder.exists()  # the arrays still held keep their files
    assert np.asarray(kept["domestic_units"]).shape == (1, 40, 5)
    del kept
    gc.collect()
    assert not folder.exists()


def test_a_run_over_the_exact_limit_is_sketched_whatever_its_blocks():
    """Exact or sketched is decided by the replications alone, not by the blocking."""
    scenario = load(BASELINE)
    one, two = (
        simulate(
            scenario,
            40,
            SEED,
            ["announced"],
            options=SimulateOptions(blocking=Blocking(size=size, exact_limit=39)),
        )
        for size in (40, 20)
    )
    assert [r[:4] for r in one.rows] == [r[:4] for r in two.rows]
    np.testing.assert_array_equal([r.stats for r in one.rows], [r.stats for r in two.rows])
    assert isinstance(one.replicates["domestic_units"], DiskArray)


def test_a_run_of_exactly_the_limit_is_exact():
    at_limit = simulate(
        load(BASELINE),
        40,
        SEED,
        ["announced"],
        options=SimulateOptions(blocking=Blocking(size=20, exact_limit=40)),
    )
    assert isinstance(at_limit.replicates["domestic_units"], np.ndarray)
