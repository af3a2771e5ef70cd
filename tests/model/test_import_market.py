"""sim.model.import_market: merit order, pro rata, willingness, approvals, bundles."""

from __future__ import annotations

import numpy as np

from sim.model.import_market import clear_imports
from sim.model.rules import ImportRules
from sim.model.state import LevelRows, Stock


class Channel:
    """A stand-in supplier: fixed availability, takes what it is asked."""

    def __init__(self, name, units, h100e, price, grey=False, approval=False):
        self.name, self.grey, self.approval = name, grey, approval
        self.units, self.h100e = np.array([[units]], float), np.array([h100e], float)
        self.price, self.power_kw = np.array([price], float), np.array([1.0])
        self.initial_guidance = 1.0
        self.merit = (not grey, h100e / price)
        self.taken = np.zeros((1, 1))
        self.responds, self.scarcity = grey, np.zeros((1, 1))

    def available(self):
        return self.units - self.taken

    def take(self, units):
        self.taken += units


def setup(*channels, segments=2):
    rules = ImportRules(list(channels), [f"s{i}" for i in range(segments)], LevelRows(1, None), 1)
    return list(channels), rules


def clear(channels, rules, need, domestic_units=None):
    need = np.array(need, float)[:, None, None]
    units = (
        np.zeros_like(need)
        if domestic_units is None
        else np.array(domestic_units, float)[:, None, None]
    )
    return clear_imports(channels, rules, need, (np.zeros_like(need), units))


def test_buyers_take_the_best_value_first_then_the_next_product():
    cheap = Channel("cheap", units=10, h100e=1.0, price=10)  # 0.1 H100e per dollar
    dear = Channel("dear", units=100, h100e=1.0, price=100)  # 0.01
    smuggled = Channel("grey", units=100, h100e=1.0, price=1, grey=True)
    channels, rules = setup(dear, smuggled, cheap)
    out = clear(channels, rules, [8, 12])
    # cheap (10) pro rata 8:12 -> 4, 6; dear covers the rest; smuggled last, not needed
    np.testing.assert_allclose(out.by_product["cheap"][0, 0], 10)
    np.testing.assert_allclose(out.by_product["dear"][0, 0], 10)
    np.testing.assert_allclose(out.by_product["grey"][0, 0], 0)
    np.testing.assert_allclose(out.got[:, 0, 0], [8, 12])


def test_guidance_withholds_need_even_when_supply_is_left():
    product = Channel("x", units=100, h100e=0.5, price=10)
    channels, rules = setup(product)
    rules.set_row(rules.guidance, 0, 1, 0.25)  # segment 1 is discouraged
    out = clear(channels, rules, [10, 20])
    np.testing.assert_allclose(out.got[:, 0, 0], [10, 5])
    np.testing.assert_allclose(out.units[:, 0, 0], [20, 10])


def test_scarce_supply_goes_pro_rata():
    product = Channel("x", units=6, h100e=1.0, price=10)
    channels, rules = setup(product)
    out = clear(channels, rules, [10, 20])
    np.testing.assert_allclose(out.got[:, 0, 0], [2, 4])


def test_an_approved_quantity_caps_a_product_that_needs_approval():
    product = Channel("x", units=100, h100e=2.0, price=10, approval=True)
    channels, rules = setup(product)
    out = clear(channels, rules, [10, 10])
    assert out.got.sum() == 0  # no approval: queued
    account = Stock((1, 1), level_axis=0)
    account.put(np.array([[3.0]]))
    rules.accounts[0][0] = account
    out = clear(channels, rules, [10, 10])
    np.testing.assert_allclose(out.got[:, 0, 0], [6, 0])  # 3 units x 2 H100e
    assert account.level.item() == 0.0


def test_a_bundle_caps_imports_at_domestic_orders_over_the_ratio():
    product = Channel("x", units=100, h100e=1.0, price=10)
    channels, rules = setup(product)
    rules.set_row(rules.bundle, 0, 0, 2.0)  # two domestic chips per imported chip
    out = clear(channels, rules, [10, 10], domestic_units=[8, 0])
    np.testing.assert_allclose(out.got[:, 0, 0], [4, 10])


def test_chips_bought_ahead_are_kept_apart_from_those_meeting_need():
    product = Channel("x", units=100, h100e=1.0, price=10)
    channels, rules = setup(product)
    rules.set_row(rules.rush, 0, 0, 0.5)  # half the window's stockpile a month
    need = np.array([4.0, 4.0])[:, None, None]
    ahead = np.array([12.0, 0.0])[:, None, None]
    out = clear_imports(channels, rules, need, (ahead, np.zeros_like(need)))
    np.testing.assert_allclose(out.got[:, 0, 0], [4, 4])
    np.testing.assert_allclose(out.rushed[:, 0, 0], [6, 0])
    np.testing.assert_allclose(out.h100e[:, 0, 0], [10, 4])


def test_buying_ahead_is_held_back_by_guidance_like_the_need_itself():
    product = Channel("x", units=100, h100e=1.0, price=10)
    channels, rules = setup(product)
    rules.set_row(rules.rush, 0, 0, 0.5)
    rules.set_row(rules.guidance, 0, 0, 0.5)  # segment 0 told to buy half as much
    need = np.array([4.0, 4.0])[:, None, None]
    ahead = np.array([12.0, 0.0])[:, None, None]
    out = clear_imports(channels, rules, need, (ahead, np.zeros_like(need)))
    np.testing.assert_allclose(out.got[:, 0, 0], [2, 4])  # 4 x 0.5
    np.testing.assert_allclose(out.rushed[:, 0, 0], [3, 0])  # 12 x 0.5 rush x 0.5 guidance


def test_what_several_products_deliver_is_need_met_plus_bought_ahead():
    """Conservation across products: H100e delivered = need met + stock bought ahead."""
    first = Channel("a", units=5, h100e=1.0, price=10)
    second = Channel("b", units=100, h100e=1.0, price=20)
    channels, rules = setup(first, second)
    rules.set_row(rules.rush, 0, 0, 0.5)
    rules.set_row(rules.rush, 1, 0, 0.5)
    need = np.array([4.0, 4.0])[:, None, None]
    ahead = np.array([12.0, 0.0])[:, None, None]
    out = clear_imports(channels, rules, need, (ahead, np.zeros_like(need)))
    assert out.by_product["a"][0, 0] > 0 and out.by_product["b"][0, 0] > 0
    assert out.rushed[0, 0, 0] > 0
    delivered = out.by_product["a"] + out.by_product["b"]  # units of 1 H100e each
    np.testing.assert_allclose((out.got + out.rushed).sum(axis=0), delivered)


def test_grey_channels_are_told_the_unmet_share_of_national_need_after_clearing():
    licensed = Channel("x", units=10, h100e=1.0, price=10)
    smuggled = Channel("grey", units=2, h100e=1.0, price=1, grey=True)
    channels, rules = setup(licensed, smuggled)
    clear(channels, rules, [8, 12])
    # need 20 H100e; 10 licensed and 2 smuggled met: 8 of 20 unmet
    np.testing.assert_allclose(smuggled.scarcity, [[0.4]])
    clear(channels, rules, [0, 0])  # no need at all: no scarcity
    np.testing.assert_allclose(smuggled.scarcity, [[0.0]])


def test_sums_start_from_zero_so_none_is_minus_zero_and_h100e_is_got_plus_rushed():
    """A running sum starts at 0.0: -0.0 terms leave +0.0, as adding to zeros would."""
    product = Channel("x", units=0.0, h100e=1.0, price=10)
    other = Channel("y", units=100, h100e=1.0, price=20)
    channels, rules = setup(product, other)
    need = np.array([-0.0, 4.0])[:, None, None]
    out = clear_imports(channels, rules, need, (np.zeros_like(need), np.zeros_like(need)))
    for values in (out.got, out.rushed, out.units, out.usd, out.kw):
        assert not np.signbit(values).any()
    assert not out.rushing
    assert (out.h100e.view(np.int64) == (out.got + out.rushed).view(np.int64)).all()
    np.testing.assert_array_equal(out.got[:, 0, 0], [0.0, 4.0])
