"""sim.model.market: pool grants carry the pool's mix; fractions taken never exceed supply."""

from __future__ import annotations

import numpy as np

from sim.model.market import pool_grant
from sim.model.policies import pro_rata, quota_first


def test_a_pool_grant_gives_each_segment_the_pools_mix_of_units_and_power():
    units = [np.array([[10.0]]), np.array([[30.0]])]  # two products
    h100e = [np.array([1.0]), np.array([0.5])]  # supply 10 + 15 = 25 H100e
    power = [np.array([2.0]), np.array([1.0])]
    orders = np.array([[[10.0]], [[40.0]]])  # 50 wanted
    grant = pool_grant(orders, units, h100e, power, np.array([False, False]), pro_rata)
    np.testing.assert_allclose(grant.h100e[:, 0, 0], [5.0, 20.0])
    assert grant.fraction.item() == 1.0
    np.testing.assert_allclose(grant.units_of(0), [[5.0 * 40 / 25]])
    np.testing.assert_allclose(grant.power_of(1), [[20.0 * 50 / 25]])


def test_a_part_taken_pool_reports_its_fraction_and_empty_pools_grant_nothing():
    units = [np.array([[100.0]])]
    grant = pool_grant(np.array([[[10.0]]]), units, [np.array([1.0])], [np.array([1.0])],
                       np.array([True]), quota_first)
    assert grant.fraction.item() == 0.1
    empty = pool_grant(np.array([[[10.0]]]), [np.zeros((1, 1))], [np.array([1.0])],
                       [np.array([1.0])], np.array([True]), pro_rata)
    assert empty.h100e.item() == 0.0 and empty.fraction.item() == 0.0
    assert empty.per_h100e.item() == 0.0
