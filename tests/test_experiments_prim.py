"""PRIM finds a box planted in noise; its trajectory trades coverage for density."""

import numpy as np
import pytest

from sim.experiments import discovery, prim, targets


def planted(seed, n=1000, noise=0.05):
    """Cases where x0 < 0.3 and x2 > 0.6 (12% of the cube), labels flipped with ``noise``."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 5))
    y = (x[:, 0] < 0.3) & (x[:, 2] > 0.6)
    return x, y ^ (rng.random(n) < noise)


@pytest.mark.parametrize("seed", range(4))
def test_prim_finds_the_planted_box(seed):
    x, y = planted(seed)
    trajectory, found = prim.find(x, y, min_density=0.9)
    assert found.high[0] == pytest.approx(0.3, abs=0.05)
    assert found.low[2] == pytest.approx(0.6, abs=0.05)
    assert {0, 2} <= set(found.restricted(x))
    for j in set(found.restricted(x)) - {0, 2}:  # any other cut is a sliver
        assert found.high[j] - found.low[j] > 0.9
    assert found.density >= 0.85 and found.coverage >= 0.6


def test_the_trajectory_trades_coverage_for_density():
    x, y = planted(7)
    trajectory = prim.peel(x, y)
    assert trajectory[0].coverage == 1.0 and trajectory[0].mass == 1.0
    masses = [b.mass for b in trajectory]
    assert all(a > b for a, b in zip(masses, masses[1:], strict=False))
    assert trajectory[-1].density > 0.85 > trajectory[0].density
    assert min(b.mass for b in trajectory) >= prim.MIN_MASS


def test_choose_prefers_coverage_among_dense_enough_boxes():
    boxes = [prim.Box(np.zeros(1), np.ones(1), c, d, m)
             for c, d, m in ((1.0, 0.3, 1.0), (0.8, 0.7, 0.4), (0.6, 0.9, 0.2), (0.2, 1.0, 0.05))]
    assert prim.choose(boxes, 0.85) == 2
    assert prim.choose(boxes, 0.99) == 3
    assert prim.choose(boxes, None) in (1, 2)  # best F1


def test_covering_finds_two_separate_boxes():
    """Cases in a < 0.3 and b < 0.4, or in c > 0.7 and d > 0.6: one box each."""
    rng = np.random.default_rng(0)
    x = rng.random((1500, 4))
    y = ((x[:, 0] < 0.3) & (x[:, 1] < 0.4)) | ((x[:, 2] > 0.7) & (x[:, 3] > 0.6))
    inputs = discovery.Inputs(["a", "b", "c", "d"], ["number"] * 4, [True] * 4, x, [])
    found = discovery.discover(inputs, y, boxes=2, min_density=0.9)
    assert sorted(tuple(f.box.restricted(x)) for f in found) == [(0, 1), (2, 3)]
    for f in found:
        assert f.box.density >= 0.9 and f.box.coverage >= 0.45
    target = targets.parse("domestic_share_units@2027 >= 0.7")
    words = discovery.sentence(target, "missed", inputs, found[0].box)
    assert words.startswith("domestic_share_units in 2027 >= 70% is missed in ")
    assert " c is above 71" in words and " and d is above 59" in words
