"""One root seed decides every output byte (issue 2, sections 4 and 8)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from chipsim_testing import BASELINE, SEED, SMALL

from sim.interfaces.runner import RunOptions, execute
from sim.model.ensemble import SimulateOptions, simulate
from sim.results.run_dir import read_manifest
from sim.scenario import load

REPS = 100
FILES = ("summary.csv", "replications.npz")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Three runs of the baseline: seeds 11, 11 and 12."""
    root = tmp_path_factory.mktemp("repro")
    return [
        execute(
            BASELINE,
            RunOptions(replications=REPS, seed=seed, levels=None, out_dir=root / f"run{i}"),
        ).out_dir
        for i, seed in enumerate((11, 11, 12))
    ]


@pytest.mark.parametrize("name", FILES)
def test_same_seed_gives_identical_bytes(runs, name):
    first, second, _ = runs
    assert (first / name).read_bytes() == (second / name).read_bytes()


@pytest.mark.parametrize("name", FILES)
def test_another_seed_gives_different_bytes(runs, name):
    first, _, other = runs
    assert (first / name).read_bytes() != (other / name).read_bytes()


def test_manifests_differ_only_in_wall_time_and_seed(runs):
    first, second, other = (read_manifest(d) for d in runs)
    for manifest in (first, second, other):
        manifest.pop("wall_time_s")
    assert first == second
    assert {k for k in first if first[k] != other[k]} == {"seed"}


def test_global_random_state_is_neither_used_nor_touched(baseline):
    np.random.seed(1)
    random.seed(1)
    before = (np.random.get_state()[1].copy(), random.getstate())
    a = simulate(baseline, 30, 5, ["announced"])
    after = (np.random.get_state()[1].copy(), random.getstate())
    np.random.seed(2)
    random.seed(2)
    b = simulate(baseline, 30, 5, ["announced"])
    assert np.array_equal(before[0], after[0]) and before[1] == after[1]
    for metric, values in a.replicates.items():
        assert np.array_equal(values, b.replicates[metric], equal_nan=True), metric


def test_a_block_of_replications_equals_the_same_rows_of_a_full_run(baseline):
    full = simulate(baseline, 30, 5, ["announced", "1.0"])
    block = simulate(baseline, 10, 5, ["announced", "1.0"], options=SimulateOptions(first=20))
    for metric, values in full.replicates.items():
        assert np.array_equal(values[:, 20:], block.replicates[metric], equal_nan=True), metric


def test_levels_of_one_run_equal_separate_runs(baseline, small_run):
    """Levels share draws: running a level alone gives the same replications."""
    index = small_run.levels.index("0.7")
    alone = simulate(baseline, SMALL, SEED, ["0.7"])
    for metric, values in small_run.replicates.items():
        assert np.array_equal(values[index], alone.replicates[metric][0], equal_nan=True), metric


def test_changing_one_parameter_keeps_every_other_draw(baseline):
    """Draws are keyed by parameter path: a scenario that changes only the 2026 H200
    volume reproduces the baseline exactly until the H200 can first arrive."""
    varied = load(BASELINE, {"imports": {"h200": {"units_per_month": {"2026": 50_000}}}})
    a = simulate(baseline, 50, 3, ["announced"])
    b = simulate(varied, 50, 3, ["announced"])
    for metric, values in a.replicates.items():
        assert np.array_equal(values[..., :3], b.replicates[metric][..., :3], equal_nan=True), (
            metric
        )
    assert not np.array_equal(a.replicates["imports_units"], b.replicates["imports_units"])
