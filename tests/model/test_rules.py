"""sim.model.rules: which way a rule moves access, lead times, buy-ahead windows, approvals."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from small import calendar, date, draws, fixed

from sim.model.rules import ImportRules, build_rules, compact, opens, previous_values
from sim.model.state import LevelRows
from sim.scenario.dist import Dist
from sim.scenario.schema import Event

CAL = calendar(24)


def channel(name="x", lead=1, guidance=1.0, approval=False, grey=False):
    return SimpleNamespace(
        name=name,
        lead=np.full(2, lead),
        initial_licence=1.0,
        initial_guidance=guidance,
        approval=approval,
        grey=grey,
    )


def event(kind, value, when="2025-06", **extra) -> Event:
    return Event(date=date(when), product="x", kind=kind, value=fixed(value), **extra)


def test_rules_that_widen_access_open_and_the_rest_close():
    assert opens("licence", 1.0, 0.0) and not opens("licence", 0.0, 1.0)
    assert opens("approval", 5.0, 0.0)
    assert not opens("bundle", 2.0, 0.0) and opens("bundle", 0.0, 2.0)
    assert not opens("bar", 0.0, 1.0)


def test_each_event_replaces_the_value_in_force_before_it_in_time():
    events = {
        "late": event("licence", 1.0, "2025-09"),
        "early": event("licence", 0.0),
        "dropped": event("licence", 0.5, "2025-07", enabled=False),
    }
    assert previous_values(events, "x", "licence", 1.0) == {"early": 1.0, "late": 0.0}


def test_an_opening_rule_reaches_deliveries_after_the_lead_time_and_a_closing_one_at_once():
    events = {"ban": event("licence", 0.0, "2025-04"), "allow": event("licence", 1.0, "2025-09")}
    rules = {r.name: r for r in build_rules(events, [channel(lead=2)], ["s"], CAL, draws(2))}
    assert rules["ban"].steps.tolist() == [3, 3] and not rules["ban"].opens
    assert rules["allow"].steps.tolist() == [10, 10] and rules["allow"].opens


def test_a_closing_rule_announced_early_opens_a_buy_ahead_window():
    announced = Dist("fixed", (float(2025 * 12 + 1),), is_date=True)
    events = {"ban": event("licence", 0.0, "2025-06", announced=announced)}
    (rule,) = build_rules(events, [channel(lead=1)], ["s"], CAL, draws(2))
    assert rule.rush.tolist() == [2, 2] and rule.window.tolist() == [3, 3]


def rules_for(products, segments=("a", "b", "c")) -> ImportRules:
    return ImportRules(products, list(segments), LevelRows(1, None), 2)


def test_willingness_multiplies_guidance_bars_and_customs_and_grey_obeys_only_bars():
    products = [channel(guidance=0.5), channel("g", grey=True)]
    r = rules_for(products)
    events = {
        "bar_b": Event(
            date=date("2025-01"), product="*", kind="bar", value=fixed(0.0), segments=("b",)
        ),
        "customs": Event(date=date("2025-01"), product="x", kind="customs", value=fixed(0.5)),
    }
    for rule in build_rules(events, products, ["a", "b", "c"], CAL, draws(2)):
        r.apply(rule, np.array([True, False]))
    np.testing.assert_allclose(r.willingness(0)[:, 0], [0.25, 0.0, 0.25])
    np.testing.assert_allclose(r.willingness(0)[:, 1], [0.5, 0.5, 0.5])
    np.testing.assert_allclose(r.willingness(1)[:, 0], [1.0, 0.0, 1.0])


def test_an_approval_is_shared_by_its_segments_and_used_by_deliveries():
    products = [channel(approval=True)]
    r = rules_for(products)
    assert r.approved_units(0, (1, 2))[:, 0].tolist() == [[0, 0]] * 3  # queued: none yet
    events = {
        "ok": Event(
            date=date("2025-01"),
            product="x",
            kind="approval",
            value=fixed(100.0),
            segments=("a", "b"),
        )
    }
    (rule,) = build_rules(events, products, ["a", "b", "c"], CAL, draws(2))
    r.apply(rule, np.array([True, True]))
    r.use_approvals(0, np.array([[[30.0, 0.0]], [[20.0, 0.0]], [[0.0, 0.0]]]))
    left = r.approved_units(0, (1, 2))[:, 0]
    np.testing.assert_allclose(left, [[50, 100], [50, 100], [0, 0]])


def test_tables_stay_one_value_a_segment_until_a_rule_sets_replications_apart():
    r = rules_for([channel(guidance=0.5)])
    assert r.guidance[0].shape == (3, 1) and r.customs[0].shape == (1,)
    r.set_row(r.guidance, 0, 1, np.array([0.25, 0.25]))  # the same for every replication
    assert r.guidance[0].shape == (3, 1)
    np.testing.assert_array_equal(r.willingness(0)[:, 0], [0.5, 0.25, 0.5])
    r.set_row(r.guidance, 0, 2, np.array([0.0, 1.0]))  # replications part
    assert r.guidance[0].shape == (3, 2)
    np.testing.assert_array_equal(r.willingness(0), [[0.5, 0.5], [0.25, 0.25], [0.0, 1.0]])


def test_compact_keeps_one_element_only_when_every_bit_agrees():
    assert compact(np.array([2.0, 2.0, 2.0])).tolist() == [2.0]
    assert compact(np.array(3.0)).shape == (1,)
    assert compact(np.array([0.0, -0.0])).shape == (2,)  # equal, but not the same bits
    assert compact(np.array([np.nan, np.nan])).shape == (1,)
