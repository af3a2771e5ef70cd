"""sim.experiments.calibration.writer: TOML keys and values, and a parameter's override block."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

from sim.experiments.calibration.posterior import marginal
from sim.experiments.calibration.writer import number, parameter_block, show, toml_key, toml_value
from sim.scenario.dist import Dist


def test_keys_quote_parts_that_are_not_plain_names():
    assert toml_key("demand.growth.2026") == 'demand.growth."2026"'
    assert toml_key("a_b.c-d") == "a_b.c-d"


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (3.0, "3"),
        (-0.0, "0"),
        (0.1234567, "0.123457"),
        (1e20, "1e+20"),
        (1e15, "1e+15"),
        (float("nan"), "nan"),
    ],
)
def test_number(x, text):
    assert number(x) == text


def test_values_load_back_as_toml():
    value = {
        "dist": "uniform",
        "low": 1.5,
        "high": 2,
        "evidence": ["a", "b"],
        "on": True,
        "2026": "x",
    }
    loaded = tomllib.loads(f"k = {toml_value(value)}")["k"]
    assert loaded == {
        "dist": "uniform",
        "low": 1.5,
        "high": 2,
        "evidence": ["a", "b"],
        "on": True,
        "2026": "x",
    }


def test_show_for_comments():
    assert show(12345.6) == "12,346" and show(0.12345) == "0.123"


def test_parameter_block_comments_then_a_loadable_override():
    prior = Dist("uniform", (0.0, 10.0), ("p",))
    m = marginal("supply.yield", prior, np.linspace(2.0, 6.0, 501), ("t1", "t2"), ("te",))
    lines = parameter_block(m)
    assert lines[0] == "# supply.yield"
    assert lines[1].startswith("#   prior ") and "median 5, 90% 0.5 to 9.5" in lines[1]
    assert lines[2].startswith("#   accepted draws: median 4")
    assert lines[3] == "#   fitted to targets: t1, t2"
    loaded = tomllib.loads(lines[4])["supply"]["yield"]
    assert loaded["dist"] == "uniform" and loaded["evidence"] == ["p", "te"]
