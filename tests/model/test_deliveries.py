"""sim.model.deliveries: work started arrives after its lead time, as SimPy timeouts."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.deliveries import Deliveries


def monthly(env: simpy.Environment, body: Callable[[int], None], months: int) -> None:
    """Run ``body(t)`` in each month ``t`` (SimPy time ``t``), as the model's actors do."""

    def process():
        for t in range(months):
            body(t)
            yield env.timeout(1)

    env.process(process())
    env.run()


def reference_finish(
    starts: list[np.ndarray], lead: np.ndarray, t: int, before: np.ndarray | None
) -> np.ndarray:
    """What month ``t`` finishes: started ``lead`` months before (``before`` ahead of month 0)."""
    due = np.zeros_like(starts[-1])
    for r, back in enumerate(lead):
        if t - back >= 0:
            due[:, r] = starts[t - back][:, r]
        elif before is not None:
            due[:, r] = before[:, r]
    return due


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=5, max_size=5), st.integers(0, 20), st.booleans())
def test_each_replication_s_starts_arrive_after_its_own_lead_bit_for_bit(leads, part, prefill):
    lead = np.array(leads)
    env = simpy.Environment()
    work = Deliveries(env, int(lead.max()) + 1, (1, 5), lead)
    rng = np.random.default_rng(part)
    starts: list = []
    before = rng.random((1, 5)) if prefill else None

    def month(t: int) -> None:
        nonlocal starts, before
        if t == part:
            work.expand(3)
            starts = [np.repeat(s, 3, axis=0) for s in starts]
            before = None if before is None else np.repeat(before, 3, axis=0)
        if t == 0 and before is not None:
            work.prefill(before)
        units = rng.random((3 if t >= part else 1, 5))
        due = work.finish(t)
        assert due.tobytes() == reference_finish(starts + [units], lead, t, before).tobytes()
        work.start(t, units)
        starts.append(units.copy())
        units *= 0.0  # the caller's array changes: what is in transit must not

    monthly(env, month, 18)
    np.testing.assert_allclose(work.imbalance(), 0.0, atol=1e-12)


def test_started_units_wait_in_simpy_one_timeout_per_month_a_delivery_is_due():
    env = simpy.Environment()
    work = Deliveries(env, 4, (1, 4), np.array([1, 3, 3, 1]))
    work.start(0, np.array([[1.0, 2.0, 3.0, 4.0]]))
    assert sorted(event[0] for event in env._queue) == [1, 3]  # noqa: SLF001 (SimPy's queue)
    env.run(until=1.5)
    np.testing.assert_array_equal(work.finish(1), [[1.0, 0.0, 0.0, 4.0]])
    env.run(until=3.5)
    np.testing.assert_array_equal(work.finish(3), [[0.0, 2.0, 3.0, 0.0]])
    np.testing.assert_array_equal(work.level(), 0.0)


def test_a_prefilled_delivery_finishes_the_prefill_until_its_own_starts_arrive():
    lead = np.array([1, 3, 2])
    env = simpy.Environment()
    work = Deliveries(env, 4, (2, 3), lead)
    before = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    work.prefill(before)
    np.testing.assert_array_equal(work.level(), before * lead)

    def month(t: int) -> None:
        expected = np.where(t < lead, before, 10.0 * (t - lead + 1))
        np.testing.assert_array_equal(work.finish(t), expected)
        work.start(t, np.full((2, 3), 10.0 * (t + 1)))

    monthly(env, month, 5)
    np.testing.assert_allclose(work.imbalance(), 0.0)


def test_without_totals_the_same_units_arrive_and_wait():
    env, lead = simpy.Environment(), np.array([1, 2, 3])
    kept, bare = Deliveries(env, 4, (2, 3), lead), Deliveries(env, 4, (2, 3), lead, track=False)
    rng = np.random.default_rng(1)

    def month(t: int) -> None:
        new = rng.random((2, 3))
        np.testing.assert_array_equal(bare.finish(t), kept.finish(t))
        for work in (kept, bare):
            work.start(t, new)
        np.testing.assert_array_equal(bare.level(), kept.level())

    monthly(env, month, 8)
    assert bare.taken is None
    with pytest.raises(ValueError, match="track=False"):
        bare.imbalance()


def test_arrivals_handed_on_as_they_come_are_finished_then():
    env, got = simpy.Environment(), []
    work = Deliveries(
        env,
        3,
        (1, 2),
        np.array([1, 2]),
        receive=lambda units: got.append((env.now, units.tolist())),
    )
    work.start(0, np.array([[5.0, 7.0]]))
    env.run()
    assert got == [(1, [[5.0, 0.0]]), (2, [[0.0, 7.0]])]
    np.testing.assert_array_equal(work.level(), 0.0)
    np.testing.assert_array_equal(work.taken, [[5.0, 7.0]])


@pytest.mark.parametrize("now", [0.0, 2.0, 2.5])
def test_a_month_finishes_only_in_its_own_time(now):
    env = simpy.Environment(initial_time=now)
    work = Deliveries(env, 3, (1, 2), np.array([1, 2]))
    with pytest.raises(ValueError, match=r"month 1 finishes in SimPy time \[1, 2\)"):
        work.finish(1)  # SimPy time 2 is month 2's start, not month 1's end
    if now == 2.0:
        np.testing.assert_array_equal(work.finish(2), [[0.0, 0.0]])  # its own month: fine


def test_untracked_deliveries_refuse_the_balance_check_by_name():
    work = Deliveries(simpy.Environment(), 3, (1, 2), np.array([1, 2]), track=False)
    with pytest.raises(ValueError, match="keep no total taken"):
        work.imbalance()


@pytest.mark.parametrize("lead", [[0, 1], [1, 4]])
def test_leads_must_be_within_one_to_depth_less_one(lead):
    with pytest.raises(ValueError, match="leads must be whole months from 1 to 3"):
        Deliveries(simpy.Environment(), 4, (1, 2), np.array(lead))


@pytest.mark.parametrize("rows", [1, 3])
def test_a_group_s_columns_are_copied_by_flat_index_as_by_2d_indexing(rows):
    lead = np.array([1, 2, 1, 3, 2])
    deliveries = Deliveries(simpy.Environment(), 4, (rows, 5), lead)
    rng = np.random.default_rng(4)
    for _, columns in deliveries.groups:
        units, target = rng.random((rows, 5)), rng.random((rows, 5))
        expected = target.copy()
        expected[:, columns] = units[:, columns]
        deliveries.copy(target, units, columns)
        np.testing.assert_array_equal(target, expected)
        cached = deliveries.flat[(id(columns), rows)]
        assert isinstance(cached, np.ndarray) and cached.size == rows * np.size(columns)
        deliveries.copy(target, units, columns)  # the cached index, once more
        np.testing.assert_array_equal(target, expected)
        assert deliveries.flat[(id(columns), rows)] is cached  # computed once, then reused
    assert sorted(rows_ for _, rows_ in deliveries.flat) == [rows] * 3


def test_a_slice_or_an_array_not_in_c_order_is_copied_by_2d_indexing():
    deliveries = Deliveries(simpy.Environment(), 3, (2, 4), np.array([1, 2, 1, 2]))
    columns = deliveries.groups[0][1]
    units = np.arange(8.0).reshape(2, 4)
    target = np.zeros((4, 2)).T  # (2, 4) in Fortran order
    deliveries.copy(target, units, columns)
    np.testing.assert_array_equal(target[:, columns], units[:, columns])
    assert target[:, [1, 3]].sum() == 0.0
    whole = np.zeros((2, 4))
    deliveries.copy(whole, units, slice(None))
    np.testing.assert_array_equal(whole, units)
    assert not deliveries.flat  # neither used the flat index
