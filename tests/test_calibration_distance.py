"""sim.experiments.calibration.distance: scaled distances to targets and ABC acceptance."""

from __future__ import annotations

import math

import numpy as np

from sim.experiments.calibration.distance import accept, components, distance
from sim.experiments.calibration.targets import Target


def _target(low, high, tolerance):
    return Target("t", ("t",), (), "national", "2025", (low + high) / 2, low, high, tolerance, ())


TARGETS = [_target(0.4, 0.6, 0.1), _target(10.0, 20.0, 0.0)]  # scales 0.2 and 5


def test_components_are_zero_inside_and_half_widths_outside():
    sample = np.array([[0.5, 0.8, 0.2, np.nan], [15.0, 20.0, 0.0, 30.0]])
    got = components(sample, TARGETS)
    np.testing.assert_allclose(got, [[0.0, 0.5, 0.5, np.inf], [0.0, 0.0, 2.0, 2.0]])


def test_distance_is_root_mean_square_over_targets():
    sample = np.array([[0.8, 0.5], [0.0, 15.0]])
    np.testing.assert_allclose(distance(sample, TARGETS), [math.sqrt((0.25 + 4) / 2), 0.0])


def test_accept_keeps_the_closest_fraction_breaking_ties_by_index():
    dist = np.array([0.3, 0.1, np.inf, 0.1, 0.2, 0.9])
    kept, epsilon = accept(dist, 0.5)
    assert kept.tolist() == [1, 3, 4] and epsilon == 0.2
    kept, epsilon = accept(dist, 0.01)  # at least one
    assert kept.tolist() == [1] and epsilon == 0.1


def test_accept_keeps_all_inside_when_more_than_wanted():
    kept, epsilon = accept(np.array([0.0, 0.0, 0.0, 1.0]), 0.25)
    assert kept.tolist() == [0, 1, 2] and epsilon == 0.0


def test_accept_never_keeps_infinitely_far_replications():
    kept, epsilon = accept(np.array([np.inf, 0.5, np.inf]), 1.0)
    assert kept.tolist() == [1] and epsilon == 0.5
    kept, epsilon = accept(np.array([np.inf, np.inf]), 0.5)
    assert kept.tolist() == [] and epsilon == math.inf
