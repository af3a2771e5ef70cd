"""PRIM finds a box planted in noise; statistics, quasi-p values, significance and covering."""

import numpy as np
import pytest

from sim.experiments import discovery, findings, prim, targets


def planted(seed, n=1000, noise=0.05, d=5):
    """Cases where x0 < 0.3 and x2 > 0.6 (12% of the cube), labels flipped with ``noise``."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, d))
    y = (x[:, 0] < 0.3) & (x[:, 2] > 0.6)
    return x, y ^ (rng.random(n) < noise)


def inputs_of(x, names=None):
    names = names or [f"x{j}" for j in range(x.shape[1])]
    return discovery.Inputs(names, ["number"] * x.shape[1], [True] * x.shape[1], x, [], 3)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_prim_finds_the_planted_box_and_drops_noise_limits(seed):
    x, y = planted(seed)
    found = discovery.discover(inputs_of(x), y, boxes=1, min_density=0.85)[0]
    assert set(found.box.restricted(x)) == {0, 2}  # noise limits are not significant
    assert found.box.high[0] == pytest.approx(0.3, abs=0.05)
    assert found.box.low[2] == pytest.approx(0.6, abs=0.05)
    assert found.box.density >= 0.85 and found.box.coverage >= 0.6
    assert all(p <= prim.SIGNIFICANCE for p in found.quasi_p.values())
    assert found.beats_base
    assert found.stability[[0, 2]].min() >= 0.7  # resampling reproduces the real limits
    assert found.stability[[0, 2], 2].min() >= 0.9  # ... and the rule's box keeps them
    again = discovery.discover(inputs_of(x), y, boxes=1, min_density=0.85)[0]
    np.testing.assert_array_equal(again.stability, found.stability)  # seeded resampling


def test_the_trajectory_peels_then_pastes():
    x, y = planted(7)
    steps = prim.trajectory(prim.Search.of(x, y))
    assert steps[0].coverage == 1.0 and steps[0].mass == 1.0
    peeled = [b for a, b in zip(steps, steps[1:], strict=False) if b.n < a.n]
    assert peeled and all(
        b.density > a.density for a, b in zip(steps, steps[1:], strict=False) if b.n < a.n
    )
    assert min(b.mass for b in steps) >= prim.MIN_MASS
    assert steps[-1].density > 0.85 > steps[0].density


def test_sdtoolkit_quantile_cuts_midway_between_points():
    data = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert prim.quantile(data, 0.05) == 1.5
    assert prim.quantile(data, 0.95) == 4.5
    assert prim.quantile(np.array([1.0, 1.0, 1.0, 2.0]), 0.05) == 1.5  # ties skipped


def test_quasi_p_is_the_binomial_test_of_removing_one_limit():
    from scipy.stats import binomtest

    x = np.array([[0.1], [0.2], [0.3], [0.6], [0.7], [0.8], [0.9], [1.0]])
    y = np.array([True, True, True, True, False, False, False, False])
    search = prim.Search.of(x, y)
    chosen = prim.box(search, np.array([0.1]), np.array([0.65]))
    assert (chosen.n, chosen.k) == (4, 4)
    expected = binomtest(4, 4, 0.5, alternative="greater").pvalue
    assert prim.quasi_p(search, chosen) == {(0, "high"): pytest.approx(expected)}


def test_choose_prefers_coverage_among_dense_enough_boxes():
    boxes = [
        prim.Box(np.zeros(1), np.ones(1), c, d, m)
        for c, d, m in ((1.0, 0.3, 1.0), (0.8, 0.7, 0.4), (0.6, 0.9, 0.2), (0.2, 1.0, 0.05))
    ]
    assert prim.choose(boxes, 0.85) == 2
    assert prim.choose(boxes, 0.99) == 3
    assert prim.choose(boxes, 1.01) in (1, 2)  # none reaches it: the best F1


@pytest.mark.slow
def test_covering_counts_each_case_once():
    """Two separate regions: one box each; coverages add up to at most 1."""
    rng = np.random.default_rng(0)
    x = rng.random((1500, 4))
    y = ((x[:, 0] < 0.3) & (x[:, 1] < 0.4)) | ((x[:, 2] > 0.7) & (x[:, 3] > 0.6))
    found = discovery.discover(inputs_of(x, ["a", "b", "c", "d"]), y, boxes=2, min_density=0.9)
    assert sorted(tuple(f.box.restricted(x)) for f in found) == [(0, 1), (2, 3)]
    first_inside = found[0].box.inside(x)
    later = found[1].box.inside(x) & ~first_inside
    assert found[1].box.n == later.sum() and found[1].box.k == y[later].sum()
    assert found[1].box.coverage == pytest.approx(y[later].sum() / y.sum())
    assert sum(f.box.coverage for f in found) <= 1.0
    for f in found:
        assert f.box.density >= 0.9


def test_noise_gives_no_box_and_a_step_without_significant_limits_is_refused():
    rng = np.random.default_rng(5)
    x, y = rng.random((200, 3)), rng.random(200) < 0.3  # no structure at all
    assert discovery.discover(inputs_of(x), y, boxes=2) == []
    with pytest.raises(discovery.DiscoverError, match="--box 3: every limit of that step"):
        discovery.discover(inputs_of(x), y, boxes=1, step=3)


def test_a_box_no_better_than_chance_says_so():
    x, y = planted(1, n=300)
    search = prim.Search.of(x, y)
    weak = prim.box(search, np.zeros(5), np.array([0.9, 1, 1, 1, 1]))
    found = discovery.Found(
        weak,
        1,
        [weak],
        prim.quasi_p(search, weak),
        [],
        np.zeros((5, 3)),
        float(y.mean()),
        prim.base_rate_p(search, weak),
    )
    assert not found.beats_base
    target = targets.parse("domestic_share_units@2027 >= 0.7")
    done = discovery.Discovery(
        target, discovery.DiscoverOptions("d", "t"), inputs_of(x), y, [found], None, 0, None
    )
    assert "does not clearly beat the base rate" in findings.sentence(done, 1, found)


def test_a_top_feature_no_box_uses_is_noted_with_a_hint_that_fits():
    from types import SimpleNamespace

    inputs = SimpleNamespace(paths=["a.x", "b.y", "c.z"], x=np.zeros((4, 3)))
    done = SimpleNamespace(scores=np.array([0.1, 0.7, 0.2]), inputs=inputs, found=[])
    out = findings.score_lines(done)
    assert out[0].endswith("share of importance): b.y 0.70, c.z 0.20, a.x 0.10")
    assert "ranks b.y first, but no box restricts it" in out[1]
    assert "--box N" not in out[1]  # no trajectory was printed to pick a step from
    done.scores = None
    assert findings.score_lines(done) == []
