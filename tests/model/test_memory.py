"""sim.model.memory: vendors' pools, the stockpile and its rush, and domestic output."""

from __future__ import annotations

import numpy as np
from small import World, draws, fixed

from sim.model.memory import HbmSupply, MemoryPool, normalised
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
    spec = Memory(controls_from="2025-03", controls_announced="2025-02",
                  stockpile_stacks=fixed(100), rush_stacks=fixed(60),
                  domestic_stacks={"2025": fixed(120)})
    supply = HbmSupply(spec, world.cal, draws(1),
                       [(a, np.array([0.75]), np.array([0.5])),
                        (b, np.array([0.25]), np.array([0.5]))])
    levels: list = []

    def watch_pools():
        while True:
            month = yield world.clock.next_month()
            yield month.after("produced")
            levels.append((a.free, a.stock.level.item(), b.stock.level.item()))
            month.done("recorded")

    for key, steps in supply.dated().items():
        world.timeline.add(key, steps)
        world.env.process(supply.watch(world.timeline, key))
    world.clock.join("produced", "recorded")
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
    p.stock.put(np.array([[3.0]]))
    np.testing.assert_array_equal(p.limit(need), [[3.0]])
    p.use(np.array([[5.0]]))
    assert p.stock.level.item() == 0.0


def test_own_memory_is_always_a_limit_and_adds_nothing_before_its_first_year():
    world = World(months=24)
    p = pool(world, own={"2026": fixed(1200)}, imported=False)
    assert not p.free
    p.receive(0, 0.0)  # 2025-01: before the first year of output
    assert p.stock.level.item() == 0.0
    p.receive(12, 0.0)  # 2026-01
    assert p.stock.level.item() == 100.0


def test_stacks_added_by_investment_reach_the_pools_by_level_from_the_controls():
    from sim.model.investment import Capacity
    from sim.model.state import LevelRows

    world = World(months=2, levels=2, part_step=0)  # 2025-01 .. 2025-02, two level rows
    a = pool(world)
    spec = Memory(controls_from="2025-02", stockpile_stacks=fixed(0),
                  domestic_stacks={"2025": fixed(120)})
    supply = HbmSupply(spec, world.cal, draws(1), [(a, np.array([1.0]), np.array([1.0]))])
    supply.growth = Capacity(supply.monthly, lambda t: np.array([1e9]), np.array([1.0]),
                             LevelRows(2, 0), 1)
    supply.growth.added.put(np.array([[3.0], [7.0]]))  # stacks a month added, by level
    supply.deliver(0)  # before the controls: nothing domestic
    np.testing.assert_allclose(a.stock.level, [[0.0], [0.0]])
    supply.controlled = True
    supply.deliver(1)  # 120 / 12 from the path plus each level's addition
    np.testing.assert_allclose(a.stock.level, [[13.0], [17.0]])
