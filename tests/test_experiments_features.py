"""sim.experiments.features: EMA's extra-trees settings and the feature scores."""

from __future__ import annotations

import numpy as np

from sim.experiments.features import TREES, scores, settings


def test_settings_follow_ema_defaults():
    s = settings(4000, 9)
    assert s["n_estimators"] == TREES == 100
    assert s["max_features"] == 3 and s["min_samples_leaf"] == 2
    small = settings(10, 1)
    assert small["max_features"] == 1 and small["min_samples_leaf"] == 1


def test_one_class_gives_no_scores():
    x = np.zeros((5, 2))
    assert scores(x, np.ones(5), 0) is None
    assert scores(x, np.zeros(5), 0) is None


def test_the_deciding_input_scores_highest_and_scores_add_up():
    rng = np.random.default_rng(3)
    x = rng.random((200, 3))
    y = x[:, 1] > 0.5
    got = scores(x, y, 11)
    assert got.shape == (3,) and abs(got.sum() - 1) < 1e-9
    assert got.argmax() == 1 and got[1] > 0.5
    np.testing.assert_array_equal(got, scores(x, y, 11))  # seeded
