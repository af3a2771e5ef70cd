"""sim.experiments.findings: boxes told in words and limits written as discover.csv stores them."""

from __future__ import annotations

import numpy as np

from sim.core.calendar import format_month
from sim.experiments import prim
from sim.experiments.discovery import Found, Inputs
from sim.experiments.findings import clause, label, limit, shown, sides

PATHS = [
    "vendors.huawei.products.ascend_910c.yield_curve.ceiling",
    "events.ban.date",
    "imports.grey_market.open",
    "demand.budget_usd",
]
KINDS = ["number", "date", "bool", "number"]
SHARES = [True, False, False, False]
X = np.array([[0.2, 24300.0, 0.0, 1e9], [0.9, 24330.0, 1.0, 3e9]])
INPUTS = Inputs(PATHS, KINDS, SHARES, X, [])


def _found(low, high):
    box = prim.Box(np.array(low, float), np.array(high, float), 1.0, 1.0, 1.0)
    return Found(box, 0, [box], {}, [], np.zeros((4, 3)), 0.5, 0.01)


def test_label_drops_structural_words():
    assert label(PATHS[0]) == "huawei ascend 910c ceiling"
    assert label(PATHS[2]) == "open"


def test_limits_as_stored_months_inside_and_flags():
    assert limit(INPUTS, 0, 0.55, "low") == "0.55"
    assert limit(INPUTS, 1, 24300.5, "low") == format_month(24301)  # first month inside
    assert limit(INPUTS, 1, 24300.5, "high") == format_month(24300)  # last month inside
    assert limit(INPUTS, 2, 0.5, "low") == "true"
    assert shown(INPUTS, 0, 0.5512, "low") == "55.1%"
    assert shown(INPUTS, 3, 2.0e9, "high") != repr(2.0e9)  # plain number for reading


def test_sides_and_clauses():
    low, high = X.min(axis=0), X.max(axis=0)
    found = _found([0.5, 24300, 0.5, 1e9], [0.9, 24310, 1, 2e9])
    assert sides(found, low, high, 0) == ["low"]
    assert sides(found, low, high, 3) == ["high"]
    assert sides(found, low, high, 1) == ["high"]
    assert clause(INPUTS, 0, found, low, high) == "huawei ascend 910c ceiling is at least 50.0%"
    assert clause(INPUTS, 2, found, low, high) == "open is true"
    assert (
        clause(INPUTS, 1, found, low, high) == f"ban date comes in {format_month(24310)} or earlier"
    )
    both = _found([0.3, 24305, 0, 1e9], [0.8, 24320, 0, 3e9])
    assert (
        clause(INPUTS, 0, both, low, high)
        == "huawei ascend 910c ceiling is between 30.0% and 80.0%"
    )
    assert clause(INPUTS, 2, both, low, high) == "open is false"
