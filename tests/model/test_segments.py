"""sim.model.segments: quota paths and the lever, orders, redirection, backlog and lapses."""

from __future__ import annotations

import numpy as np
import pytest
import simpy
from small import calendar, draws, fixed

from sim.model import paths
from sim.model.segments import BuyerSegment, SegmentOptions, compute_share, quota_paths
from sim.model.state import LevelRows
from sim.scenario.schema import QuotaPath
from sim.scenario.schema import Segment as SegmentSpec


def test_the_announced_path_is_piecewise_linear_between_its_points():
    cal = calendar(12, "2025-01")
    path = quota_paths(cal, {"2025-01": 0.0, "2025-05": 0.8}, ["announced"], "2026-01")[0]
    np.testing.assert_allclose(path[:6], [0.0, 0.2, 0.4, 0.6, 0.8, 0.8])


def test_a_level_keeps_history_then_reaches_its_value_in_january_2027():
    cal = calendar(36, "2025-01")
    levels = ["announced", "1.0"]
    path = quota_paths(cal, {"2025-01": 0.5, "2025-12": 0.5}, levels, "2026-01")
    t_lever, t_deadline = 12, 24  # 2026-01 and 2027-01
    np.testing.assert_array_equal(path[1, :t_lever], path[0, :t_lever])
    assert path[1, t_deadline] == 1.0 and path[1, t_deadline - 1] < 1.0
    np.testing.assert_allclose(path[1, t_lever], 0.5 + 0.5 / 13)  # first of 13 steps
    assert (path[1, t_deadline:] == 1.0).all() and (path[0, t_lever:] == 0.5).all()


def test_the_lever_reaches_only_the_segments_in_its_reach():
    # 2025-01 to 2027-06; the lever starts in 2026-07 (step 18) and the level holds
    # from 2027-01 (step 24): seven steps of a seventh of the way each.
    cal = calendar(30, "2025-01")
    levels = ["announced", "0.7"]
    unannounced = quota_paths(cal, None, levels, "2026-07", reach=True)
    np.testing.assert_array_equal(unannounced[0], np.zeros(30))  # nothing announced
    np.testing.assert_array_equal(unannounced[1, :18], np.zeros(18))
    np.testing.assert_allclose(unannounced[1, 18:25], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
    np.testing.assert_allclose(unannounced[1, 25:], 0.7)
    np.testing.assert_array_equal(
        quota_paths(cal, None, levels, "2026-07", reach=False), np.zeros((2, 30))
    )
    points = {"2025-01": 0.0, "2025-11": 0.5}  # 0.05 a month, then 0.5 held
    outside = quota_paths(cal, points, levels, "2026-07", reach=False)
    np.testing.assert_allclose(outside[0, :12], [0.05 * t for t in range(11)] + [0.5])
    np.testing.assert_array_equal(outside[1], outside[0])
    inside = quota_paths(cal, points, levels, "2026-07")  # in reach by default
    np.testing.assert_allclose(inside[1, 18:25], 0.5 + 0.2 / 7 * np.arange(1, 8))


def test_a_quota_counted_in_units_orders_its_share_of_compute_at_the_current_mix():
    # half the chips domestic at 0.5 H100e each, imports at 1.5: a quarter of the compute
    np.testing.assert_allclose(compute_share(np.array([0.5]), np.array([[0.5], [1.5]])), 0.25)
    np.testing.assert_allclose(compute_share(np.array([1.0]), np.array([[0.5], [1.5]])), 1.0)


def segment(
    levels: LevelRows,
    quota: float,
    preference: float,
    enforcement: float = 1.0,
    substitution: float = 0.5,
    backlog: int = 2,
    basis: str = "compute",
) -> BuyerSegment:
    cal = calendar(12)
    spec = SegmentSpec(
        demand_share=fixed(1.0),
        preference={"2025": fixed(preference)},
        substitution=fixed(substitution),
        quota=QuotaPath(points={"2025-01": quota}, basis=basis),
        enforcement=fixed(enforcement),
    )
    target = np.full((levels.levels, cal.months), quota)
    demand = paths.YearlyCompound(cal, np.full(2, 1200.0), {}, 2)  # 100 H100e a month
    return BuyerSegment(
        "s",
        spec,
        target,
        (demand, np.ones(2)),
        draws(2),
        SegmentOptions(cal, levels, backlog, simpy.Environment()),
    )


MIX = np.ones((2, 1, 2))


def next_month(s: BuyerSegment) -> None:
    """Open the next month on the segment's SimPy clock: what is due then has happened."""
    env = s.backlog.env
    env.run(until=env.now + 1)
    while env.peek() <= env.now:  # the events at the new month's start (run stops before them)
        env.step()


def test_enforcement_scales_the_quota_and_preference_sets_a_floor():
    s = segment(LevelRows(1, None), quota=0.8, preference=0.3, enforcement=0.5)
    s.order(0, MIX)
    np.testing.assert_allclose(s.wanted_domestic, [[40.0, 40.0]])  # max(0.8 x 0.5, 0.3)
    np.testing.assert_allclose(s.import_need, [[60.0, 60.0]])
    loose = segment(LevelRows(1, None), quota=0.8, preference=0.3, enforcement=0.25)
    loose.order(0, MIX)
    np.testing.assert_allclose(loose.wanted_domestic, [[30.0, 30.0]])


def test_a_units_quota_is_ordered_as_its_compute_share():
    s = segment(LevelRows(1, None), quota=0.5, preference=0.0, basis="units")
    s.order(0, np.array([[[0.5, 1.0]], [[1.5, 1.0]]]))
    np.testing.assert_allclose(s.wanted_domestic, [[25.0, 50.0]])


def test_missing_imports_come_from_the_stockpile_then_home_then_are_lost():
    s = segment(LevelRows(1, None), quota=0.0, preference=0.0, substitution=0.75)
    s.held.put(np.array([[10.0, 0.0]]))
    s.order(0, MIX)
    s.receive_imports(np.array([[50.0, 100.0]]), np.array([[5.0, 0.0]]))
    # replication 0 missed 50: 15 from its stockpile (10 + the 5 just bought ahead), then
    # 0.75 of the other 35 sought at home
    np.testing.assert_allclose(s.held.level, [[0.0, 0.0]])
    np.testing.assert_allclose(s.domestic_orders(), [[26.25, 0.0]])
    lapsed = s.receive_domestic(np.array([[26.25, 0.0]]))
    np.testing.assert_allclose(lapsed, [[8.75, 0.0]])
    np.testing.assert_allclose(s.held.imbalance(), 0.0)


def test_unfilled_domestic_orders_wait_then_lapse_after_the_backlog_months():
    s = segment(LevelRows(1, None), quota=1.0, preference=0.0, backlog=2)
    lapsed = []
    for t in range(4):
        s.order(t, MIX)
        s.receive_imports(np.zeros((1, 2)), np.zeros((1, 2)))
        got = np.array([[0.0, 150.0]])  # replication 0 gets nothing, 1 gets 150 a month
        lapsed.append(s.receive_domestic(np.minimum(got, s.domestic_orders()))[0])
        next_month(s)
    np.testing.assert_allclose(lapsed, [[0, 0], [0, 0], [100, 0], [100, 0]])
    np.testing.assert_allclose(s.backlog.imbalance(), 0.0)


def test_a_calendar_ending_before_the_deadline_reaches_the_level_in_its_last_month():
    # 2026-01 to 2026-06, lever at the start: the deadline is capped at the last month, so
    # the level is reached in six equal steps (mutation survivor: deadline past the end)
    cal = calendar(6, "2026-01")
    path = quota_paths(cal, {"2026-01": 0.4}, ["1.0"], "2026-01")[0]
    np.testing.assert_allclose(path, 0.4 + 0.1 * np.arange(1, 7))


def test_a_lever_starting_at_the_deadline_jumps_to_the_level_from_the_value_before_it():
    # lever in 2027-01, the deadline itself: one step, from the announced value of 2026-12
    cal = calendar(24, "2026-01")
    points = {"2026-01": 0.0, "2026-12": 0.55}
    path = quota_paths(cal, points, ["announced", "0.9"], "2027-01")
    assert path[1, 11] == pytest.approx(0.55) and path[1, 12] == pytest.approx(0.9)
    # a lever in the calendar's first month starts from the first announced value
    first = quota_paths(
        calendar(24, "2026-01"), {"2026-01": 0.2, "2026-02": 0.6}, ["1.0"], "2026-01"
    )[0]
    assert first[0] == pytest.approx(0.2 + 0.8 / 13)


def priced_segment(quota: float) -> BuyerSegment:
    """A segment with a budget of 1200 USD a month (14,400 a year) and the given quota."""
    cal = calendar(12)
    spec = SegmentSpec(
        demand_share=fixed(1.0),
        preference={"2025": fixed(0.0)},
        substitution=fixed(0.5),
        quota=QuotaPath(points={"2025-01": quota}),
    )
    levels = LevelRows(1, None)
    target = np.full((1, cal.months), quota)
    budget = paths.YearlyCompound(cal, np.full(2, 14_400.0), {}, 2)
    return BuyerSegment(
        "s",
        spec,
        target,
        (budget, np.ones(2)),
        draws(2),
        SegmentOptions(cal, levels, 2, simpy.Environment(), priced=True),
    )


def test_a_budget_buys_h100e_at_the_price_of_the_mix_it_wants():
    # domestic chips 24 USD per H100e, imports 8 (replication 0) or 16 (replication 1)
    price = np.array([[[24.0, 24.0]], [[8.0, 16.0]]])
    half = priced_segment(0.5)
    half.order(0, MIX, price)
    # x = 0.5: p = 0.5 x 24 + 0.5 x 8 = 16 (or 20); 1200 USD buy 75 (or 60) H100e
    np.testing.assert_allclose(half.need(), [[75.0, 60.0]])
    np.testing.assert_allclose(half.wanted_domestic, [[37.5, 30.0]])
    np.testing.assert_allclose(half.import_need, [[37.5, 30.0]])
    full = priced_segment(1.0)
    full.order(0, MIX, price)
    # a quota forcing the dearer chips buys fewer H100e from the same money: 1200 / 24
    np.testing.assert_allclose(full.need(), [[50.0, 50.0]])
    np.testing.assert_allclose(full.book.placed, [[50.0, 50.0]])


def test_the_order_book_balances_what_was_placed_against_its_outcomes():
    s = segment(LevelRows(1, None), quota=0.5, preference=0.0, substitution=0.5, backlog=2)
    s.prefill(1, np.array([[10.0, 0.0]]))  # a warm start's order, already waiting
    for t in range(5):
        s.order(t, MIX)
        s.receive_imports(np.array([[20.0, 50.0]]), np.zeros((1, 2)))  # need 50 each
        got = np.minimum(np.array([[30.0, 80.0]]), s.domestic_orders())
        unmet = s.receive_domestic(got)
        s.settle_unmet(0.25 * unmet, 0.75 * unmet)
        book = s.book
        np.testing.assert_allclose(
            book.placed, book.filled + book.offshore + book.abandoned + s.backlog.total()
        )
        next_month(s)
    # replication 0: 50 + 15 substituted domestic orders a month against 30 made; 15 lost
    np.testing.assert_allclose(s.served_late, [[30.0, 0.0]])  # the backlog is served first
    assert s.book.offshore[0, 0] > 0 and s.book.offshore[0, 1] == 0.0


def test_a_segment_with_an_announced_quota_is_bound_and_one_reached_by_the_lever_targeted():
    bound = segment(LevelRows(2, None), quota=0.5, preference=0.0)
    assert bound.bound is True and bound.targeted is True
    cal = calendar(12)
    spec = SegmentSpec(
        demand_share=fixed(1.0), preference={"2025": fixed(0.0)}, substitution=fixed(0.5)
    )
    demand = paths.YearlyCompound(cal, np.full(2, 1200.0), {}, 2)
    options = SegmentOptions(cal, LevelRows(2, None), 2, simpy.Environment())
    lever = np.zeros((2, cal.months))
    lever[1, 6:] = 0.9  # the second level's uniform quota reaches it from month 6
    reached = BuyerSegment("s", spec, lever, (demand, np.ones(2)), draws(2), options)
    assert reached.bound is False and reached.targeted is True  # quota_first does not favour it
    free = BuyerSegment(
        "s", spec, np.zeros((2, cal.months)), (demand, np.ones(2)), draws(2), options
    )
    assert free.bound is False and free.targeted is False
