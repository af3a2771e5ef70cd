"""sim.model.orders: unfilled orders wait in SimPy, are served oldest first, then lapse."""

from __future__ import annotations

import numpy as np
import pytest
import simpy
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.model.orders import WaitingOrders


def next_month(env: simpy.Environment) -> None:
    """Open the next month: the events due at its start have happened."""
    env.run(until=env.now + 1)
    while env.peek() <= env.now:
        env.step()


def month(orders: WaitingOrders, got: float, new: float) -> tuple[float, float]:
    """One month as a segment runs it: serve, lapse, file; then the clock moves on.

    Returns (left over from ``got``, lapsed).
    """
    left = orders.serve(np.array([[got]])).item()
    lapsed = orders.lapse().item()
    orders.file(np.array([[new]]))
    next_month(orders.env)
    return left, lapsed


def test_orders_are_served_oldest_first():
    orders = WaitingOrders(simpy.Environment(), 3, (1, 1))
    for new in (5.0, 3.0, 2.0):  # filed at the ends of months 0, 1, 2
        month(orders, 0.0, new)
    left = orders.serve(np.array([[6.0]])).item()
    assert left == 0.0
    # month 0's 5 are gone, 1 of month 1's 3 served; month 2's 2 untouched
    assert [batch.item() for batch in orders.oldest_first()] == [0.0, 2.0, 2.0]


def test_a_batch_lapses_after_waiting_its_months_and_not_before():
    orders = WaitingOrders(simpy.Environment(), 2, (1, 1))
    assert month(orders, 0.0, 4.0) == (0.0, 0.0)  # month 0: 4 filed
    assert month(orders, 0.0, 1.0) == (0.0, 0.0)  # month 1: the 4 wait their first month
    assert orders.closing.item() == 4.0  # month 2 is the 4's last
    assert month(orders, 0.0, 0.0) == (0.0, 4.0)  # month 2: the 4 lapse
    assert orders.total().item() == 1.0
    np.testing.assert_array_equal(orders.imbalance(), 0.0)


def test_a_warm_start_files_older_orders_that_close_sooner():
    orders = WaitingOrders(simpy.Environment(), 3, (1, 1))
    orders.prefill(2, np.array([[7.0]]))  # its last month is the first
    orders.prefill(1, np.array([[5.0]]))  # closes in month 1
    assert orders.closing.item() == 7.0
    assert month(orders, 1.0, 0.0) == (0.0, 6.0)
    assert month(orders, 0.0, 0.0) == (0.0, 5.0)
    with pytest.raises(ValueError, match="lapsed"):
        orders.prefill(3, np.array([[1.0]]))


def test_a_month_of_waiting_lapses_at_the_next_month():
    orders = WaitingOrders(simpy.Environment(), 1, (1, 1))
    month(orders, 0.0, 3.0)
    assert month(orders, 1.0, 0.0) == (0.0, 2.0)
    with pytest.raises(ValueError, match="at least 1"):
        WaitingOrders(simpy.Environment(), 0, (1, 1))


@given(
    hnp.arrays(float, (6, 2), elements=st.floats(0, 100)),
    hnp.arrays(float, (6, 2), elements=st.floats(0, 100)),
)
def test_orders_are_conserved_and_never_negative(filed, got):
    orders = WaitingOrders(simpy.Environment(), 3, (1, 2))
    for new, supply in zip(filed, got, strict=True):
        orders.serve(supply[None])
        orders.lapse()
        orders.file(new[None])
        next_month(orders.env)
        assert all((batch >= 0).all() for batch in orders.oldest_first())
    np.testing.assert_allclose(orders.imbalance(), 0.0, atol=1e-9)


def test_orders_without_totals_wait_and_lapse_the_same_bit_for_bit():
    rng = np.random.default_rng(1)
    kept = WaitingOrders(simpy.Environment(), 3, (2, 3))
    loose = WaitingOrders(simpy.Environment(), 3, (2, 3), track=False)
    for _ in range(8):
        amount, new = rng.random((2, 3)), rng.random((2, 3))
        outcomes = []
        for orders in (kept, loose):
            outcomes.append((orders.serve(amount), orders.lapse()))
            orders.file(new)
            next_month(orders.env)
        np.testing.assert_array_equal(outcomes[1], outcomes[0])
        np.testing.assert_array_equal(loose.total(), kept.total())
    assert loose.filed is None
    with pytest.raises(ValueError, match="track=False"):
        loose.imbalance()


def test_a_single_level_row_expands_to_every_level():
    orders = WaitingOrders(simpy.Environment(), 2, (1, 2))
    orders.prefill(1, np.array([[1.0, 2.0]]))
    orders.file(np.array([[3.0, 4.0]]))
    orders.expand(3)
    assert [batch.shape for batch in orders.oldest_first()] == [(3, 2)] * 2
    np.testing.assert_array_equal(orders.total(), [[4.0, 6.0]] * 3)
    np.testing.assert_array_equal(orders.imbalance(), 0.0)


def test_untracked_orders_keep_none_of_the_three_totals():
    loose = WaitingOrders(simpy.Environment(), 2, (1, 1), track=False)
    assert loose.filed is None and loose.served is None and loose.lapsed is None


def test_a_warm_start_order_of_age_0_waits_all_but_the_filing_month():
    orders = WaitingOrders(simpy.Environment(), 2, (1, 1))
    orders.prefill(0, np.array([[4.0]]))  # placed just before the run: closes in month 1
    assert month(orders, 0.0, 0.0) == (0.0, 0.0)
    assert month(orders, 1.0, 0.0) == (0.0, 3.0)


def test_a_warm_start_order_is_served_before_the_first_months_orders():
    orders = WaitingOrders(simpy.Environment(), 3, (1, 1))
    orders.prefill(1, np.array([[5.0]]))  # older: closes in month 1
    orders.file(np.array([[7.0]]))  # month 0's: closes in month 3
    orders.serve(np.array([[5.0]]))
    assert [batch.item() for batch in orders.oldest_first()] == [0.0, 0.0, 7.0]


def test_orders_filed_for_the_same_month_are_one_batch_that_closes_once():
    orders = WaitingOrders(simpy.Environment(), 3, (1, 1))
    orders.prefill(1, np.array([[2.0]]))
    orders.prefill(1, np.array([[3.0]]))
    assert orders.total().item() == 5.0 and len(orders.open) == 1
    assert month(orders, 0.0, 0.0) == (0.0, 0.0)
    assert month(orders, 0.0, 0.0) == (0.0, 5.0)  # closed once, with both


def test_whole_numbers_of_orders_are_held_as_floats():
    orders = WaitingOrders(simpy.Environment(), 2, (1, 1))
    orders.file(np.array([[3]]))
    next_month(orders.env)
    assert orders.serve(np.array([[1.5]])).item() == 0.0
    assert orders.total().item() == 1.5


def test_the_total_adds_the_youngest_batches_first():
    # floating point: 1e16 + 1 + 1 rounds to 1e16, 1 + 1 + 1e16 does not; the order is the
    # one the ring of buckets used, so totals are the same bit for bit
    orders = WaitingOrders(simpy.Environment(), 3, (1, 1))
    orders.prefill(1, np.array([[1e16]]))
    orders.file(np.array([[1.0]]))
    next_month(orders.env)
    orders.file(np.array([[1.0]]))
    assert orders.total().item() == 1.0 + 1.0 + 1e16
