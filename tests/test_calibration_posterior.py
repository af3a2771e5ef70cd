"""sim.experiments.calibration.posterior: weighted quantiles and the fitted calibrated ranges."""

from __future__ import annotations

import numpy as np
import pytest

from sim.experiments.calibration.posterior import (
    fit,
    flat,
    marginal,
    percentiles,
    quantiles,
    rounded,
    triangle,
)
from sim.scenario.dist import Dist


def test_weighted_quantiles_use_midpoints_and_equal_weights_interpolate():
    sample = np.array([3.0, 1.0, 2.0])
    np.testing.assert_allclose(quantiles(sample, [0.5], np.ones(3)), [2.0])
    # cumulative midpoints of weights (1, 1, 2) / 4: 1/8, 3/8, 3/4
    np.testing.assert_allclose(
        quantiles(sample, [0.125, 0.375, 0.75], np.array([2, 1, 1.0])), [1.0, 2.0, 3.0]
    )
    assert percentiles(np.arange(101.0)) == (5.0, 50.0, 95.0)


def test_rounded_keeps_significant_digits():
    assert rounded(123456.0) == 123500.0 and rounded(0.000123456, 3) == 0.000123


@pytest.mark.parametrize("s", [np.array([0.1, 0.9, 0.3]), np.array([0.0, 1.0, 1.0])])
def test_shapes_stay_valid_on_the_unit_interval(s):
    low, mode, high = triangle(s).args
    assert 0 <= low <= mode <= high <= 1
    a, b = flat(s[:2]).args
    assert 0 <= a <= b <= 1


def test_flat_draws_stay_uniform_and_peaked_draws_become_triangular():
    prior = Dist("uniform", (0.0, 10.0))
    spread = fit(prior, np.linspace(2.0, 6.0, 2001), ("e",))
    assert spread.kind == "uniform" and spread.evidence == ("e",)
    np.testing.assert_allclose(spread.args, (2.0, 6.0), atol=0.02)
    rng = np.random.default_rng(0)
    peaked = fit(prior, rng.triangular(1.0, 3.0, 9.0, 20_000), ())
    assert peaked.kind == "triangular"
    low, mode, high = peaked.args
    assert 0 <= low < mode < high <= 10 and abs(mode - 3.0) < 0.5


def test_lognormal_prior_stays_lognormal_matched_to_the_logs():
    rng = np.random.default_rng(1)
    out = fit(Dist("lognormal", (1.0, 1.0)), np.exp(rng.normal(np.log(5.0), 0.2, 50_000)), ())
    assert out.kind == "lognormal"
    assert abs(out.args[0] - 5.0) < 0.05 and abs(out.args[1] - 0.2) < 0.01


def test_marginal_joins_evidence_and_reports_pressed_bounds():
    prior = Dist("uniform", (0.0, 1.0), ("p1", "t1"))
    m = marginal("a.b", prior, np.full(100, 0.01), ("target",), ("t1", "t2"))
    assert m.fitted.evidence == ("p1", "t1", "t2")
    assert m.prior_band == pytest.approx((0.05, 0.5, 0.95))
    assert m.pressed == "lower" and not m.adjusted
    top = marginal("a.b", prior, np.full(100, 0.99), (), (), weights=np.ones(100))
    assert top.pressed == "upper" and top.adjusted
    assert marginal("a.b", prior, np.full(100, 0.5), (), ()).pressed is None
