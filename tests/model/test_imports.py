"""sim.model.imports: licence and guidance events, the stockpile, what the market takes."""

from __future__ import annotations

import numpy as np
from small import World, date, draws, fixed

from sim.model.imports import ImportChannel
from sim.scenario.schema import Event, ImportProduct

SPEC = ImportProduct(units_per_month={"2025": fixed(100)}, h100e=fixed(0.2), power_kw=fixed(0.5),
                     stockpile_units=fixed(50), stockpile_date="2025-03")


def run_channel(channel: ImportChannel, world: World, take: float = 0.0) -> list[np.ndarray]:
    seen = []

    def market():
        while True:
            month = yield world.clock.next_month()
            yield month.after("offered")
            available = channel.available()
            seen.append(available.copy())
            channel.take(np.full(available.shape, take), available)
            month.done("recorded")

    for key, steps in channel.dated().items():
        world.timeline.add(key, steps)
        world.env.process(channel.watch(world.timeline, key))
    world.clock.join("offered", "recorded")
    world.run(market(), channel.offer(world.clock))
    return seen


def test_a_licence_event_cuts_the_flow_for_the_replications_whose_date_it_is():
    world = World(months=6)
    events = [("ban", Event(date=date("2025-01"), product="x", kind="licence", value=0.0))]
    when = draws(2, pinned={"events.ban.date": [2025 * 12 + 2, 2025 * 12 + 4]})
    channel = ImportChannel("x", SPEC, "imports.x", world.cal, when, world.rows, events)
    flows = np.array([a[0] for a in run_channel(channel, world, take=1.0)])
    stock = [0, 0, 50, 0, 0, 0]  # the stockpile lands in March and is taken at once
    np.testing.assert_array_equal(flows[:, 0], np.add([100, 100, 0, 0, 0, 0], stock))
    np.testing.assert_array_equal(flows[:, 1], np.add([100, 100, 100, 100, 0, 0], stock))


def test_guidance_multiplies_the_licensed_flow():
    world = World(months=2)
    events = [("gui", Event(date=date("2025-02"), product="x", kind="guidance", value=0.25))]
    channel = ImportChannel("x", SPEC, "imports.x", world.cal, draws(1), world.rows, events)
    flows = [a[0, 0] for a in run_channel(channel, world)]
    assert flows == [100.0, 25.0]


def test_the_untaken_stockpile_carries_over_and_the_untaken_flow_does_not():
    world = World(months=5)
    channel = ImportChannel("x", SPEC, "imports.x", world.cal, draws(1), world.rows, [])
    flows = [a[0, 0] for a in run_channel(channel, world, take=0.5)]
    # stock after March: 50 x 0.5 = 25, then 12.5 ...; the flow is 100 each month
    assert flows == [100.0, 100.0, 150.0, 125.0, 112.5]
    np.testing.assert_allclose(channel.stock.imbalance(), 0.0)
