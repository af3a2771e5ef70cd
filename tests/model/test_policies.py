"""sim.model.policies: allocation rules on small hand-computed arrays."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.model.policies import (
    ALLOCATION_RULES,
    HBM_RULES,
    hbm_pro_rata,
    hbm_value_first,
    pro_rata,
    quota_first,
)

ORDERS = np.array([[[6.0]], [[2.0]], [[12.0]]])  # segments 0 and 1 quota-bound, 2 not
BOUND = np.array([True, True, False])


def test_pro_rata_gives_every_segment_the_same_fraction():
    got = pro_rata(ORDERS, np.array([[10.0]]), BOUND)
    np.testing.assert_allclose(got[:, 0, 0], [3.0, 1.0, 6.0])


def test_quota_first_serves_bound_segments_in_full_before_the_rest():
    got = quota_first(ORDERS, np.array([[10.0]]), BOUND)
    np.testing.assert_allclose(got[:, 0, 0], [6.0, 2.0, 2.0])


def test_quota_first_shares_a_short_supply_among_bound_segments_only():
    got = quota_first(ORDERS, np.array([[4.0]]), BOUND)
    np.testing.assert_allclose(got[:, 0, 0], [3.0, 1.0, 0.0])


def test_ample_supply_fills_every_order():
    for rule in ALLOCATION_RULES.values():
        np.testing.assert_allclose(rule(ORDERS, np.array([[100.0]]), BOUND), ORDERS)


@given(
    hnp.arrays(float, (4, 2, 3), elements=st.floats(0, 1e6)),
    hnp.arrays(float, (2, 3), elements=st.floats(0, 1e6)),
    hnp.arrays(bool, (4,)),
)
def test_rules_grant_within_orders_and_supply(orders, supply, bound):
    for rule in ALLOCATION_RULES.values():
        got = rule(orders, supply, bound)
        assert (got >= 0).all() and (got <= orders * (1 + 1e-12)).all()
        assert (got.sum(0) <= supply * (1 + 1e-9) + 1e-9).all()


def test_value_first_packages_the_most_compute_per_stack_first():
    need = np.array([[40.0], [80.0], [20.0]])  # stacks wanted by three products
    value = np.array([[0.1], [0.09], [0.2]])  # H100e per stack: product 2, then 0, then 1
    got = hbm_value_first(need, value, np.array([70.0]))
    np.testing.assert_allclose(got[:, 0], [40.0, 10.0, 20.0])


def test_hbm_pro_rata_gives_each_product_the_same_fraction():
    need = np.array([[40.0], [80.0], [20.0]])
    got = hbm_pro_rata(need, np.ones_like(need), np.array([70.0]))
    np.testing.assert_allclose(got[:, 0], [20.0, 40.0, 10.0])


@given(
    hnp.arrays(float, (3, 4), elements=st.floats(0, 1e6)),
    hnp.arrays(float, (3, 4), elements=st.floats(0, 10)),
    hnp.arrays(float, (4,), elements=st.floats(0, 1e6)),
)
def test_hbm_rules_grant_within_need_and_stock(need, value, stock):
    for rule in HBM_RULES.values():
        got = rule(need, value, stock)
        assert (got >= -1e-9).all() and (got <= need * (1 + 1e-12) + 1e-9).all()
        assert (got.sum(0) <= stock * (1 + 1e-9) + 1e-6).all()


@given(
    hnp.arrays(float, (3, 2, 4), elements=st.floats(0, 100)),
    hnp.arrays(float, (3, 1, 4), elements=st.sampled_from([0.5, 1.0, 2.0])),
    hnp.arrays(float, (2, 4), elements=st.floats(0, 300)),
)
def test_hbm_rules_give_the_same_bits_for_levels_as_axes_or_as_flat_columns(need, value, stock):
    """A vendor passes (products, levels, R) with value (products, 1, R): no reshaped copies."""
    for rule in HBM_RULES.values():
        flat = rule(
            need.reshape(3, -1),
            np.broadcast_to(value, need.shape).reshape(3, -1),
            stock.reshape(-1),
        )
        np.testing.assert_array_equal(rule(need, value, stock), flat.reshape(need.shape))


def test_the_rules_a_scenario_may_name_are_the_rules_the_model_implements():
    # the scenario layer declares the names (it may not import the model); the model
    # implements them: a name on one side only is a scenario that loads but cannot run
    from sim.scenario.schema import ALLOCATIONS, Memory

    assert set(ALLOCATION_RULES) == set(ALLOCATIONS)
    memory_choices = Memory.__dataclass_fields__["allocation"].metadata["choices"]
    assert set(HBM_RULES) == set(memory_choices)
