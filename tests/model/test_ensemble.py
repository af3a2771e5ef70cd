"""sim.model.ensemble: simulate() in blocks of replications equals one Model run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model.ensemble import Blocking, SimulateOptions, simulate, split
from sim.model.model import Model, ModelOptions
from sim.scenario import load

TINY = load(Path(__file__).with_name("tiny.toml"))


def test_simulate_in_blocks_of_two_replications_equals_one_model_run():
    whole = Model(TINY, 5, seed=3).run()
    grouped = simulate(TINY, 5, 3, options=SimulateOptions(blocking=Blocking(size=2)))
    effects = [r for r in grouped.rows if r.metric.startswith("level_effect")]
    assert {r.quota for r in effects} == {"announced", "1.0"}
    grouped.rows = [r for r in grouped.rows if not r.metric.startswith("level_effect")]
    assert [r[:4] for r in grouped.rows] == [r[:4] for r in whole.rows]
    for a, b in zip(grouped.rows, whole.rows, strict=True):
        np.testing.assert_array_equal(a.stats, b.stats)
    for key, values in whole.replicates.items():
        np.testing.assert_array_equal(grouped.replicates[key], values)


def test_a_block_of_replications_draws_the_same_rows_as_the_whole_run():
    baseline = load(Path(__file__).parents[2] / "scenarios" / "baseline.toml")
    whole = simulate(baseline, 6, 11, ["0.7"])
    tail = simulate(baseline, 2, 11, ["0.7"], options=SimulateOptions(first=4))
    np.testing.assert_array_equal(
        tail.replicates["domestic_share_units"], whole.replicates["domestic_share_units"][:, 4:]
    )


def test_blocks_take_their_own_rows_of_pinned_values_with_the_runs_seed_and_levels():
    """Calibration pins parameters per replication: each block must take its own rows."""
    baseline = load(Path(__file__).parents[2] / "scenarios" / "baseline.toml")
    pinned = {"demand.budget_usd": np.linspace(9e9, 1.6e10, 9)}
    levels = ["0.7", "announced"]
    whole = Model(baseline, 9, 7, levels, ModelOptions(first=3, pinned=pinned)).run()
    blocked = simulate(
        baseline,
        9,
        7,
        levels,
        options=SimulateOptions(first=3, pinned=pinned, blocking=Blocking(size=4)),
    )
    assert blocked.levels == levels
    for key, values in whole.replicates.items():
        np.testing.assert_array_equal(blocked.replicates[key], values, err_msg=key)


def test_a_pinned_scalar_pins_a_one_replication_run_and_a_wrong_length_is_refused():
    baseline = load(Path(__file__).parents[2] / "scenarios" / "baseline.toml")
    one = simulate(
        baseline, 1, 7, ["announced"], options=SimulateOptions(pinned={"demand.budget_usd": 1.2e10})
    )
    assert one.replicates["domestic_units"].shape == (1, 1, 5)
    with pytest.raises(ValueError):
        simulate(
            baseline,
            3,
            7,
            ["announced"],
            options=SimulateOptions(pinned={"demand.budget_usd": np.ones(4)}),
        )


def test_a_run_splits_into_budget_blocks_and_for_workers_only_when_large():
    baseline = load(Path(__file__).parents[2] / "scenarios" / "baseline.toml")
    budget = split(baseline, 100_000, 1, 0, Blocking())
    assert len(budget) == 4 and {b.count for b in budget} == {25_000}  # 31,709 a block
    assert [b.count for b in split(baseline, 10_000, 4, 0, Blocking(workers=2))] == [5_000] * 2
    assert [b.count for b in split(baseline, 10_000, 4, 0, Blocking(workers=3))] == [
        3_334,
        3_333,
        3_333,
    ]
    assert len(split(baseline, 2_500, 4, 0, Blocking(workers=2))) == 2  # 10,000 cells: split
    assert len(split(baseline, 2_499, 4, 0, Blocking(workers=2))) == 1  # too small to split
    assert len(split(baseline, 2_500, 4, 0, Blocking(workers=1))) == 1
    assert [b.count for b in split(baseline, 7, 1, 5, Blocking(size=3))] == [3, 2, 2]


def test_progress_counts_months_as_they_pass_and_a_finished_block_as_all_its_months():
    from sim.model.ensemble import Ticks

    seen: list = []
    ticks = Ticks(lambda done, total: seen.append((done, total)), blocks=2, months=3)
    ticks.month()
    ticks.month()
    ticks.block()  # the first block's 3 months, though only 2 were counted one by one
    ticks.month()
    assert seen == [(1, 6), (2, 6), (3, 6), (3, 6)]


@pytest.mark.parametrize("progress", [False, True])
def test_a_finished_block_s_model_is_freed_before_the_next_block_starts(monkeypatch, progress):
    # a finished Model sits in reference cycles (its processes' frames); a run holding
    # every block's Model until the end peaks that much higher (374 MB, not 288 MB, for
    # the explained 4 x 10,000 baseline run when progress kept one alive)
    import weakref

    import sim.model.ensemble as ensemble

    made: list[weakref.ref] = []
    alive_at_start: list[int] = []

    class Watched(Model):
        def __init__(self, *args, **kwargs):
            alive_at_start.append(sum(ref() is not None for ref in made))
            super().__init__(*args, **kwargs)
            made.append(weakref.ref(self))

    monkeypatch.setattr(ensemble, "Model", Watched)
    blocking = Blocking(size=2, progress=(lambda done, total: None) if progress else None)
    simulate(TINY, 6, 3, options=SimulateOptions(blocking=blocking))
    assert len(made) == 3 and alive_at_start == [0, 0, 0]
