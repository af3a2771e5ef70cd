"""sim.experiments.calibration.tradeoff: a worse fit after calibration is flagged.

Each flag gives a reason.
"""

from __future__ import annotations

import numpy as np

from sim.experiments.calibration.measure import Check
from sim.experiments.calibration.table import targets_table
from sim.experiments.calibration.targets import Target
from sim.experiments.calibration.tradeoff import explanations, miss, worse


def target(name: str, value: float = 10.0, low: float = 8.0, high: float = 12.0) -> Target:
    return Target(name, ("domestic_units",), (), "national", "2025", value, low, high, 0.0, ("S1",))


def check(t: Target, p50: float, spread: float = 1.0) -> Check:
    return Check(t, p50 - spread, p50, p50 + spread)


def test_the_miss_is_the_medians_distance_outside_the_interval_in_half_widths():
    t = target("a")  # accepted [8, 12]: half-width 2
    assert miss(check(t, 10.0)) == 0.0
    assert miss(check(t, 15.0)) == 1.5
    assert miss(check(t, 7.0)) == 0.5


def test_worse_means_out_of_the_band_out_of_the_interval_or_further_away():
    t = target("a")
    assert worse(check(t, 10.0), check(t, 11.0)) == ""
    assert "90% band" in worse(check(t, 10.0), check(t, 20.0))
    assert "median" in worse(check(t, 10.0, spread=10), check(t, 13.0, spread=10))
    assert "further" in worse(check(t, 15.0, spread=0.1), check(t, 17.0, spread=0.1))
    assert worse(check(t, 17.0, spread=0.1), check(t, 15.0, spread=0.1)) == ""


def test_a_worse_target_names_the_parameters_it_shares_and_what_it_was_traded_for():
    a, b, c = target("a"), target("b"), target("c")
    before = [check(a, 10.0), check(b, 20.0), check(c, 10.0)]
    after = [check(a, 20.0), check(b, 10.0), check(c, 10.0)]  # a worse, b better
    effects = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])  # p moves a and b, q moves c
    found = explanations(before, after, ["p", "q"], effects)
    assert [name for name, _, _ in found] == ["a"]
    why = found[0][2]
    assert "moved most by p, which also move 1 other targets" in why
    assert "traded it for b" in why


def test_a_worse_target_no_calibrated_parameter_moves_says_so():
    a, b = target("a"), target("b")
    before, after = [check(a, 10.0), check(b, 20.0)], [check(a, 20.0), check(b, 10.0)]
    effects = np.array([[0.0], [1.0]])
    ((name, _, why),) = explanations(before, after, ["p"], effects)
    assert name == "a" and "not among --params" in why


def test_the_table_prints_every_target_before_and_after_and_marks_the_worse():
    a, b = target("a"), target("b")
    table = targets_table([check(a, 10.0), check(b, 20.0)], [check(a, 20.0), check(b, 10.0)])
    lines = table.splitlines()
    assert len(lines) == 3
    assert lines[1].startswith("a") and lines[1].endswith("WORSE")
    assert lines[2].startswith("b") and not lines[2].endswith("WORSE")
    assert "10 (9-11)" in lines[1] and "20 (19-21)" in lines[1]
