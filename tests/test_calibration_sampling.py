"""sim.experiments.calibration.sampling: Latin hypercube draws.

And the sensitivity screen's effects.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.experiments.calibration import sampling
from sim.experiments.calibration.targets import Target
from sim.scenario.dist import Dist


def _target(name, low, high, tolerance=0.0):
    return Target(name, (name,), (), "national", "2025", (low + high) / 2, low, high, tolerance, ())


def test_latin_hypercube_puts_one_draw_in_each_stratum():
    priors = {"a": Dist("uniform", (0.0, 10.0)), "b": Dist("uniform", (-1.0, 1.0))}
    draws = sampling.latin_hypercube(priors, 5, np.random.default_rng(1))
    assert list(draws) == ["a", "b"]
    assert sorted(np.floor(draws["a"] / 2).astype(int)) == [0, 1, 2, 3, 4]
    assert sorted(np.floor((draws["b"] + 1) / 0.4).astype(int)) == [0, 1, 2, 3, 4]


def test_latin_hypercube_is_seeded():
    priors = {"a": Dist("uniform", (0.0, 1.0))}
    one = sampling.latin_hypercube(priors, 4, np.random.default_rng(7))["a"]
    two = sampling.latin_hypercube(priors, 4, np.random.default_rng(7))["a"]
    np.testing.assert_array_equal(one, two)


class _Progress:
    def __init__(self):
        self.done, self.closed = 0, False

    def update(self, n):
        self.done += n

    def close(self):
        self.closed = True


def test_effects_are_mean_absolute_changes_in_half_widths(monkeypatch):
    """Stub the model: target 0 reads 2 * a, target 1 reads b (NaN in replication 0)."""

    def run(scenario, targets, replications, seed, pinned):
        ((path, values),) = pinned.items()
        return path, values

    def matrix(result, targets):
        path, values = result
        first = 2 * values if path == "a" else np.zeros_like(values)
        second = values.copy() if path == "b" else np.zeros_like(values)
        second[0] = np.nan
        return np.vstack([first, second])

    monkeypatch.setattr(sampling, "run", run)
    monkeypatch.setattr(sampling, "matrix", matrix)
    priors = {"a": Dist("uniform", (0.0, 1.0)), "b": Dist("uniform", (0.0, 4.0))}
    targets = [_target("t0", 0.0, 1.0), _target("t1", 0.0, 0.4, tolerance=0.3)]
    progress = _Progress()
    out = sampling.effects(None, targets, priors, 3, 0, progress)
    # a: 2 * (0.95 - 0.05) / 0.5 = 3.6 on target 0; b: (3.8 - 0.2) / 0.5 = 7.2 on target 1
    np.testing.assert_allclose(out, [[3.6, 0.0], [0.0, 7.2]])
    assert progress.done == 2 and progress.closed


def test_effects_close_progress_on_failure(monkeypatch):
    def run(*args, **kwargs):
        raise RuntimeError("model failed")

    monkeypatch.setattr(sampling, "run", run)
    progress = _Progress()
    with pytest.raises(RuntimeError):
        sampling.effects(
            None, [_target("t", 0, 1)], {"a": Dist("uniform", (0.0, 1.0))}, 2, 0, progress
        )
    assert progress.closed
