"""sim.model.foundry: wafer starts from capacity plans, fabs that ramp, a foundry that closes."""

from __future__ import annotations

import numpy as np
from small import World, date, draws, fixed

from sim.model.foundry import Foundry
from sim.scenario.schema import Fab
from sim.scenario.schema import Foundry as FoundrySpec


def run(foundry: Foundry, world: World, read=lambda f: f.wafers.copy()) -> list:
    """Drive the foundry's processes for the calendar; return ``read(foundry)`` month by month
    (its AI wafers unless told otherwise)."""
    out = []

    def watch_month():
        while True:
            month = yield world.clock.next_month()
            yield month.after("produced")
            out.append(read(foundry))
            month.done("recorded")

    for key, steps in foundry.dated().items():
        world.timeline.add(key, steps)
        world.env.process(foundry.watch(world.timeline, key))
    world.clock.join("produced")
    world.clock.join("recorded")
    world.run(foundry.produce(world.clock), watch_month())
    return out


def test_capacity_grows_by_the_realised_share_of_the_plan_times_the_ai_share():
    world = World(months=12)  # 2025
    spec = FoundrySpec(
        capacity={"2024": fixed(1000), "2025": fixed(2200)},
        ai_share={"2025": fixed(0.5)},
        expansion_realised=fixed(0.5),
    )
    wafers = run(Foundry("smic", spec, world.cal, draws(2)), world)
    # Dec 2024 = 1000, Dec 2025 = 2200: the plan adds 100 a month, so January plans 1100;
    # half of the growth since January is realised, and half the wafers go to AI
    for t, w in enumerate(wafers):
        capacity = 1100 + 0.5 * 100 * t
        np.testing.assert_allclose(w, [0.5 * capacity] * 2)


def test_a_dedicated_fab_adds_nothing_before_commissioning_then_ramps_linearly():
    world = World(months=12)
    fab = Fab(commission=date("2025-03"), wafers_per_month=fixed(4000), ramp_months=fixed(4))
    spec = FoundrySpec(capacity={"2025": fixed(0)}, ai_share={"2025": fixed(1)}, fabs={"fab1": fab})
    wafers = [w[0] for w in run(Foundry("huawei_fabs", spec, world.cal, draws(1)), world)]
    assert wafers[:2] == [0.0, 0.0]
    assert wafers[2:7] == [1000.0, 2000.0, 3000.0, 4000.0, 4000.0]


def test_a_foundry_closes_for_each_replication_at_its_own_date():
    world = World(months=6)
    spec = FoundrySpec(
        capacity={"2025": fixed(100)}, ai_share={"2025": fixed(1)}, closes=date("2025-01")
    )
    cut = draws(3, pinned={"foundries.tsmc.closes": [2025 * 12 + 2, 2025 * 12 + 4, 2030 * 12]})
    wafers = np.array(run(Foundry("tsmc", spec, world.cal, cut), world))
    np.testing.assert_array_equal(wafers[:, 0], [100, 100, 0, 0, 0, 0])
    np.testing.assert_array_equal(wafers[:, 1], [100, 100, 100, 100, 0, 0])
    np.testing.assert_array_equal(wafers[:, 2], [100] * 6)


def test_total_wafers_count_every_advanced_start_before_the_ai_share_until_closing():
    world = World(months=6)
    fab = Fab(commission=date("2025-02"), wafers_per_month=fixed(400), ramp_months=fixed(2))
    spec = FoundrySpec(
        capacity={"2024": fixed(1000), "2025": fixed(2200)},
        ai_share={"2025": fixed(0.25)},
        expansion_realised=fixed(0.5),
        fabs={"fab1": fab},
        closes=date("2025-05"),
    )
    foundry = Foundry("f", spec, world.cal, draws(1))
    totals = run(foundry, world, lambda f: float(f.total_wafers[0]))
    # capacity 1100 + 50 t (half of the plan's 100 a month), the fab 200 then 400 from
    # February, nothing from May (the foundry closes); the AI share does not enter
    assert totals == [1100.0, 1150.0 + 200, 1200.0 + 400, 1250.0 + 400, 0.0, 0.0]


def test_wafers_added_by_investment_are_ai_wafers_and_count_in_total_wafers():
    from types import SimpleNamespace

    world = World(months=12)
    spec = FoundrySpec(capacity={"2025": fixed(1000)}, ai_share={"2025": fixed(0.25)})
    foundry = Foundry("smic", spec, world.cal, draws(2))
    assert np.array_equal(foundry.base_total(0), [1000, 1000])
    foundry.growth = SimpleNamespace(
        added=SimpleNamespace(level=np.array([[10.0, 0.0], [30.0, 5.0]]))
    )
    np.testing.assert_allclose(foundry.wafers_at(0), [[260, 250], [280, 255]])
    np.testing.assert_allclose(foundry.total_wafers, [[1010, 1000], [1030, 1005]])
