"""sim.model.state: stocks balance, backlogs serve oldest first, level rows part once."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.model.state import Backlog, LevelRows, Stock, first_divergence


def test_a_stock_takes_a_fraction_and_keeps_its_balance():
    stock = Stock((2, 1, 2), level_axis=1)
    stock.put(np.array([[[10.0, 4.0]], [[2.0, 0.0]]]))
    taken = stock.take_fraction(np.array([[0.5, 0.25]]))
    np.testing.assert_array_equal(taken, [[[5.0, 1.0]], [[1.0, 0.0]]])
    np.testing.assert_array_equal(stock.level, [[[5.0, 3.0]], [[1.0, 0.0]]])
    np.testing.assert_array_equal(stock.imbalance(), 0.0)


def test_taking_more_than_there_is_empties_the_stock_and_counts_only_what_was_there():
    stock = Stock((3,))
    stock.put(np.array([5.0, 5.0, 0.0]))
    stock.take(np.array([2.0, 9.0, 1.0]))
    np.testing.assert_array_equal(stock.level, [3.0, 0.0, 0.0])
    np.testing.assert_array_equal(stock.taken, [2.0, 5.0, 0.0])


def test_keeping_a_fraction_is_level_times_the_fraction():
    stock = Stock((1, 2), level_axis=0)
    stock.put(np.array([[8.0, 3.0]]))
    stock.keep_fraction(np.array([[0.25, 1.0]]))
    np.testing.assert_array_equal(stock.level, [[2.0, 3.0]])
    np.testing.assert_array_equal(stock.taken, [[6.0, 0.0]])


def test_a_backlog_serves_its_oldest_orders_first():
    backlog = Backlog(3, (1, 1))
    for new in (5.0, 3.0, 2.0):  # filed in months 0, 1, 2: ages 2, 1, 0 now
        backlog.age(np.array([[new]]))
    left = backlog.serve(np.array([[6.0]]))
    assert left.item() == 0.0
    # the 5 from month 0 is gone, 1 of month 1's 3 served; month 2's 2 untouched
    ages = [backlog.buckets[backlog.slot(a)].item() for a in range(3)]
    assert ages == [2.0, 2.0, 0.0]
    assert backlog.oldest().item() == 0.0


def test_orders_older_than_the_backlog_lapse_when_it_ages():
    backlog = Backlog(2, (1, 1))
    backlog.age(np.array([[4.0]]))
    backlog.age(np.array([[1.0]]))
    assert backlog.oldest().item() == 4.0
    backlog.age(np.array([[0.0]]))
    assert backlog.lapsed.item() == 4.0
    assert backlog.total().item() == 1.0
    np.testing.assert_array_equal(backlog.imbalance(), 0.0)


@given(hnp.arrays(float, (6, 2), elements=st.floats(0, 100)),
       hnp.arrays(float, (6, 2), elements=st.floats(0, 100)))
def test_a_backlog_conserves_orders_and_never_goes_negative(filed, served):
    backlog = Backlog(3, (1, 2))
    for new, got in zip(filed, served, strict=True):
        backlog.serve(got[None])
        backlog.age(new[None])
        assert (backlog.buckets >= 0).all()
    np.testing.assert_allclose(backlog.imbalance(), 0.0, atol=1e-9)


def test_level_rows_give_every_holder_its_levels_once_the_paths_part():
    rows = LevelRows(levels=3, part_step=5)
    stock = rows.stock(2, replications=4)
    backlog = rows.hold(Backlog(2, (rows.rows, 4)))
    stock.put(np.arange(8.0).reshape(2, 1, 4))
    assert stock.level.shape == (2, 1, 4) and rows.rows == 1
    rows.part()
    assert rows.rows == 3
    assert stock.level.shape == (2, 3, 4) and backlog.buckets.shape == (2, 3, 4)
    np.testing.assert_array_equal(stock.level[:, 2], np.arange(8.0).reshape(2, 4))
    np.testing.assert_array_equal(stock.imbalance(), 0.0)


def test_levels_that_differ_from_the_start_hold_every_row_at_once():
    assert LevelRows(levels=4, part_step=0).rows == 4
    assert LevelRows(levels=4, part_step=None).rows == 1
    assert LevelRows(levels=1, part_step=3).rows == 1


def test_the_first_divergence_is_the_first_month_some_path_differs():
    same = np.array([[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]])
    part = np.array([[0.0, 0.5, 0.5], [0.0, 0.5, 0.7]])
    assert first_divergence([same, part]) == 2
    assert first_divergence([same]) is None
    assert first_divergence([]) is None
    assert first_divergence([np.array([[0.0], [-0.0]])]) == 0  # compared bit for bit


def test_stocks_and_backlogs_without_totals_hold_the_same_levels_bit_for_bit():
    rng = np.random.default_rng(1)
    kept, bare = Stock((2, 3)), Stock((2, 3), track=False)
    orders, loose = Backlog(3, (2, 3)), Backlog(3, (2, 3), track=False)
    for _ in range(8):
        amount, fraction, new = rng.random((2, 3)), rng.random((2, 3)), rng.random((2, 3))
        for stock in (kept, bare):
            stock.put(amount)
            stock.take(amount * fraction * 1.5)
            stock.keep_fraction(1 - fraction / 3)
            stock.take_fraction(fraction / 4)
        served = [backlog.serve(amount) for backlog in (orders, loose)]
        for backlog in (orders, loose):
            backlog.age(new)
        np.testing.assert_array_equal(bare.level, kept.level)
        np.testing.assert_array_equal(loose.buckets, orders.buckets)
        np.testing.assert_array_equal(served[1], served[0])
    assert bare.added is None and loose.filed is None
    for untracked in (bare, loose):
        with pytest.raises(ValueError, match="track=False"):
            untracked.imbalance()


def test_level_rows_make_stocks_with_or_without_totals_as_asked():
    rows = LevelRows(levels=2, part_step=3, track=False)
    assert rows.stock(replications=4).added is None
    kept = rows.stock(replications=4, track=True)
    rows.part()
    assert kept.added.shape == (2, 4) and kept.taken.shape == (2, 4)


def test_a_stock_keeps_only_the_totals_it_is_told_to():
    stock = Stock((2,), track=("taken",))
    stock.put(np.array([3.0, 1.0]))
    stock.take(np.array([1.0, 2.0]))
    assert stock.added is None
    np.testing.assert_array_equal(stock.taken, [1.0, 1.0])
    with pytest.raises(ValueError, match="keeps no totals"):
        stock.imbalance()
