"""sim.model.memory: vendors' pools, the stockpile and its rush, and domestic output."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from chipsim_testing import PRIORS
from hypothesis import given, settings
from hypothesis import strategies as st
from small import World, draws, fixed

from sim.model import vendor as vendor_module
from sim.model.ensemble import simulate
from sim.model.memory import HbmSupply, MemoryPool, normalised
from sim.scenario import ScenarioError, load
from sim.scenario.schema import Memory, MemorySource


def pool(world: World, own: dict | None = None, imported: bool = True) -> MemoryPool:
    spec = MemorySource(own_stacks=own or {}, imported=imported)
    return MemoryPool("hbm", spec, "vendors.v.memory.hbm", world.cal, draws(1), world.rows)


def test_shares_are_normalised_over_vendors():
    got = normalised([np.array([1.0, 0.0]), np.array([3.0, 0.0])])
    np.testing.assert_allclose(got, [[0.25, 0.0], [0.75, 0.0]])


def test_an_imported_pool_is_free_until_the_controls_then_holds_its_shares():
    world = World(months=4)  # 2025-01 .. 2025-04
    a, b = pool(world), pool(world)
    spec = Memory(
        controls_from="2025-03",
        controls_announced="2025-02",
        stockpile_stacks=fixed(100),
        rush_stacks=fixed(60),
        domestic_stacks={"2025": fixed(120)},
    )
    supply = HbmSupply(
        spec,
        world.cal,
        draws(1),
        [(a, np.array([0.75]), np.array([0.5])), (b, np.array([0.25]), np.array([0.5]))],
    )
    levels: list = []

    def watch_pools():
        while True:
            month = yield world.clock.next_month()
            yield month.after("supplied")
            levels.append((a.free, a.available().item(), b.available().item()))
            month.done("recorded")

    for key, steps in supply.dated().items():
        world.timeline.add(key, steps)
        world.env.process(supply.watch(world.timeline, key))
    world.clock.join("supplied", "recorded")
    world.run(supply.supply(world.clock), watch_pools())
    # Feb: the stock held at the announcement; Mar: the rush, controls, domestic output
    assert levels[0] == (True, 0.0, 0.0)
    assert levels[1] == (True, 75.0, 25.0)
    assert levels[2] == (False, 75.0 + 45.0 + 5.0, 25.0 + 15.0 + 5.0)
    assert levels[3][1] == 130.0


def test_a_pool_limits_need_only_once_bound_and_never_goes_negative():
    world = World()
    p = pool(world)
    need = np.array([[[5.0]]])
    assert p.limit(need) is need
    p.free = False
    p.credit(np.array([[3.0]]))
    np.testing.assert_array_equal(p.limit(need), [[3.0]])
    p.use(np.array([[5.0]]))
    assert p.available().item() == 0.0


def test_own_memory_is_always_a_limit_and_adds_nothing_before_its_first_year():
    world = World(months=24)
    p = pool(world, own={"2026": fixed(1200)}, imported=False)
    assert not p.free
    p.receive(0, 0.0)  # 2025-01: before the first year of output
    assert p.available().item() == 0.0
    p.receive(12, 0.0)  # 2026-01
    assert p.available().item() == 100.0


# --- the stockpile drawn on a plan (memory.ration_months, A41) ----------------------------


def planned(end, stockpile=120.0, replications: int = 1) -> MemoryPool:
    """A bound imported pool holding ``stockpile`` stacks, rationed until step ``end``."""
    world = World(months=60)
    spec = MemorySource()
    p = MemoryPool("hbm", spec, "vendors.v.memory.hbm", world.cal, draws(replications), world.rows)
    p.plan(np.broadcast_to(np.asarray(end, dtype=float), (replications,)))
    p.credit(np.full((1, replications), stockpile))
    p.free = False
    return p


def test_without_a_plan_the_stockpile_is_held_as_usable_stock():
    p = pool(World())
    p.credit(np.array([[120.0]]))
    p.free = False
    p.receive(0, np.array([5.0]))
    assert p.available().item() == 125.0 and p.stockpile.level.item() == 0.0


def test_the_allowance_spreads_what_is_left_over_the_months_to_the_plan_s_end():
    p = planned(end=4)  # controls at step 0, plan of four months: 120 / 4 a month
    allowances = []
    for t in range(4):
        p.receive(t, np.array([0.0]))
        allowances.append(p.available().item())
        p.use(p.available())
    np.testing.assert_allclose(allowances, [30.0, 30.0, 30.0, 30.0])
    assert p.stockpile.level.item() == 0.0


def test_an_unused_allowance_is_spread_over_the_months_left():
    p = planned(end=4)
    p.receive(0, np.array([0.0]))  # 30 allowed, none used
    p.receive(1, np.array([0.0]))
    assert p.available().item() == 40.0  # 120 / 3


def test_the_flow_is_used_before_the_stockpile():
    p = planned(end=4)
    p.receive(0, np.array([10.0]))  # 10 domestic stacks and an allowance of 30
    assert p.available().item() == 40.0
    p.use(np.array([[25.0]]))  # 10 from the flow, 15 from the stockpile
    assert p.flow.level.item() == 0.0
    assert p.stockpile.level.item() == 105.0
    assert p.available().item() == 15.0  # what is left of the month's allowance


def test_from_the_plan_s_end_everything_held_is_available():
    p = planned(end=np.array([2.0, 5.0]), replications=2)
    p.receive(2, np.array([1.0, 1.0]))  # the first replication's plan has ended
    np.testing.assert_allclose(p.available()[0], [121.0, 1.0 + 120.0 / 3])
    p.receive(7, np.array([0.0, 0.0]))  # both have ended
    np.testing.assert_allclose(p.available()[0], [121.0, 121.0])


def test_the_national_supply_plans_imported_pools_in_whole_months_after_the_controls():
    world = World(months=4)
    imported, own = pool(world), pool(world, imported=False)
    spec = Memory(controls_from="2025-03", stockpile_stacks=fixed(100), ration_months=fixed(23.5))
    HbmSupply(
        spec,
        world.cal,
        draws(1),
        [(imported, np.array([1.0]), np.array([1.0])), (own, np.array([0.0]), np.array([0.0]))],
    )
    np.testing.assert_array_equal(imported.end, [2 + 24])  # 2025-03 is step 2; 23.5 -> 24
    assert own.end is None  # own memory has no stockpile to plan
    unplanned = pool(world)
    HbmSupply(
        replace(spec, ration_months=None),
        world.cal,
        draws(1),
        [(unplanned, np.array([1.0]), np.array([1.0]))],
    )
    assert unplanned.end is None


@given(
    stockpile=st.floats(0.0, 1e7),
    months=st.integers(1, 48),
    flows=st.lists(st.floats(0.0, 1e6), min_size=1, max_size=60),
    demand=st.lists(st.floats(0.0, 2e6), min_size=1, max_size=60),
)
@settings(max_examples=60, deadline=None)
def test_laws_allowance_within_the_stockpile_and_stacks_conserved(stockpile, months, flows, demand):
    """In every month the allowance never exceeds the stockpile, and stacks in = used + held."""
    p = planned(end=months, stockpile=stockpile)
    received = used = 0.0
    for t, (flow, want) in enumerate(zip(flows, demand, strict=False)):
        p.receive(t, np.array([flow]))
        received += flow
        assert p.allowance.item() <= p.stockpile.level.item() * (1 + 1e-12)
        take = np.minimum(want, p.available())
        p.use(take)
        used += take.item()
    held = p.flow.level.item() + p.stockpile.level.item()
    assert abs(stockpile + received - used - held) <= 1e-9 * (1 + stockpile + received)
    for stock in (p.flow, p.stockpile):
        assert abs(stock.imbalance().item()) <= 1e-9 * (1 + stockpile + received)


@given(stockpile=st.floats(1.0, 1e7), months=st.integers(1, 48))
@settings(max_examples=30, deadline=None)
def test_law_allowances_used_in_full_release_the_stockpile_evenly_over_the_plan(stockpile, months):
    p = planned(end=months, stockpile=stockpile)
    allowances = []
    for t in range(months):
        p.receive(t, np.array([0.0]))
        allowances.append(p.available().item())
        p.use(p.available())
    np.testing.assert_allclose(allowances, stockpile / months, rtol=1e-9)
    np.testing.assert_allclose(sum(allowances), stockpile, rtol=1e-9)


class OldPool(MemoryPool):
    """The pool before plans (issue 18): one stock, drawn as fast as chips need it."""

    def __init__(self, *args):
        super().__init__(*args)
        self.stock = self.flow  # one stock for credits and deliveries alike

    def credit(self, stacks):
        self.stock.put(stacks)

    def receive(self, t, domestic):
        self.stock.put(self.own.at(t) / 12.0 + domestic)

    def available(self):
        return self.stock.level

    def use(self, stacks):
        if not self.free:
            self.stock.take(stacks)


def test_without_a_plan_a_run_equals_the_old_pool_bit_for_bit(monkeypatch):
    scenario = load(PRIORS)
    scenario = replace(scenario, memory=replace(scenario.memory, ration_months=None))
    new = simulate(scenario, 40, 5, ["announced", "1.0"])
    planned_run = simulate(load(PRIORS), 40, 5, ["announced", "1.0"])
    monkeypatch.setattr(vendor_module, "MemoryPool", OldPool)
    old = simulate(scenario, 40, 5, ["announced", "1.0"])
    assert new.replicates.keys() == old.replicates.keys()
    for metric, values in new.replicates.items():
        np.testing.assert_array_equal(values, old.replicates[metric], err_msg=metric)
    assert not np.array_equal(
        planned_run.replicates["domestic_units"], new.replicates["domestic_units"]
    )


@pytest.mark.parametrize("months", [0, -3, {"dist": "uniform", "low": 0.5, "high": 12}, 241])
def test_a_plan_must_last_between_one_month_and_twenty_years(months):
    with pytest.raises(ScenarioError, match="memory.ration_months"):
        load(PRIORS, {"memory": {"ration_months": months}})


def test_stacks_added_by_investment_reach_the_pools_by_level_from_the_controls():
    from sim.model.investment import Capacity
    from sim.model.state import LevelRows

    world = World(months=2, levels=2, part_step=0)  # 2025-01 .. 2025-02, two level rows
    a = pool(world)
    spec = Memory(
        controls_from="2025-02", stockpile_stacks=fixed(0), domestic_stacks={"2025": fixed(120)}
    )
    supply = HbmSupply(spec, world.cal, draws(1), [(a, np.array([1.0]), np.array([1.0]))])
    supply.growth = Capacity(
        supply.monthly, lambda t: np.array([1e9]), np.array([1.0]), LevelRows(2, 0), 1, world.env
    )
    supply.growth.added.put(np.array([[3.0], [7.0]]))  # stacks a month added, by level
    supply.deliver(0)  # before the controls: nothing domestic
    np.testing.assert_allclose(a.flow.level, [[0.0], [0.0]])
    supply.controlled = True
    supply.deliver(1)  # 120 / 12 from the path plus each level's addition
    np.testing.assert_allclose(a.flow.level, [[13.0], [17.0]])


def test_using_the_whole_allowance_leaves_none_this_month():
    p = planned(end=4)
    p.receive(0, np.array([0.0]))  # an allowance of 30
    p.use(np.array([[30.0]]))
    assert p.allowance.item() == 0.0 and p.available().item() == 0.0


def test_a_plan_shorter_than_a_month_ends_one_month_after_the_controls():
    world = World(months=12)
    spec = Memory(controls_from="2025-03", stockpile_stacks=fixed(0), ration_months=fixed(0.4))
    a = pool(world)
    supply = HbmSupply(spec, world.cal, draws(1), [(a, np.array([1.0]), np.array([1.0]))])
    assert supply.controls_step == 2 and a.end.tolist() == [3.0]  # 0.4 rounds to 0, at least 1


def test_a_vendor_s_own_pool_gets_no_share_of_domestic_hbm():
    world = World(months=2)
    spec = Memory(
        controls_from="2025-01", stockpile_stacks=fixed(0), domestic_stacks={"2025": fixed(120)}
    )
    hbm, own = pool(world), pool(world, imported=False)
    supply = HbmSupply(
        spec,
        world.cal,
        draws(1),
        [(hbm, np.array([1.0]), np.array([0.5])), (own, np.array([0.0]), np.array([0.5]))],
    )
    supply.controlled = True
    supply.deliver(0)  # 120 / 12 = 10 stacks this month, half of them to the HBM pool
    assert hbm.flow.level.item() == 5.0 and own.flow.level.item() == 0.0
