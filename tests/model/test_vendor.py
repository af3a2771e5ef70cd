"""sim.model.vendor: wafers split among products, capacity within memory, building to order."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import simpy
from small import calendar, draws, fixed

from sim.model.policies import HBM_RULES
from sim.model.state import LevelRows
from sim.model.vendor import Product, Vendor, Works, whole_months
from sim.scenario.schema import MemorySource, YieldCurve
from sim.scenario.schema import Product as ProductSpec
from sim.scenario.schema import Vendor as VendorSpec

CAL = calendar(24)


def product_spec(**changes) -> ProductSpec:
    values = dict(
        candidates_per_wafer=fixed(40),
        yield_curve=YieldCurve(start=fixed(0.2), ceiling=fixed(0.6), learning_months=fixed(10)),
        hbm_stacks=fixed(8),
        h100e=fixed(0.7),
        h100e_growth=fixed(0.1),
        power_kw=fixed(1.5),
        available_from="2025-01",
        lead_months=fixed(2),
    )
    return ProductSpec(**(values | changes))


def foundry(wafers: float, factor: float = 1.0):
    return SimpleNamespace(wafers=np.full(2, wafers), yield_factor=np.full(2, factor))


def test_lead_times_round_half_up_to_whole_months():
    assert whole_months(np.array([1.49, 1.5, 2.5])).tolist() == [1, 2, 3]


def test_yield_climbs_and_performance_grows_yearly():
    p = Product("p", product_spec(), "vendors.v.products.p", CAL, draws(2))
    assert p.yield_at(0)[0] == 0.2
    np.testing.assert_allclose(p.yield_at(10), 0.6 - 0.4 * np.exp(-1.0))
    np.testing.assert_allclose(p.h100e_at(0), 0.7)
    np.testing.assert_allclose(p.h100e_at(12), 0.77)


def make_vendor(levels: LevelRows, wafers: float = 1000, memory: float | None = None) -> Vendor:
    products = {
        "a": product_spec(banked_dies_per_chip=fixed(2)),
        "b": product_spec(mix=fixed(3.0)),
        "c": product_spec(foundries=("other",)),
    }
    spec = VendorSpec(
        products=products,
        wafer_share={"smic": fixed(0.5), "other": fixed(1)},
        memory={"hbm": MemorySource()},
        banked_dies=fixed(100),
        banked_dies_per_month=fixed(30),
        inventory_months=fixed(0),
    )
    fabs = {"smic": foundry(wafers, factor=2.0), "other": foundry(0)}
    vendor = Vendor(
        "v", spec, CAL, draws(2), Works(fabs, levels, HBM_RULES["value_first"], simpy.Environment())
    )
    for p in vendor.products[:2]:
        p.active[:] = True
    if memory is not None:
        pool = vendor.pools["hbm"]
        pool.free = False
        pool.flow.put(np.full((levels.rows, 2), memory))
    return vendor


def test_wafers_split_by_mix_among_products_in_production_at_each_foundry():
    vendor = make_vendor(LevelRows(1, None))
    # 1000 wafers x 0.5 share at smic; a:b = 1:3 (125 and 375 wafers); c is made only at
    # "other", which has no wafers; each wafer gives 40 dies x min(1, 0.2 x 2)
    np.testing.assert_allclose(
        vendor.candidates_at(0)[:, 0, 0], [125 * 40 * 0.4, 375 * 40 * 0.4, 0.0]
    )
    vendor.products[2].active[:] = True  # c in production takes nothing from smic
    np.testing.assert_allclose(
        vendor.candidates_at(0)[:, 0, 0], [125 * 40 * 0.4, 375 * 40 * 0.4, 0.0]
    )


def test_banked_dies_go_to_the_products_in_production_that_use_them():
    vendor = make_vendor(LevelRows(1, None))
    np.testing.assert_allclose(vendor.banked_chips()[:, 0], [[15.0, 15.0], [0, 0], [0, 0]])


def memory_cut(cap) -> np.ndarray:
    """H100e memory kept from being made, (levels, R): wanted less let through."""
    return ((cap.wanted - cap.chips) * cap.h100e[:, None]).sum(axis=0)


def test_memory_limits_capacity_most_compute_per_stack_first():
    vendor = make_vendor(LevelRows(1, None), memory=8 * 1000.0)
    vendor.products[1].base_h100e = np.full(2, 1.4)  # b: more H100e per stack than a
    cap = vendor.capacity_at(0)
    wanted = cap.wanted[:, 0, 0]  # a: 2000 + 15 banked, b: 6000
    assert cap.chips[1, 0, 0] == 1000.0  # b takes all 8,000 stacks first
    assert cap.chips[0, 0, 0] == 0.0 and wanted[0] == 2015.0
    np.testing.assert_allclose(memory_cut(cap)[0], 0.7 * 2015 + 1.4 * 5000)


def pooled_pair(rule: str, b_stacks: float = 8) -> Vendor:
    """Two products sharing one pool of 8,000 stacks; b gives twice a's H100e per chip."""
    products = {
        "a": product_spec(h100e=fixed(0.7)),
        "b": product_spec(h100e=fixed(1.4), mix=fixed(3.0), hbm_stacks=fixed(b_stacks)),
    }
    spec = VendorSpec(
        products=products, wafer_share={"smic": fixed(0.5)}, memory={"hbm": MemorySource()}
    )
    levels = LevelRows(1, None)
    vendor = Vendor(
        "v",
        spec,
        CAL,
        draws(2),
        Works({"smic": foundry(1000, factor=2.0)}, levels, HBM_RULES[rule], simpy.Environment()),
    )
    for p in vendor.products:
        p.active[:] = True
    pool = vendor.pools["hbm"]
    pool.free = False
    pool.flow.put(np.full((levels.rows, 2), 8000.0))
    return vendor


@pytest.mark.parametrize(
    "rule, chips, h100e",
    [
        # a wants 2,000 chips (16,000 stacks), b 6,000 (48,000 stacks): 64,000 for 8,000 held.
        ("value_first", [0.0, 1000.0], 1000 * 1.4),  # b, more H100e per stack, takes them all
        ("pro_rata", [250.0, 750.0], 250 * 0.7 + 750 * 1.4),  # each gets 8,000 / 64,000 = 1/8
    ],
)
def test_the_memory_rule_shares_a_pool_between_its_products(rule, chips, h100e):
    cap = pooled_pair(rule).capacity_at(0)
    np.testing.assert_allclose(cap.wanted[:, 0, 0], [2000.0, 6000.0])
    np.testing.assert_allclose(cap.chips[:, 0, 0], chips)
    np.testing.assert_allclose(cap.compute()[0], h100e)  # 1,400 vs 1,225 H100e
    np.testing.assert_allclose(memory_cut(cap)[0], 0.7 * 2000 + 1.4 * 6000 - h100e)


def test_value_first_ranks_by_h100e_per_stack_not_per_chip():
    # b gives twice a's H100e per chip but needs 32 stacks to a's 8: 0.044 H100e a stack
    # against a's 0.0875, so a takes the 8,000 stacks first (1,000 of its 2,000 chips).
    cap = pooled_pair("value_first", b_stacks=32).capacity_at(0)
    np.testing.assert_allclose(cap.wanted[:, 0, 0], [2000.0, 6000.0])
    np.testing.assert_allclose(cap.chips[:, 0, 0], [1000.0, 0.0])
    np.testing.assert_allclose(cap.compute()[0], 1000 * 0.7)


def test_started_chips_finish_after_their_lead_time_and_use_memory_and_dies():
    vendor = make_vendor(LevelRows(1, None), memory=1e9)
    vendor.capacity = vendor.capacity_at(0)
    vendor.start(0, np.full((1, 2), 0.5))
    stacks = 0.5 * (2015 + 6000) * 8
    np.testing.assert_allclose(vendor.pools["hbm"].flow.level[0], 1e9 - stacks)
    np.testing.assert_allclose(vendor.banked.level[0], 100 - 0.5 * 15 * 2)
    env = vendor.work[0].env  # SimPy delivers the chips: month t is time t to t + 1
    env.run(until=1.5)
    assert [w.finish(1).sum() for w in vendor.work] == [0.0, 0.0, 0.0]
    env.run(until=2.5)
    done = [w.finish(2)[0, 0] for w in vendor.work]
    np.testing.assert_allclose(done, [0.5 * 2015, 3000, 0])
    for w in vendor.work:
        np.testing.assert_allclose(w.imbalance(), 0.0)


def test_delivery_takes_the_same_fraction_of_every_product():
    vendor = make_vendor(LevelRows(2, 0))
    vendor.finished.put(np.array([[[10.0, 4.0]], [[6.0, 2.0]], [[0.0, 0.0]]]))
    taken = vendor.deliver(np.array([[0.5, 0.25], [1.0, 0.0]]))
    np.testing.assert_allclose(taken[:2, 0], [[5.0, 1.0], [3.0, 0.5]])
    np.testing.assert_allclose(taken[:2, 1], [[10.0, 0.0], [6.0, 0.0]])
    np.testing.assert_allclose(vendor.finished.imbalance(), 0.0)


def test_a_vendor_without_memory_pools_gets_an_equal_claim_on_stockpile_and_domestic_hbm():
    from sim.model.vendor import DEFAULT_POOL, default_pool

    given = VendorSpec(products={}, wafer_share={})
    assert not given.memory
    pools = default_pool(given).memory
    assert list(pools) == [DEFAULT_POOL]
    claim = pools[DEFAULT_POOL]
    assert claim.stockpile_share == fixed(1.0) and claim.domestic_share == fixed(1.0)
    own = VendorSpec(
        products={}, wafer_share={}, memory={"hibl": MemorySource(domestic_share=fixed(1.0))}
    )
    assert default_pool(own) is own  # declared pools are kept as they are


def test_foundry_wafers_with_a_level_axis_give_candidates_by_level():
    vendor = make_vendor(LevelRows(2, 0))
    smic = vendor.shares["smic"][0]
    smic.wafers = np.array([[1000.0, 1000.0], [2000.0, 1000.0]])  # levels x replications
    got = vendor.candidates_at(0)
    assert got.shape == (3, 2, 2)
    np.testing.assert_allclose(
        got[:2, :, 0], [[125 * 40 * 0.4, 250 * 40 * 0.4], [375 * 40 * 0.4, 750 * 40 * 0.4]]
    )
    np.testing.assert_allclose(got[:, 1, 1], got[:, 0, 1])
    assert vendor.capacity_at(0).chips.shape == (3, 2, 2)


def test_wafers_go_to_the_products_in_production_when_production_changes():
    vendor = make_vendor(LevelRows(1, None))
    both = vendor.candidates_at(0)[:, 0, 0]
    vendor.products[0].active[0] = False  # a leaves production in replication 0 only
    alone = vendor.candidates_at(0)[:, 0]
    np.testing.assert_allclose(alone[:, 0], [0.0, 500 * 40 * 0.4, 0.0])  # b takes all 500
    np.testing.assert_allclose(alone[:, 1], both)
    vendor.products[0].active[0] = True
    np.testing.assert_array_equal(vendor.candidates_at(0)[:, 0, 0], both)


def test_pool_members_are_a_slice_when_listed_together():
    from sim.model.vendor import members_of

    assert members_of([]) is None
    assert members_of([1, 2, 3]) == slice(1, 4)
    assert members_of([0, 2]) == [0, 2]
