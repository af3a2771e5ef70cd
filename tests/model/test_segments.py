"""sim.model.segments: quota paths and the lever, orders, redirection, backlog and lapses."""

from __future__ import annotations

import numpy as np
from small import calendar, draws, fixed

from sim.model import paths
from sim.model.segments import BuyerSegment, SegmentOptions, quota_paths
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


def segment(levels: LevelRows, quota: float, preference: float, enforcement: float = 1.0,
            substitution: float = 0.5, backlog: int = 2) -> BuyerSegment:
    cal = calendar(12)
    spec = SegmentSpec(demand_share=fixed(1.0), preference={"2025": fixed(preference)},
                       substitution=fixed(substitution),
                       quota=QuotaPath(points={"2025-01": quota}), enforcement=fixed(enforcement))
    target = np.full((levels.levels, cal.months), quota)
    demand = paths.YearlyCompound(cal, np.full(2, 1200.0), {}, 2)  # 100 H100e a month
    return BuyerSegment("s", spec, target, (demand, np.ones(2)), draws(2),
                        SegmentOptions(cal, levels, backlog))


def test_enforcement_scales_the_quota_and_preference_sets_a_floor():
    s = segment(LevelRows(1, None), quota=0.8, preference=0.3, enforcement=0.5)
    s.order(0)
    np.testing.assert_allclose(s.wanted_domestic, [[40.0, 40.0]])  # max(0.8 x 0.5, 0.3)
    np.testing.assert_allclose(s.import_orders(), [[60.0, 60.0]])
    loose = segment(LevelRows(1, None), quota=0.8, preference=0.3, enforcement=0.25)
    loose.order(0)
    np.testing.assert_allclose(loose.wanted_domestic, [[30.0, 30.0]])


def test_missing_imports_are_partly_sought_at_home_and_the_rest_lost():
    s = segment(LevelRows(1, None), quota=0.0, preference=0.0, substitution=0.75)
    s.order(0)
    s.receive_imports(np.array([[60.0, 100.0]]), s.import_orders())
    np.testing.assert_allclose(s.domestic_orders(), [[30.0, 0.0]])  # 0.75 of the 40 missed
    lapsed = s.receive_domestic(np.array([[30.0, 0.0]]))
    np.testing.assert_allclose(lapsed, [[10.0, 0.0]])


def test_unfilled_domestic_orders_wait_then_lapse_after_the_backlog_months():
    s = segment(LevelRows(1, None), quota=1.0, preference=0.0, backlog=2)
    lapsed = []
    for t in range(4):
        s.order(t)
        s.receive_imports(np.zeros((1, 2)), s.import_orders())
        got = np.array([[0.0, 150.0]])  # replication 0 gets nothing, 1 gets 150 a month
        lapsed.append(s.receive_domestic(np.minimum(got, s.domestic_orders()))[0])
    np.testing.assert_allclose(lapsed, [[0, 0], [0, 0], [100, 0], [100, 0]])
    np.testing.assert_allclose(s.backlog.imbalance(), 0.0)
