"""sim.model.market: pool grants carry the pool's mix."""

from __future__ import annotations

import numpy as np

from sim.model.market import pool_grant
from sim.model.policies import pro_rata, quota_first


def test_a_pool_grant_gives_each_segment_the_pools_mix_of_units_power_and_value():
    units = [np.array([[10.0]]), np.array([[30.0]])]  # two products
    per_unit = (
        [np.array([1.0]), np.array([0.5])],  # H100e: supply 10 + 15 = 25
        [np.array([2.0]), np.array([1.0])],  # kW
        [np.array([100.0]), np.array([20.0])],
    )  # USD
    orders = np.array([[[10.0]], [[40.0]]])  # 50 wanted
    grant = pool_grant(orders, units, per_unit, np.array([False, False]), pro_rata)
    np.testing.assert_allclose(grant.h100e[:, 0, 0], [5.0, 20.0])
    assert grant.fraction.item() == 1.0
    flows = grant.flows()
    np.testing.assert_allclose(flows.units[:, 0, 0], [5.0 * 40 / 25, 20.0 * 40 / 25])
    np.testing.assert_allclose(flows.kw[1], [[20.0 * 50 / 25]])
    np.testing.assert_allclose(flows.usd[0], [[5.0 * 1600 / 25]])


def test_a_part_taken_pool_reports_its_fraction_and_an_empty_pool_grants_nothing():
    per_unit = ([np.array([1.0])], [np.array([1.0])], [np.array([1.0])])
    grant = pool_grant(
        np.array([[[10.0]]]), [np.array([[100.0]])], per_unit, np.array([True]), quota_first
    )
    assert grant.fraction.item() == 0.1
    empty = pool_grant(
        np.array([[[10.0]]]), [np.zeros((1, 1))], per_unit, np.array([True]), pro_rata
    )
    assert empty.h100e.item() == 0.0 and empty.fraction.item() == 0.0


def test_unmet_orders_go_offshore_by_share_within_the_national_capacity_pro_rata():
    from sim.model.market import offshore_split

    unmet = np.array([[[100.0, 100.0]], [[50.0, 50.0]]])  # two segments, (S, L, R)
    shares = np.array([[[0.5, 0.5]], [[1.0, 1.0]]])
    # uncapped: each segment's share of its unmet orders
    np.testing.assert_allclose(offshore_split(unmet, shares, None)[:, 0], [[50, 50], [50, 50]])
    # replication 0 seeks 100 within 200; replication 1 seeks 100 within 60: 0.6 of each ask
    split = offshore_split(unmet, shares, np.array([200.0, 60.0]))
    np.testing.assert_allclose(split[:, 0], [[50.0, 30.0], [50.0, 30.0]])
    np.testing.assert_allclose((unmet - split)[:, 0], [[50.0, 70.0], [0.0, 20.0]])  # abandoned
    none = offshore_split(unmet, np.zeros_like(shares), np.array([200.0, 60.0]))
    assert np.all(none == 0.0)  # no share: nothing offshore whatever the capacity


def test_the_market_keeps_offshore_compute_within_the_national_capacity():
    from chipsim_testing import PRIORS

    from sim.model.model import Model
    from sim.scenario import load

    priors = load(PRIORS)
    tiny = {"offshore": {"capacity": {year: 1.0 for year in priors.offshore.capacity}}}
    capped = Model(load(PRIORS, tiny), 50, seed=3, levels=["announced"]).run().replicates
    free = Model(priors, 50, seed=3, levels=["announced"]).run().replicates
    assert capped["offshore_compute"].max() <= 12.0 * (1 + 1e-9)  # 1 H100e a month at most
    assert free["offshore_compute"].max() > 1_000.0  # the priors' capacity lets far more through
    # what the cap keeps from going offshore is abandoned instead: unmet is unchanged
    np.testing.assert_allclose(capped["unmet_demand_compute"], free["unmet_demand_compute"])
