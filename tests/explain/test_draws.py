"""sim.experiments.explain.draws: blocks of transformed draws side by side.

The blocks lie along the replication axis.
"""

from __future__ import annotations

import numpy as np

from sim.experiments.explain.draws import BlockDraws
from sim.model.constraints import identity, scaled
from sim.model.rng import Draws, Streams
from sim.scenario.dist import Dist


def blocks(count=3):
    base = Draws(Streams(7), count)
    return base, BlockDraws(base, [identity, scaled(("a",), 2.0)])


def test_each_block_holds_the_baseline_draws_transformed():
    base, draws = blocks()
    dist = Dist("uniform", (0.0, 1.0))
    values = draws("a", dist)
    assert values.shape == (6,)
    np.testing.assert_array_equal(values[:3], base("a", dist))
    np.testing.assert_array_equal(values[3:], 2 * base("a", dist))
    np.testing.assert_array_equal(draws("b", dist), np.tile(base("b", dist), 2))


def test_an_untouched_constant_stays_a_broadcast_and_a_touched_one_does_not():
    _, draws = blocks()
    same = draws("b", Dist.fixed(4.0))
    assert same.shape == (6,) and not same.flags.writeable and (same == 4.0).all()
    np.testing.assert_array_equal(draws("a", Dist.fixed(4.0)), [4, 4, 4, 8, 8, 8])


def test_split_puts_the_block_axis_before_the_replications():
    _, draws = blocks(2)
    values = np.arange(2 * 4 * 3).reshape(2, 4, 3)  # (levels, blocks x reps, years)
    split = draws.split(values)
    assert split.shape == (2, 2, 2, 3)
    np.testing.assert_array_equal(split[:, 1], values[:, 2:])
