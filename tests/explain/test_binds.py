"""sim.results.binds: what binds, from elasticities on a hand-made effects table."""

from __future__ import annotations

import pytest

from sim.results.binds import THRESHOLD, binding, binds_text, ranking
from sim.results.effects import EffectRow, Effects


def row(constraint, mean, base=1000.0, amount=0.1, p05=None, p95=None):
    return EffectRow(
        "1.0",
        constraint,
        "delivered_compute",
        "2027",
        "H100e",
        "x",
        amount,
        base,
        mean,
        mean if p05 is None else p05,
        mean if p95 is None else p95,
        mean / base / amount,
    )


def test_limits_rank_by_elasticity_and_only_those_above_the_threshold_bind():
    effects = Effects(
        [
            row("memory", 90.0, p05=50.0, p95=120.0),
            row("wafers", -7.0),
            row("demand", 5.0),
            row("china_rules", 150.0),
        ]
    )
    ranked = ranking(effects, "1.0", "2027")
    assert [b.constraint for b in ranked] == ["china_rules", "memory", "demand", "wafers"]
    memory = ranked[1]
    assert memory.elasticity == pytest.approx(0.9)
    assert (memory.low, memory.high) == (pytest.approx(0.5), pytest.approx(1.2))
    assert [b.constraint for b in binding(effects, "1.0", "2027")] == ["china_rules", "memory"]
    assert ranked[2].elasticity < THRESHOLD and not ranked[2].binds
    assert not ranked[3].binds  # relaxing wafers lowers deliveries: never "binds"


def test_levers_never_enter_the_ranking_and_text_says_none_or_n_a():
    reach = EffectRow(
        "1.0",
        "reach",
        "delivered_compute",
        "2027",
        "H100e",
        "x",
        float("nan"),
        1000.0,
        -300.0,
        -400.0,
        -10.0,
        float("nan"),
    )
    assert ranking(Effects([reach]), "1.0", "2027") == []
    assert binds_text(Effects([reach]), "1.0", "2027") == "n/a"
    assert binds_text(Effects([row("demand", 1.0)]), "1.0", "2027") == "none"
    text = binds_text(
        Effects([row("memory", 90.0), row("china_rules", 150.0), row("us_rules", 50.0)]),
        "1.0",
        "2027",
    )
    assert text == "Chinese import rules 1.50, memory (HBM, HiBL) 0.90"
