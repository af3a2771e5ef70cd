import numpy as np
import pytest
from experiments_support import CEILING

from sim.experiments import design, samplers
from sim.experiments.parameters import uncertain


def rng(seed=1):
    return np.random.default_rng(seed)


def test_grid_is_the_full_factorial_first_list_outermost():
    points = samplers.grid([[1, 2], ["a", "b", "c"]])
    assert len(points) == 6
    assert points[:3] == [(1, "a"), (1, "b"), (1, "c")]


@pytest.mark.parametrize("n", [1, 7, 64])
def test_lhs_puts_one_point_in_every_stratum_of_every_axis(n):
    u = samplers.lhs(4, n, rng())
    assert u.shape == (n, 4)
    assert ((u >= 0) & (u < 1)).all()
    for column in u.T:
        assert sorted(np.floor(column * n).astype(int)) == list(range(n))


def test_sobol_points_lie_in_the_cube_and_balance_at_powers_of_two():
    u = samplers.sobol(3, 64, rng())
    assert u.shape == (64, 3) and ((u >= 0) & (u < 1)).all()
    for column in u.T:  # a scrambled Sobol 2^k set has one point per 1/2^k interval
        assert sorted(np.floor(column * 64).astype(int)) == list(range(64))
    assert samplers.sobol(2, 5, rng()).shape == (5, 2)


def test_samplers_repeat_with_the_same_seed_and_differ_with_another():
    for draw in (samplers.lhs, samplers.sobol):
        assert np.array_equal(draw(3, 16, rng(5)), draw(3, 16, rng(5)))
        assert not np.array_equal(draw(3, 16, rng(5)), draw(3, 16, rng(6)))


def test_saltelli_blocks_mix_a_and_b_one_group_at_a_time():
    x = samplers.saltelli(3, 8, rng(), groups=[[0, 2], [1]])
    assert x.shape == (8 * 4, 3)
    blocks = x.reshape(8, 4, 3)
    a, b = blocks[:, 0], blocks[:, -1]
    assert np.array_equal(blocks[:, 1][:, [0, 2]], b[:, [0, 2]])
    assert np.array_equal(blocks[:, 1][:, 1], a[:, 1])
    assert np.array_equal(blocks[:, 2][:, 1], b[:, 1])
    assert np.array_equal(blocks[:, 2][:, [0, 2]], a[:, [0, 2]])


def test_morris_has_n_trajectories_of_d_plus_one_points():
    x = samplers.morris(3, 5, rng(), levels=4)
    assert x.shape == (5 * 4, 3)
    assert set(np.round(np.unique(x) * 3, 9)) <= {0.0, 1.0, 2.0, 3.0}


def test_space_keeps_values_within_declared_ranges_and_dates_whole(baseline):
    params = tuple(uncertain(baseline))
    unit = samplers.lhs(len(params), 50, rng())
    for mode in ("range", "dist"):
        values = design.Space(params, mode).values(unit)
        for j, spec in enumerate(params):
            low, high = spec.declared
            assert (values[:, j] >= low - 1e-9).all() and (values[:, j] <= high + 1e-9).all()
            if spec.kind == "date":
                assert np.array_equal(values[:, j], np.round(values[:, j]))


def test_design_crosses_listed_values_with_sampled_points(baseline):
    sets = design.parse_sets(
        baseline, [(CEILING, ["0.5", "0.6", "0.7"]), ("demand.growth.2027", ["0.3"])]
    )
    built = design.build(baseline, sets, "lhs", 8, 3, ("memory.*",))
    assert built.size == 3 * 8
    assert [s.path for s in built.columns][0] == CEILING
    assert "demand.growth.2027" not in [s.path for s in built.columns]
    assert built.fixed == {"demand.growth.2027": 0.3}
    ceiling = built.table[:, 0].astype(float)
    assert list(ceiling[::8]) == [0.5, 0.6, 0.7]
    # every listed value meets the same sampled points (paired comparisons)
    assert np.array_equal(built.table[:8, 1:], built.table[8:16, 1:])
    grid = design.build(baseline, sets, "grid", 1, 3)
    assert grid.size == 3 and len(grid.columns) == 1
