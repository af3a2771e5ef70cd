"""sim.results.lever: the level's effect with each hindrance lifted, on hand-made effects."""

from __future__ import annotations

import math

import pytest

from sim.results.effects import EffectRow, Effects
from sim.results.lever import hindrances, level_effect


def share(level, constraint, base, mean):
    return EffectRow(
        level,
        constraint,
        "domestic_share_units",
        "2027",
        "share",
        "x",
        math.nan,
        base,
        mean,
        mean,
        mean,
        math.nan,
    )


EFFECTS = Effects(
    [
        share("0.5", "reach", 0.60, 0.01),
        share("1.0", "reach", 0.61, 0.15),
        share("0.5", "bars", 0.60, -0.01),
        share("1.0", "bars", 0.61, 0.0),
    ]
)


def test_the_level_effect_is_the_difference_of_the_paired_baseline_means():
    assert level_effect(EFFECTS, "0.5", "1.0", "2027") == pytest.approx(0.01)
    assert math.isnan(level_effect(EFFECTS, "0.5", "0.9", "2027"))


def test_each_hindrance_adds_its_change_at_the_high_level_less_its_change_at_the_low_one():
    found = {h.constraint: h for h in hindrances(EFFECTS, "0.5", "1.0", "2027")}
    assert set(found) == {"reach", "bars"}  # domestic_supply was not measured
    assert found["reach"].lifted == pytest.approx(0.01 + 0.15 - 0.01)
    assert found["reach"].cost == pytest.approx(0.14)
    assert found["bars"].cost == pytest.approx(0.01)
    assert hindrances(EFFECTS, "0.5", "0.9", "2027") == []
