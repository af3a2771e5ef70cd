"""Beaumont's regression adjustment: weights, effective size, and draws moved into the targets."""

from __future__ import annotations

import numpy as np
import pytest

from sim.experiments.calibration import adjust
from sim.experiments.calibration.targets import Target
from sim.scenario.dist import Dist


def target(low, high, name="t"):
    return Target(
        name, ("demand_compute",), (), "national", "2024", (low + high) / 2, low, high, 0.0, ("A1",)
    )


def test_epanechnikov_weights_and_their_effective_size():
    w = adjust.kernel(np.array([0.0, 0.5, 1.0]), 1.0)
    np.testing.assert_allclose(w, [1.0, 0.75, 0.0])
    assert adjust.effective_size(w) == pytest.approx(1.75**2 / (1 + 0.75**2))
    np.testing.assert_array_equal(adjust.kernel(np.zeros(4), 0.0), np.ones(4))
    assert adjust.effective_size(np.ones(10)) == pytest.approx(10)


def test_summaries_are_signed_distances_from_the_intervals():
    t = target(10.0, 20.0)  # half-width 5
    s = adjust.summaries(np.array([[5.0, 15.0, 30.0]]), [t])
    np.testing.assert_allclose(s[:, 0], [-1.0, 0.0, 2.0])
    assert adjust.summaries(np.array([[15.0, 16.0]]), [t]).shape == (2, 0)  # never outside


def test_a_linear_relation_is_undone_exactly_on_the_log_scale():
    """log theta = 2 + 0.5 s exactly: every adjusted draw is exp(2) (the value at s = 0)."""
    rng = np.random.default_rng(1)
    s = rng.normal(size=(200, 1))
    theta = np.exp(2.0 + 0.5 * s[:, 0])
    moved = adjust.local_linear(Dist("lognormal", (7.0, 0.5)), theta, s, rng.random(200))
    np.testing.assert_allclose(moved, np.exp(2.0), rtol=1e-10)


def test_adjusted_draws_stay_inside_a_bounded_prior():
    rng = np.random.default_rng(2)
    prior = Dist("uniform", (0.0, 1.0))
    theta = rng.random(300)
    s = (theta - 0.2)[:, None] * 5 + rng.normal(scale=0.1, size=(300, 1))
    moved = adjust.local_linear(prior, theta, s, np.ones(300))
    assert moved.min() > 0.0 and moved.max() < 1.0
    assert abs(np.median(moved) - 0.2) < abs(np.median(theta) - 0.2)


def test_too_few_effective_draws_skip_the_adjustment_and_say_why():
    found = adjust.weigh(np.linspace(0, 1, 30), 1.0, 4, "linear")
    assert not found.applied and "too few effective draws" in found.reason
    assert adjust.weigh(np.zeros(500), 0.0, 4, "linear").applied
    off = adjust.weigh(np.zeros(500), 0.0, 4, "none")
    assert not off.applied and "--adjust none" in off.reason
