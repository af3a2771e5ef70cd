"""sim.model.state: stocks balance, level rows part once."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from sim.model.orders import WaitingOrders
from sim.model.state import LevelRows, Stock, first_divergence


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


def test_level_rows_give_every_holder_its_levels_once_the_paths_part():
    rows = LevelRows(levels=3, part_step=5)
    stock = rows.stock(2, replications=4)
    backlog = rows.hold(WaitingOrders(simpy.Environment(), 2, (rows.rows, 4)))
    backlog.file(np.ones((1, 4)))
    stock.put(np.arange(8.0).reshape(2, 1, 4))
    assert stock.level.shape == (2, 1, 4) and rows.rows == 1
    rows.part()
    assert rows.rows == 3
    assert stock.level.shape == (2, 3, 4) and backlog.total().shape == (3, 4)
    assert all(batch.shape == (3, 4) for batch in backlog.oldest_first())
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


def test_stocks_without_totals_hold_the_same_levels_bit_for_bit():
    rng = np.random.default_rng(1)
    kept, bare = Stock((2, 3)), Stock((2, 3), track=False)
    for _ in range(8):
        amount, fraction = rng.random((2, 3)), rng.random((2, 3))
        for stock in (kept, bare):
            stock.put(amount)
            stock.take(amount * fraction * 1.5)
            stock.keep_fraction(1 - fraction / 3)
            stock.take_fraction(fraction / 4)
        np.testing.assert_array_equal(bare.level, kept.level)
    assert bare.added is None
    with pytest.raises(ValueError, match="track=False"):
        bare.imbalance()


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
