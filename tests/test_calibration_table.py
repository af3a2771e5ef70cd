"""sim.experiments.calibration.table: the terminal tables of a calibration, on hand-made checks."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from sim.experiments.calibration.adjust import Adjustment
from sim.experiments.calibration.measure import Check
from sim.experiments.calibration.posterior import marginal
from sim.experiments.calibration.table import (
    adjustment_words,
    cell,
    few_words,
    fmt,
    inside_line,
    marginal_line,
    observed,
    targets_table,
)
from sim.experiments.calibration.targets import Target
from sim.scenario.dist import Dist


def _target(name, value, low, high, tolerance=0.0):
    return Target(name, (name,), (), "national", "2025", value, low, high, tolerance, ())


POINT = _target("share", 0.5, 0.5, 0.5, 0.1)  # accepted 0.4-0.6
RANGE = _target("imports", 2e6, 1.5e6, 2.5e6)


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (0.37249, "0.372"),
        (215_400, "215k"),
        (1_523_000, "1.52M"),
        (2.5e9, "2.50bn"),
        (-3e6, "-3.00M"),
        (math.nan, "n/a"),
        (None, "n/a"),
    ],
)
def test_fmt(x, text):
    assert fmt(x) == text


def test_observed_shows_ranges_only_when_published():
    assert observed(POINT) == "0.5 [0.4-0.6]"
    assert observed(RANGE) == "2.00M (1.50M-2.50M) [1.50M-2.50M]"


def test_cells_mark_band_and_median():
    assert cell(Check(POINT, 0.3, 0.45, 0.7)) == "0.45 (0.3-0.7) in*"
    assert cell(Check(POINT, 0.3, 0.35, 0.45)) == "0.35 (0.3-0.45) OUT"
    assert cell(Check(RANGE, 2.4e6, 2.6e6, 3e6)) == "2.60M (2.40M-3.00M) in"


def test_targets_table_marks_targets_that_fit_worse():
    before = [Check(POINT, 0.3, 0.5, 0.7), Check(RANGE, 1e6, 2e6, 3e6)]
    after = [Check(POINT, 0.55, 0.6, 0.65), Check(RANGE, 1.8e6, 2e6, 2.2e6)]
    lines = targets_table(before, after).split("\n")
    assert lines[0].startswith("target") and "after: p50" in lines[0]
    assert lines[1].startswith("share") and lines[1].endswith("WORSE")
    assert not lines[2].endswith("WORSE")
    assert "after" not in targets_table(before).split("\n")[0]
    assert inside_line(before, after) == (
        "Targets: 2/2 inside the 90% band, 2/2 medians "
        "accepted before; 1/2 inside the 90% band, 2/2 "
        "medians accepted after calibration"
    )


def test_marginal_line_and_caveats():
    m = marginal("demand.growth", Dist("uniform", (0.0, 1.0)), np.full(50, 0.01), ("t",), ())
    line = marginal_line(m)
    assert line.startswith("demand.growth") and line.endswith("[pressed against the lower bound]")
    assert few_words(SimpleNamespace(accepted=99)).startswith(" — CAUTION: only 99 draws")
    assert few_words(SimpleNamespace(accepted=100)) == ""
    assert adjustment_words(SimpleNamespace(adjustment=None)) == "plain rejection"
    done = Adjustment(np.ones(3), 812.4, True)
    assert adjustment_words(SimpleNamespace(adjustment=done)).endswith("effective sample size 812")
    off = Adjustment(np.ones(3), 12.0, False, "too few")
    assert (
        adjustment_words(SimpleNamespace(adjustment=off))
        == "plain rejection: too few; effective sample size 12"
    )
