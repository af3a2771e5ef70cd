"""sim.model.ledger: running sums equal month-by-month sums; installed = initial + deliveries."""

from __future__ import annotations

import numpy as np

from sim.model.ledger import Flows, Ledger, accumulate
from sim.model.state import LevelRows


def flows(h100e: list[float], per: float, kw: float, usd: float = 0.0) -> Flows:
    rows = np.array(h100e, dtype=float)[:, None, None]
    return Flows(rows, rows * per, rows * usd, rows * kw)


def test_the_installed_base_is_the_initial_base_plus_every_delivery():
    initial = {"domestic": np.array([[100.0], [50.0]]), "import": np.array([[10.0], [0.0]])}
    ledger = Ledger(initial, LevelRows(1, None))
    for _ in range(3):
        ledger.add_deliveries(
            flows([2.0, 4.0], per=1.0, kw=0.1), flows([1.0, 0.0], per=2.0, kw=0.2)
        )
    np.testing.assert_allclose(ledger.installed["domestic"][:, 0, 0], [100 + 3 * 2, 50])
    np.testing.assert_allclose(ledger.installed["import"][:, 0, 0], [10 + 3 * 2, 12])
    year = ledger.take_year()
    np.testing.assert_allclose(year["domestic_units"][:, 0, 0], [6.0, 0.0])
    np.testing.assert_allclose(year["power_kw"][:, 0, 0], [3 * (0.2 + 0.2), 3 * 0.4])
    assert ledger.take_year() == {}


def test_a_month_shares_domestic_over_everything_delivered():
    ledger = Ledger({"domestic": np.zeros((1, 1)), "import": np.zeros((1, 1))}, LevelRows(1, None))
    mix = ledger.add_deliveries(flows([3.0], per=1.0, kw=1.0), flows([1.0], per=2.0, kw=1.0))
    np.testing.assert_allclose(mix[:, 0, 0], [0.5, 1.0])  # H100e per unit: domestic, imported
    shares = ledger.take_shares()
    assert shares["domestic_share_units"].item() == 0.4
    assert shares["domestic_share_compute"].item() == 0.25


def test_a_one_row_sum_grows_to_every_level_when_the_flows_part():
    sums: dict = {}
    accumulate(sums, "x", np.ones((1, 2)))
    accumulate(sums, "x", np.array([[1.0, 1.0], [2.0, 2.0]]))
    np.testing.assert_array_equal(sums["x"], [[2.0, 2.0], [3.0, 3.0]])


def test_a_month_keeps_usd_per_h100e_of_each_pool_like_h100e_per_unit():
    ledger = Ledger({"domestic": np.zeros((1, 1)), "import": np.zeros((1, 1))}, LevelRows(1, None))
    ledger.add_deliveries(
        flows([3.0], per=1.0, kw=1.0, usd=20.0),  # imports: 20 USD/H100e
        flows([1.0], per=2.0, kw=1.0, usd=60.0),
    )  # domestic: 60 USD/H100e
    np.testing.assert_allclose(ledger.prices[:, 0, 0], [60.0, 20.0])
    ledger.add_deliveries(flows([3.0], per=1.0, kw=1.0), flows([0.0], per=1.0, kw=1.0))
    assert np.isnan(ledger.prices[0, 0, 0])  # no domestic chips: the market keeps the last


def test_unmet_orders_split_into_offshore_and_abandoned_and_late_orders_are_summed():
    ledger = Ledger({"domestic": np.zeros((2, 1)), "import": np.zeros((2, 1))}, LevelRows(1, None))
    for _ in range(2):
        ledger.add_unmet(
            np.array([[[10.0]], [[4.0]]]),
            np.array([[[6.0]], [[0.0]]]),
            np.array([[[1.0]], [[2.0]]]),
        )
    year = ledger.take_year()
    np.testing.assert_allclose(year["unmet_h100e"][:, 0, 0], [20.0, 8.0])
    np.testing.assert_allclose(year["offshore_h100e"][:, 0, 0], [12.0, 0.0])
    np.testing.assert_allclose(year["abandoned_h100e"][:, 0, 0], [8.0, 8.0])
    np.testing.assert_allclose(year["late_h100e"][:, 0, 0], [2.0, 4.0])
    quarter = ledger.take_quarter()
    assert quarter["unmet_demand_compute"].item() == 28.0
    assert quarter["offshore_compute"].item() + quarter["abandoned_demand_compute"].item() == 28.0
    ledger.add_unmet(np.array([[[3.0]], [[1.0]]]))  # by default nothing goes offshore
    assert ledger.take_year()["abandoned_h100e"].sum() == 4.0
