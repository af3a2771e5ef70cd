"""chipsim's PRIM against EMA Workbench 2.5's on the same data: a planted problem and a sweep.

Same trajectory (every step's limits, coverage, density, mass, points and
cases: limits to 1e-12, statistics exactly), the same chosen box, the same
quasi-p values (relative 1e-9), covering statistics as EMA's second box, and
the same extra-trees feature scores with the same seed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from experiments_support import BASELINE

from sim.experiments import discovery, features, prim, targets
from sim.interfaces.cli import main

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # EMA warns that its optional ipyparallel is missing
    from ema_workbench.analysis import feature_scoring
    from ema_workbench.analysis import prim as ema_prim

pytestmark = [
    pytest.mark.filterwarnings(
        "ignore::DeprecationWarning", "ignore::FutureWarning", "ignore:The inplace keyword"
    ),
    pytest.mark.slow,
]  # measured: see the README's Tests section
TINY = 1e-9  # EMA counts y >= threshold as cases and keeps a box whose mean reaches it


def ema_find(x: np.ndarray, y: np.ndarray, names: list[str]):
    """EMA's Prim and its first box, with chipsim's settings."""
    frame = pd.DataFrame(x, columns=names)
    run = ema_prim.Prim(
        frame,
        y.astype(int),
        threshold=TINY,
        peel_alpha=prim.ALPHA,
        paste_alpha=prim.PASTE_ALPHA,
        mass_min=prim.MIN_MASS,
    )
    return run, run.find_box()


def assert_same_trajectory(steps: list[prim.Box], ema_box, names: list[str]) -> None:
    table = ema_box.peeling_trajectory
    assert len(steps) == len(table)
    for i, step in enumerate(steps):
        row = table.iloc[i]
        assert (step.n, step.k) == (int(row["n"]), int(row["k"])), i
        assert (step.coverage, step.density, step.mass) == pytest.approx(
            (row["coverage"], row["density"], row["mass"]), rel=1e-12
        ), i
        limits = ema_box.box_lims[i][names].to_numpy(dtype=float)
        np.testing.assert_allclose(limits[0], step.low, rtol=1e-12, atol=0)
        np.testing.assert_allclose(limits[1], step.high, rtol=1e-12, atol=0)


def assert_same_quasi_p(search, steps, ema_box, names) -> None:
    for i, step in enumerate(steps):
        mine = prim.quasi_p(search, step)
        theirs = {
            (names.index(name), side): value
            for name, pair in ema_box.qp[i].items()
            for side, value in zip(("low", "high"), pair, strict=True)
            if value >= 0
        }
        assert set(mine) == set(theirs), i
        for key, value in mine.items():
            assert value == pytest.approx(theirs[key], rel=1e-9, abs=1e-300), (i, key)


def planted(seed=11, n=1000, d=6):
    rng = np.random.default_rng(seed)
    x = rng.random((n, d))
    y = (x[:, 0] < 0.3) & (x[:, 2] > 0.6) | ((x[:, 4] > 0.8) & (x[:, 5] < 0.3))
    return x, y ^ (rng.random(n) < 0.05)


def test_planted_problem_matches_ema_step_for_step():
    x, y = planted()
    names = [f"x{j}" for j in range(x.shape[1])]
    search = prim.Search.of(x, y)
    steps = prim.trajectory(search)
    run, box = ema_find(x, y, names)
    assert_same_trajectory(steps, box, names)
    assert_same_quasi_p(search, steps, box, names)
    inputs = discovery.Inputs(names, ["number"] * 6, [False] * 6, x, [], 1)
    first = discovery.discover(inputs, y, boxes=1)[0]
    chosen, _ = prim.significant(search, steps[first.step])
    np.testing.assert_array_equal(chosen.low, first.box.low)  # the reported box
    # EMA's second box, after removing the points of chipsim's first box, is chipsim's second
    inside = np.flatnonzero(first.box.inside(x))
    limits = pd.DataFrame([first.box.low, first.box.high], columns=names)
    box.update(limits, inside)
    second_ema = run.find_box()
    left = ~first.box.inside(x)
    second = prim.trajectory(prim.Search.of(x, y, left))
    assert_same_trajectory(second, second_ema, names)


def test_feature_scores_are_emas_extra_trees():
    x, y = planted()
    names = [f"x{j}" for j in range(x.shape[1])]
    mine = features.scores(x, y, seed=4)
    theirs, _ = feature_scoring.get_ex_feature_scores(
        pd.DataFrame(x, columns=names), y.astype(int), random_state=4
    )
    np.testing.assert_allclose(mine, theirs.loc[names].to_numpy().ravel(), rtol=1e-12)
    assert set(np.argsort(-mine)[:4]) == {0, 2, 4, 5}  # the planted inputs rank first


@pytest.fixture(scope="module")
def real_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("prim-ema") / "sweep"
    result = CliRunner().invoke(
        main,
        [
            "sweep",
            BASELINE,
            "--param",
            "memory.*",
            "--param",
            "demand.growth.2027",
            "--param",
            "segments.private.preference.2027",
            "--n",
            "160",
            "--reps",
            "4",
            "--quota",
            "announced",
            "--metric",
            "domestic_share_units",
            "--workers",
            "1",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def test_a_real_sweep_matches_ema(real_sweep):
    inputs = discovery.read_inputs(real_sweep)
    probe = targets.parse("domestic_share_units@2027 >= 0.5")
    shares = discovery.read_outputs(real_sweep, probe, "announced", "national", len(inputs.x))
    # a threshold some points miss and some meet: the sweep's median, rounded
    target = targets.parse(f"domestic_share_units@2027 >= {np.nanmedian(shares):.3f}")
    outputs = discovery.read_outputs(real_sweep, target, "announced", "national", len(inputs.x))
    y = ~target.met(outputs)
    assert 0.1 < y.mean() < 0.9, y.mean()  # a target some points miss
    search = prim.Search.of(inputs.x, y)
    steps = prim.trajectory(search)
    _, box = ema_find(inputs.x, y, inputs.paths)
    assert len(steps) > 3
    assert_same_trajectory(steps, box, inputs.paths)
    assert_same_quasi_p(search, steps, box, inputs.paths)
