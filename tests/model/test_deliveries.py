"""sim.model.deliveries: work started arrives after its lead time, as SimPy timeouts."""

from __future__ import annotations

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.deliveries import Deliveries
from sim.model.state import Pipeline


def drive(leads: list[int], part: int, prefill: bool, months: int = 18) -> tuple[list, list]:
    """Start random units month by month in Deliveries and in the ring; return both finishes."""
    lead = np.array(leads)
    depth = int(lead.max()) + 1
    env = simpy.Environment()
    sent, ring = Deliveries(env, depth, (1, len(lead)), lead), Pipeline(depth, (1, len(lead)), lead)
    rng = np.random.default_rng(part)
    got: tuple[list, list] = ([], [])

    def month_by_month():
        for t in range(months):
            if t == part:
                for work in (sent, ring):
                    work.expand(3)
            if t == 0 and prefill:
                first = rng.random((1, len(lead)))
                sent.prefill(first)
                ring.prefill(first)
            got[0].append(sent.finish(t))
            got[1].append(ring.finish(t))
            units = rng.random((3 if t >= part else 1, len(lead)))
            sent.start(t, units)
            ring.start(t, units)
            units *= 0.0  # the caller's array changes: what is in transit must not
            yield env.timeout(1)

    env.process(month_by_month())
    env.run()
    np.testing.assert_allclose(sent.imbalance(), 0.0, atol=1e-12)
    np.testing.assert_array_equal(sent.level(), ring.level())
    return got


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=5, max_size=5), st.integers(0, 20), st.booleans())
def test_deliveries_finish_what_the_ring_finished_bit_for_bit(leads, part, prefill):
    sent, ring = drive(leads, part, prefill)
    for month, (a, b) in enumerate(zip(sent, ring, strict=True)):
        assert a.tobytes() == b.tobytes(), month


def test_started_units_wait_in_simpy_one_timeout_per_distinct_lead():
    env = simpy.Environment()
    work = Deliveries(env, 4, (1, 4), np.array([1, 3, 3, 1]))
    work.start(0, np.array([[1.0, 2.0, 3.0, 4.0]]))
    assert sorted(event[0] for event in env._queue) == [1, 3]  # noqa: SLF001 (SimPy's queue)
    env.run(until=1.5)
    np.testing.assert_array_equal(work.finish(1), [[1.0, 0.0, 0.0, 4.0]])
    env.run(until=3.5)
    np.testing.assert_array_equal(work.finish(3), [[0.0, 2.0, 3.0, 0.0]])
    np.testing.assert_array_equal(work.level(), 0.0)


def test_a_month_finishes_only_in_its_own_time_and_leads_stay_within_the_depth():
    env = simpy.Environment()
    work = Deliveries(env, 3, (1, 2), np.array([1, 2]))
    with pytest.raises(ValueError, match=r"month 1 finishes in SimPy time \[1, 2\)"):
        work.finish(1)
    with pytest.raises(ValueError, match="leads must be whole months from 1 to 2"):
        Deliveries(env, 3, (1, 2), np.array([1, 3]))
