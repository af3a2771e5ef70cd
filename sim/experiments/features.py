"""Feature scoring: which inputs matter for a target at all, boxes or not.

Extra-trees (scikit-learn's ExtraTreesClassifier) with EMA Workbench's
settings for scenario discovery (Jaxa-Rozen and Kwakkel 2018): 100 trees,
a third of the inputs tried per split, leaves of at least
sqrt(points) / sqrt(1000) points, bootstrap samples. A feature's score is its
share of the forest's impurity decrease (scores add up to 1). The forest is
seeded, so the same sweep gives the same scores.
"""

from __future__ import annotations

import math

import numpy as np

TREES = 100


def settings(points: int, inputs: int) -> dict:
    """Return the forest's settings for ``points`` x ``inputs`` (EMA's defaults)."""
    return {
        "n_estimators": TREES,
        "criterion": "gini",
        "max_features": max(1, int(round(inputs / 3))),
        "min_samples_leaf": max(1, int(round(math.sqrt(points) / math.sqrt(1000)))),
        "bootstrap": True,
        "oob_score": True,
    }


def scores(x: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray | None:
    """Each input's share of importance for telling cases from the rest (None: one class)."""
    y = np.asarray(y, dtype=bool)
    if y.all() or not y.any():
        return None
    from sklearn.ensemble import ExtraTreesClassifier  # heavy: imported only when scoring

    forest = ExtraTreesClassifier(random_state=seed % 2**32, **settings(*np.shape(x)))
    forest.fit(np.asarray(x, dtype=float), y)
    return np.asarray(forest.feature_importances_, dtype=float)
