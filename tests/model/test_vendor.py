"""sim.model.vendor: candidate chips from wafers, yields and banked dies; finishing; delivery."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from small import calendar, draws, fixed

from sim.model.state import LevelRows
from sim.model.vendor import Product, Vendor
from sim.scenario.schema import Product as ProductSpec
from sim.scenario.schema import Vendor as VendorSpec
from sim.scenario.schema import YieldCurve

CAL = calendar(12)


def product_spec(**changes) -> ProductSpec:
    values = dict(wafer_share={"smic": fixed(0.5)}, candidates_per_wafer=fixed(40),
                  yield_curve=YieldCurve(start=fixed(0.2), ceiling=fixed(0.6),
                                         learning_months=fixed(10)),
                  hbm_stacks=fixed(8), h100e=fixed(0.7), h100e_growth=fixed(0.1),
                  power_kw=fixed(1.5), available_from="2025-01")
    return ProductSpec(**(values | changes))


def foundry(wafers: float, factor: float = 1.0):
    return SimpleNamespace(wafers=np.full(2, wafers), yield_factor=np.full(2, factor))


def test_yield_climbs_from_start_toward_the_ceiling():
    p = Product("p", product_spec(), "vendors.v.products.p", CAL, draws(2), {"smic": foundry(0)})
    assert p.yield_at(0)[0] == 0.2
    np.testing.assert_allclose(p.yield_at(10), 0.6 - 0.4 * np.exp(-1.0))
    assert p.yield_at(10_000)[0] == 0.6


def test_candidates_are_wafers_times_share_times_dies_times_yield_once_launched():
    fabs = {"smic": foundry(1000, factor=2.0)}
    p = Product("p", product_spec(), "vendors.v.products.p", CAL, draws(2), fabs)
    np.testing.assert_array_equal(p.candidates_at(0), 0.0)  # not launched yet
    p.launched[:] = True
    # 1000 wafers x 0.5 x 40 dies x min(1, 0.2 x 2)
    np.testing.assert_allclose(p.candidates_at(0), 1000 * 0.5 * 40 * 0.4)


def test_performance_grows_yearly():
    p = Product("p", product_spec(), "vendors.v.products.p", calendar(24), draws(2),
                {"smic": foundry(0)})
    np.testing.assert_allclose(p.h100e_at(0), 0.7)
    np.testing.assert_allclose(p.h100e_at(12), 0.77)


def make_vendor(levels: LevelRows) -> Vendor:
    spec = VendorSpec(products={"a": product_spec(banked_dies_per_chip=fixed(2)),
                                "b": product_spec(available_from="2026-01")},
                      banked_dies=fixed(100), banked_dies_per_month=fixed(30))
    vendor = Vendor("v", spec, CAL, draws(2), {"smic": foundry(0)}, levels)
    vendor.products[0].launched[:] = True
    return vendor


def test_banked_dies_go_to_the_launched_products_that_use_them():
    vendor = make_vendor(LevelRows(1, None))
    np.testing.assert_allclose(vendor.banked_chips(), [[15.0, 15.0], [0.0, 0.0]])  # 30 dies / 2


def test_finishing_uses_the_banked_dies_of_the_chips_made_and_stocks_them():
    vendor = make_vendor(LevelRows(1, None))
    vendor.banked_use = vendor.banked_chips()
    vendor.candidates = vendor.banked_use + np.array([[5.0, 5.0], [0.0, 0.0]])
    vendor.finish(np.array([[0.5, 1.0], [1.0, 1.0]]))
    np.testing.assert_allclose(vendor.finished.level[:, 0], [[10.0, 20.0], [0.0, 0.0]])
    np.testing.assert_allclose(vendor.banked.level, [100 - 15, 100 - 30])


def test_delivery_takes_the_same_fraction_of_every_product_and_conserves_chips():
    vendor = make_vendor(LevelRows(2, 0))
    vendor.finished.put(np.array([[[10.0, 4.0]], [[6.0, 2.0]]]))
    taken = vendor.deliver(np.array([[0.5, 0.25], [1.0, 0.0]]))
    np.testing.assert_allclose(taken[:, 0], [[5.0, 1.0], [3.0, 0.5]])
    np.testing.assert_allclose(taken[:, 1], [[10.0, 0.0], [6.0, 0.0]])
    np.testing.assert_allclose(vendor.finished.imbalance(), 0.0)
