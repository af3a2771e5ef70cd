"""sim.model.timeline: dated entries fire as events at their month, with masks."""

from __future__ import annotations

import numpy as np
import pytest
import simpy
from hypothesis import given
from hypothesis import strategies as st
from small import World

from sim.model.timeline import Timeline, firing_months


def test_an_entry_fires_in_the_first_month_on_or_after_its_step():
    got = firing_months(np.array([-3, 0, 2, 2.2, 11, 12, np.nan]), 12)
    assert got.tolist() == [0, 0, 2, 3, 11, -1, -1]


def record(world: World, key: str, seen: list):
    """A process noting (month, mask) each time ``key`` fires."""
    while True:
        mask = yield world.timeline.on(key)
        seen.append((int(world.env.now), np.array(mask, dtype=bool).tolist()))


def test_a_random_date_fires_once_per_distinct_month_for_its_replications_only():
    world = World(months=12)
    world.timeline.add("events.x", np.array([3, 7, 3, 40]))  # the last: after the calendar
    seen: list = []
    world.run(record(world, "events.x", seen))
    assert seen == [(3, [True, False, True, False]), (7, [False, True, False, False])]


def test_a_fixed_date_fires_once_for_every_replication():
    world = World(months=6)
    world.timeline.add("launch", np.broadcast_to(np.int32(2), (4,)))
    seen: list = []
    world.run(record(world, "launch", seen))
    assert seen == [(2, [True] * 4)]


def test_entries_of_one_month_fire_in_the_order_they_were_added():
    world = World(months=3)
    order: list = []

    def note(key):
        yield world.timeline.on(key)
        order.append(key)

    for key in ("b", "a", "c"):
        world.timeline.add(key, np.array([1, 1]))
    world.run(note("a"), note("b"), note("c"))
    assert order == ["b", "a", "c"]


def test_an_entry_fires_before_the_month_begins():
    world = World(months=4)
    world.timeline.add("rule", np.array([2]))
    log: list = []

    def rule():
        yield world.timeline.on("rule")
        log.append(("rule", world.env.now))

    def actor():
        while True:
            month = yield world.clock.next_month()
            log.append(("month", month.t))

    world.run(actor(), rule())
    assert log.index(("rule", 2)) == log.index(("month", 2)) - 1


def test_adding_an_entry_twice_is_refused():
    timeline = Timeline(simpy.Environment(), 12)
    timeline.add("x", np.array([1]))
    with pytest.raises(ValueError, match="twice"):
        timeline.add("x", np.array([2]))


@given(st.lists(st.integers(-5, 20), min_size=1, max_size=8))
def test_every_replication_in_the_calendar_fires_exactly_once(steps):
    world = World(months=12)
    world.timeline.add("k", np.array(steps))
    seen: list = []
    world.run(record(world, "k", seen))
    fired = np.zeros(len(steps), dtype=int)
    for month, mask in seen:
        fired += mask
        assert all(max(s, 0) == month for s, m in zip(steps, mask, strict=True) if m)
    assert fired.tolist() == [1 if s < 12 else 0 for s in steps]


def test_months_of_lists_each_month_an_entry_is_still_to_fire_in_once_in_order():
    world = World(months=12)
    world.timeline.add("events.x", np.array([7, 3, 3, 40]))  # 40: after the calendar
    world.timeline.add("launch", np.broadcast_to(np.int32(5), (4,)))
    assert world.timeline.months_of("events.x") == [3, 7]
    assert world.timeline.months_of("launch") == [5]
    assert world.timeline.months_of("never.added") == []
