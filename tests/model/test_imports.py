"""sim.model.imports: supply = (flow + stock) x licence, within a cap; stock sold first."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from small import World, date, draws, fixed

from sim.model.imports import ImportChannel
from sim.model.rules import build_rules
from sim.scenario.schema import Event, ImportProduct

SPEC = ImportProduct(
    units_per_month={"2025": fixed(100)},
    h100e=fixed(0.2),
    power_kw=fixed(0.5),
    price_usd=fixed(10_000),
    lead_months=fixed(1),
    stockpile_units=fixed(50),
    stockpile_date="2025-03",
)


def run_channel(world: World, events: dict, when=None, take: float = 0.0) -> tuple:
    channel = ImportChannel("x", SPEC, "imports.x", world.cal, when or draws(2), world.rows)
    for rule in build_rules(events, [channel], ["s"], world.cal, when or draws(2)):
        channel.rules[rule.key] = rule
    seen = []

    def market():
        while True:
            month = yield world.clock.next_month()
            yield month.after("offered")
            available = channel.available()
            seen.append(available[0].copy())
            channel.take(available * take)
            month.done("recorded")

    for key, steps in channel.dated().items():
        world.timeline.add(key, steps)
        world.env.process(channel.watch(world.timeline, key))
    world.clock.join("offered", "recorded")
    world.run(market(), channel.offer(world.clock))
    return channel, np.array(seen)


def test_a_licence_ban_stops_flow_and_stock_for_the_replications_whose_date_it_is():
    world = World(months=6)
    events = {"ban": Event(date=date("2025-01"), product="x", kind="licence", value=fixed(0.0))}
    when = draws(2, pinned={"events.ban.date": [2025 * 12 + 2, 2025 * 12 + 4]})
    _, seen = run_channel(world, events, when, take=1.0)
    np.testing.assert_array_equal(seen[:, 0], [100, 100, 0, 0, 0, 0])
    np.testing.assert_array_equal(seen[:, 1], [100, 100, 150, 100, 0, 0])


def test_a_licence_that_opens_reaches_deliveries_a_lead_time_later():
    world = World(months=5)
    spec_events = {
        "ban": Event(date=date("2025-01"), product="x", kind="licence", value=fixed(0.0)),
        "allow": Event(date=date("2025-03"), product="x", kind="licence", value=fixed(1.0)),
    }
    _, seen = run_channel(world, spec_events, take=1.0)
    np.testing.assert_array_equal(seen[:, 0], [0, 0, 0, 150, 100])  # lead 1: from April


def test_a_cap_bounds_what_the_supplier_ships():
    world = World(months=4)
    events = {"cap": Event(date=date("2025-02"), product="x", kind="cap", value=fixed(30))}
    _, seen = run_channel(world, events)
    np.testing.assert_array_equal(seen[:, 0], [100, 30, 30, 30])


def test_the_stock_is_sold_first_and_carries_over():
    world = World(months=5)
    channel, seen = run_channel(world, {}, take=0.5)
    # the stock (50 from March) is sold first: half of 150 = 75 takes all of it
    np.testing.assert_array_equal(seen[:, 0], [100, 100, 150, 100, 100])
    np.testing.assert_allclose(channel.stock.imbalance(), 0.0)
    assert channel.stock.level.max() == 0.0


# --- the grey market's answer to scarcity, within an enforcement cap ---------------------

GREY = ImportProduct(
    units_per_month={"2025": fixed(100)},
    h100e=fixed(1.0),
    power_kw=fixed(1.0),
    scarcity_response=fixed(2.0),
    enforcement_cap={"2025": fixed(250)},
)


def grey_channel(spec: ImportProduct = GREY, pinned: dict | None = None) -> ImportChannel:
    world = World(months=3)
    return ImportChannel(
        "s", spec, "grey_market.s", world.cal, draws(3, pinned), world.rows, grey=True
    )


def test_grey_supply_grows_with_last_months_scarcity_up_to_the_enforcement_cap():
    channel = grey_channel(pinned={"grey_market.s.scarcity_response": [0.0, 2.0, 4.0]})
    np.testing.assert_array_equal(channel.available(), [[100, 100, 100]])  # no scarcity yet
    channel.scarcity = np.array([[0.5, 0.5, 0.5]])
    # 100 x (1 + 0 x 0.5), 100 x (1 + 2 x 0.5), 100 x (1 + 4 x 0.5) = 300 -> the cap, 250
    np.testing.assert_array_equal(channel.available(), [[100, 200, 250]])


def test_a_cap_below_the_flow_binds_even_without_scarcity():
    spec = ImportProduct(
        units_per_month={"2025": fixed(100)},
        h100e=fixed(1.0),
        power_kw=fixed(1.0),
        enforcement_cap={"2025": fixed(60)},
    )
    np.testing.assert_array_equal(grey_channel(spec).available(), [[60, 60, 60]])


def test_no_response_and_no_cap_offer_the_flow_as_before():
    spec = ImportProduct(
        units_per_month={"2025": fixed(100)}, h100e=fixed(1.0), power_kw=fixed(1.0)
    )
    channel = grey_channel(spec)
    assert not channel.responds
    channel.scarcity = np.array([[1.0, 1.0, 1.0]])
    np.testing.assert_array_equal(channel.available(), [[100, 100, 100]])


@settings(max_examples=200, deadline=None)
@given(
    flow=st.floats(0, 1e6),
    response=st.floats(0, 100),
    scarcity=st.floats(0, 1),
    cap=st.floats(0, 1e6),
)
def test_grey_supply_never_exceeds_the_cap_nor_falls_below_the_capped_flow(
    flow, response, scarcity, cap
):
    spec = ImportProduct(
        units_per_month={"2025": fixed(flow)},
        h100e=fixed(1.0),
        power_kw=fixed(1.0),
        scarcity_response=fixed(response),
        enforcement_cap={"2025": fixed(cap)},
    )
    channel = grey_channel(spec)
    channel.scarcity = np.full((1, 3), scarcity)
    offered = channel.available()
    assert (offered <= cap).all()
    assert (offered >= min(flow, cap) * (1 - 1e-12)).all()
