"""sim.model.investment: capacity that grows on sustained orders, after a lead time."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from types import SimpleNamespace

import numpy as np
import pytest
import simpy
from chipsim_testing import PRIORS, SCENARIOS
from small import calendar, draws, fixed

from sim.model.investment import Capacity, Investor, Packaging
from sim.model.model import Model
from sim.model.state import LevelRows
from sim.model.vendor import Capacity as VendorCapacity
from sim.scenario import load
from sim.scenario.schema import Packaging as PackagingSpec

REPS = 100


def constant(*values: float):
    """A path giving ``values`` (R,) every month."""
    row = np.array(values, dtype=float)
    return lambda _t: row


def test_commitments_close_a_share_of_the_gap_within_the_ceiling_after_the_lead():
    # two replications: base 100; ceilings 150 and 120; leads 1 and 2 months; the
    # orders need 1.5 x the capacity in place; half the gap is committed a month
    env = simpy.Environment()
    cap = Capacity(
        constant(100, 100), constant(150, 120), np.array([1.0, 2.0]), LevelRows(1, None), 2, env
    )
    wanted, response = np.full((1, 2), 1.5), np.array([0.5, 0.5])
    committed, added = [], []
    for t in range(4):
        committed.append(cap.commit(t, wanted, response)[0].copy())
        env.run(until=env.timeout(1))  # month t + 1: what comes on line then has arrived
        added.append(cap.added.level[0].copy())
    # rep 0 (lead 1): gap 100 x 0.5 = 50, half is 25; then 125 x 0.5 = 62.5, half
    # 31.25 but the ceiling leaves 150 - 125 = 25; then no room.  Rep 1 (lead 2):
    # half the gap is 25 but the room is 20; then the 20 in the pipeline fill the room
    np.testing.assert_allclose(np.array(committed)[:, 0], [25, 25, 0, 0])
    np.testing.assert_allclose(np.array(committed)[:, 1], [20, 0, 0, 0])
    np.testing.assert_allclose(np.array(added)[:, 0], [25, 50, 50, 50])
    np.testing.assert_allclose(np.array(added)[:, 1], [0, 20, 20, 20])
    np.testing.assert_allclose(cap.at(4)[0], [150, 120])


def test_commitments_under_way_count_against_the_gap():
    # lead 3: the first commitment (half of the gap 100) is still in the pipeline,
    # so the next month commits half of what is left of the gap, 100 - 50 = 50
    cap = Capacity(
        constant(100), constant(1e9), np.array([3.0]), LevelRows(1, None), 1, simpy.Environment()
    )
    wanted, response = np.full((1, 1), 2.0), np.array([0.5])
    assert [float(cap.commit(t, wanted, response)[0, 0]) for t in range(3)] == [50, 25, 12.5]


def test_orders_no_higher_than_capacity_commit_nothing():
    cap = Capacity(
        constant(100), constant(1e9), np.array([1.0]), LevelRows(1, None), 1, simpy.Environment()
    )
    assert cap.commit(0, np.full((1, 1), 0.8), np.array([1.0]))[0, 0] == 0.0


def test_a_ceiling_below_the_base_commits_nothing():
    cap = Capacity(
        constant(100), constant(80), np.array([1.0]), LevelRows(1, None), 1, simpy.Environment()
    )
    assert cap.commit(0, np.full((1, 1), 2.0), np.array([0.5]))[0, 0] == 0.0


def test_orders_and_capacity_are_exponential_averages_started_by_the_first_month():
    cap = Capacity(
        constant(100), constant(1e9), np.array([1.0]), LevelRows(1, None), 1, simpy.Environment()
    )
    investor = Investor({"x": cap}, np.array([0.5]), np.array([2.0]))
    orders = []
    for t, new in enumerate([300.0, 300.0, 100.0]):
        investor.step(t, np.array([[new]]), np.array([[100.0]]))
        cap.pipeline.env.run(until=cap.pipeline.env.timeout(1))  # SimPy: the next month
        orders.append(float(investor.orders[0, 0]))
    assert orders == [300.0, 300.0, 200.0]
    # wanted 3, 3, 2 x the capacity in place (100, then 200 and 400 as each month's
    # commitment arrives the next): half the gaps 200, 400 and 400
    np.testing.assert_allclose(cap.pipeline.added[0], [100 + 200 + 200])
    np.testing.assert_allclose(cap.added.level[0], [500])  # each arrived the month after


def test_capacity_is_averaged_like_orders():
    cap = Capacity(
        constant(100), constant(1e9), np.array([1.0]), LevelRows(1, None), 1, simpy.Environment()
    )
    investor = Investor({"x": cap}, np.array([0.0]), np.array([2.0]))
    for t, capacity in enumerate([100.0, 300.0]):
        investor.step(t, np.array([[100.0]]), np.array([[capacity]]))
    assert investor.capacity[0, 0] == 200.0  # 100, then 100 + (300 - 100) / 2


def test_packaging_splits_its_capacity_among_vendors_in_proportion_to_their_chips():
    spec = PackagingSpec(capacity={"2025": fixed(100)})
    packaging = Packaging(spec, calendar(12), draws(1))

    def vendor(chips):
        chips = np.array(chips, dtype=float)[:, None, None]
        return SimpleNamespace(capacity=VendorCapacity(chips, chips, chips / 2, np.ones((2, 1))))

    a, b = vendor([60, 20]), vendor([100, 20])
    packaging.limit([a, b], 0)  # 200 chips wanted, 100 packaged: half each
    np.testing.assert_allclose(a.capacity.chips[:, 0, 0], [30, 10])
    np.testing.assert_allclose(b.capacity.banked[:, 0, 0], [25, 5])
    packaged = (a.capacity.chips * a.capacity.h100e[:, None]).sum(axis=0)
    np.testing.assert_allclose(60 + 20 - packaged, [[40]])  # H100e packaging kept back
    np.testing.assert_allclose(a.capacity.wanted[:, 0, 0], [60, 20])  # memory cut nothing
    c = vendor([40, 20])
    packaging.limit([c], 0)  # within capacity: unchanged
    np.testing.assert_allclose(c.capacity.chips[:, 0, 0], [40, 20])


@cache
def priors():
    return load(PRIORS)


def without_investment(scenario):
    """``scenario`` with no ceiling anywhere: the investor is not even built."""
    foundries = {n: replace(f, ceiling={}) for n, f in scenario.foundries.items()}
    return replace(
        scenario,
        foundries=foundries,
        memory=replace(scenario.memory, ceiling_stacks={}),
        packaging=replace(scenario.packaging, ceiling={}),
    )


def replicates(scenario, levels=("announced", "1.0"), reps: int = REPS) -> dict:
    return Model(scenario, reps, seed=7, levels=list(levels)).run().replicates


def assert_same(left: dict, right: dict) -> None:
    assert left.keys() == right.keys()
    for key in left:
        np.testing.assert_array_equal(left[key], right[key], err_msg=key)


def test_response_zero_is_exactly_the_model_without_investment():
    scenario = priors()
    off = replace(scenario, investment=replace(scenario.investment, response=fixed(0.0)))
    assert Model(off, 2).investor is not None  # the mechanism is built, and idle
    assert_same(replicates(off), replicates(without_investment(scenario)))


def test_unlimited_packaging_is_the_model_without_packaging():
    scenario = without_investment(priors())
    huge = replace(scenario, packaging=replace(scenario.packaging, capacity={"2023": fixed(1e15)}))
    none = replace(scenario, packaging=replace(scenario.packaging, capacity={}))
    assert Model(none, 2).market.packaging is None
    assert_same(replicates(huge), replicates(none))


def test_investment_changes_the_results_when_on():
    on, off = replicates(priors()), replicates(without_investment(priors()))
    assert any(not np.array_equal(on[k], off[k], equal_nan=True) for k in on)


def test_capacity_is_conserved_in_every_replication():
    model = Model(priors(), REPS, seed=3, levels=["announced", "0.5", "1.0"])
    model.run()
    assert set(model.investor.capacities) == {
        "foundries.smic",
        "foundries.huawei_fabs",
        "memory",
        "packaging",
    }
    for name, cap in model.investor.capacities.items():
        arrived, pipe = cap.pipeline.taken, cap.pipeline
        scale = 1.0 + pipe.added
        # added capacity = commitments arrived; pipeline = committed - arrived
        np.testing.assert_allclose(
            cap.added.level / scale, arrived / scale, atol=1e-12, err_msg=name
        )
        np.testing.assert_allclose(
            pipe.level() / scale, (pipe.added - arrived) / scale, atol=1e-12, err_msg=name
        )
        assert np.all(cap.added.level >= 0) and np.all(pipe.level() >= -1e-9 * scale)
        assert np.all(np.abs(cap.added.imbalance()) <= 1e-9 * scale)


def test_no_commitment_takes_capacity_past_the_ceiling_of_its_month():
    model = Model(priors(), REPS, seed=3, levels=["announced", "1.0"])
    checked = []

    def checking(cap, commit):
        def wrapped(t, wanted, response):
            before = cap.added.level + cap.pipeline.level()
            made = commit(t, wanted, response)
            after = cap.base(t) + cap.added.level + cap.pipeline.level()
            over = after - np.maximum(cap.ceiling(t), cap.base(t) + before)
            assert np.all(made >= 0) and np.all(over <= 1e-9 * (1 + after))
            checked.append(t)
            return made

        return wrapped

    for cap in model.investor.capacities.values():
        cap.commit = checking(cap, cap.commit)
    model.run()
    assert len(checked) == 4 * model.cal.months


@pytest.mark.parametrize("name", ["national-quota.toml", "national-quota-2030.toml"])
def test_a_higher_national_level_never_lowers_end_of_run_domestic_capacity(name):
    """Law: at the uniform levels 0.5 .. 1.0 binding every buyer, each capacity that can grow
    (wafers at each foundry, memory stacks, packaging) ends the run (2027, and 2030) no
    lower at a higher level, in every replication up to rounding, both in place and
    committed (pipeline included).

    The commitment rule is monotone in the orders: the gap to what the smoothed
    orders need, ``(base + added) x o / c - added - pipeline``, rises with the
    orders ``o``, and the capacity committed so far, ``X' = X + k max(gap, 0)``
    within the ceiling, rises with ``X``. A higher level places more new domestic
    orders. (It also builds capacity sooner, which lowers ``o / c`` later, so the
    law is a measured property of the shipped scenarios rather than a theorem:
    seed 11, 200 replications, the largest relative shortfall is below 1e-15.)
    """
    levels, reps = ["0.5", "0.7", "0.9", "1.0"], 200
    model = Model(load(SCENARIOS / name), reps, seed=11, levels=levels)
    model.run()
    for kind, cap in model.investor.capacities.items():
        in_place = np.broadcast_to(cap.added.level, (len(levels), reps))
        committed = in_place + np.broadcast_to(cap.pipeline.level(), in_place.shape)
        for values in (in_place, committed):
            assert np.all(values[:-1] - values[1:] <= 1e-9 * (1 + values[1:])), kind
    # and the levels do part by 2030 where investment has room (SMIC: +45% at 1.0 vs 0.5)
    if name.endswith("2030.toml"):
        smic = np.broadcast_to(
            model.investor.capacities["foundries.smic"].added.level, (len(levels), reps)
        ).mean(axis=1)
        assert smic[-1] > 1.2 * smic[0]


def test_ceilings_are_read_for_when_capacity_comes_on_line_in_each_kind_s_unit():
    # memory: ceiling 1,200 / 2,400 / 3,600 stacks a year at the ends of 2025-2027, a
    # 12-month lead; the capacity is stacks a month, read 12 months ahead, never past
    # the calendar's last month (2027-12)
    scenario = load(
        PRIORS,
        {
            "memory": {
                "ceiling_stacks": {"2025": 1200, "2026": 2400, "2027": 3600},
                "lead_months": 12,
            }
        },
    )
    model = Model(scenario, 2, seed=1)
    ceiling = model.investor.capacities["memory"].ceiling
    np.testing.assert_allclose(ceiling(0), 100.0)  # 2024-01: before the first anchor
    np.testing.assert_allclose(ceiling(24), 1300.0 / 12)  # 2026-01: a twelfth toward 2,400
    np.testing.assert_allclose(ceiling(50), 300.0)  # 2028-03 is past the end: 2027-12
    np.testing.assert_allclose(ceiling(59), 300.0)
