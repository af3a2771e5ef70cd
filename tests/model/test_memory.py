"""sim.model.memory: HBM binds only from the controls on; the stockpile and output feed it."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from small import World, draws, fixed

from sim.model.memory import HbmPool
from sim.scenario.schema import Memory


def vendor(name: str, need: float, value: float):
    return SimpleNamespace(name=name, products=[None], stacks=np.full((1, 1), 4.0),
                           hbm_need=lambda: np.full((1, 1), float(need)),
                           h100e=lambda t: np.full((1, 1), value * 4.0))


def run_pool(pool: HbmPool, world: World) -> list[np.ndarray]:
    fractions = []

    def vendors_ship():
        while True:
            month = yield world.clock.next_month()
            month.done("shipped")
            yield month.after("packaged")
            fractions.append(np.concatenate([pool.fraction_for(v) for v in pool.vendors]))
            month.done("recorded")

    for key, steps in pool.dated().items():
        world.timeline.add(key, steps)
        world.env.process(pool.watch(world.timeline, key))
    world.clock.join("shipped", "packaged", "recorded")
    world.run(vendors_ship(), pool.package(world.clock))
    return fractions


def test_before_controls_every_chip_is_packaged_and_after_them_stacks_run_out():
    world = World(months=4)
    spec = Memory(controls_from="2025-03", stockpile_stacks=fixed(150),
                  domestic_stacks={"2025": fixed(120)})
    pool = HbmPool(spec, world.cal, draws(1), [vendor("a", 100, 0.1), vendor("b", 100, 0.2)])
    got = run_pool(pool, world)
    np.testing.assert_allclose(got[0][:, 0], [1, 1])
    np.testing.assert_allclose(got[1][:, 0], [1, 1])
    # March: 150 + 10 stacks; b (more compute per stack) first: 100, a gets 60
    np.testing.assert_allclose(got[2][:, 0], [0.6, 1.0])
    # April: 10 new stacks, all to b
    np.testing.assert_allclose(got[3][:, 0], [0.0, 0.1])
    assert pool.stock.level[0] == 0.0
    np.testing.assert_allclose(pool.stock.imbalance(), 0.0, atol=1e-9)
