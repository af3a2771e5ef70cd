"""sim.model.levels: level groups hold the years they share once, bit for bit."""

from __future__ import annotations

import numpy as np

from sim.model.levels import YearSlabs, uniform_rows


def test_a_year_whose_levels_agree_is_held_as_one_row():
    values = np.zeros((3, 4, 2))
    values[:, :, 0] = 1.5  # year 0: every level the same
    values[:, :, 1] = np.arange(3)[:, None]  # year 1: levels differ
    slabs = YearSlabs(values)
    assert slabs.slabs[0].shape == (1, 4) and slabs.slabs[1].shape == (3, 4)
    np.testing.assert_array_equal(slabs.array(), values)


def test_a_later_group_holds_equal_years_as_the_first_groups_arrays():
    first = YearSlabs(np.ones((2, 3, 2)))
    later = YearSlabs(np.stack([np.ones((1, 3)), np.full((1, 3), 2.0)], axis=-1))
    later.share(first)
    assert later.slabs[0] is first.slabs[0]
    assert later.slabs[1] is not first.slabs[1]
    same = first.same_year(0, np.ones((1, 3)))
    assert same is first.slabs[0]
    other = np.full((1, 3), -0.0)
    assert first.same_year(0, other) is other and first.same_year(9, other) is other


def test_rows_that_differ_only_in_the_sign_of_zero_are_kept_apart():
    values = np.array([[0.0, 1.0], [-0.0, 1.0]])
    assert uniform_rows(values).shape == (2, 2)
    assert uniform_rows(values[:1].repeat(2, axis=0)).shape == (1, 2)


def test_slabs_of_runs_with_different_years_refuse_to_share():
    """Groups of one run cover the same years; sharing across calendars is a bug, not a no-op."""
    import pytest

    five = YearSlabs(np.zeros((1, 3, 5)))
    four = YearSlabs(np.zeros((1, 3, 4)))
    with pytest.raises(ValueError):
        five.share(four)
