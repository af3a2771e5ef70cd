"""sim.model.model: a hand-checkable world, end to end, and what the Model owns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model.model import Model
from sim.scenario import load

TINY = Path(__file__).with_name("tiny.toml")


@pytest.fixture(scope="module")
def tiny():
    return load(TINY)


def rows_of(result, quota="announced"):
    return {(r.metric, r.region, r.period): r.stats for r in result.rows if r.quota == quota}


def test_a_month_of_the_tiny_world_clears_as_worked_out_by_hand(tiny):
    # Each month: city wants 25 H100e at home (quota 0.5 of 50) and 25 imported; private
    # wants 50 imported. 60 import units = 30 H100e go pro rata (0.4): city 10, private 20.
    # City redirects its missing 15 home (substitution 1); private loses 30. 50 domestic
    # chips meet city's 40; 10 stay in stock.
    rows = rows_of(Model(tiny, 4).run())
    assert rows[("domestic_units", "national", "2025-01"[:4])][3] == 12 * 40
    assert rows[("imports_units", "national", "2025")][3] == 12 * 60
    np.testing.assert_allclose(rows[("domestic_share_units", "national", "2025")], 0.4)
    np.testing.assert_allclose(rows[("domestic_share_compute", "national", "2025-01")],
                               40 / 70)
    np.testing.assert_allclose(rows[("unmet_demand_compute", "private", "2025")], 360)
    np.testing.assert_allclose(rows[("domestic_share_compute", "city", "2025")], 0.8)
    assert rows[("quota_compliance", "city", "2025")][0] == 1.0
    np.testing.assert_allclose(rows[("power_mw", "national", "2025")], 12 * 70 / 1000)
    assert ("quota_compliance", "private", "2025") not in rows


def test_the_full_quota_moves_city_orders_home_from_the_lever_on(tiny):
    result = Model(tiny, 4).run()
    announced, full = rows_of(result), rows_of(result, "1.0")
    for month in ("2025-01", "2025-06"):  # before the lever the levels agree
        key = ("domestic_share_units", "national", month)
        np.testing.assert_array_equal(announced[key], full[key])
    key = ("domestic_share_compute", "city", "2025")
    assert full[key][3] > announced[key][3]


def test_the_model_conserves_chips_and_owns_its_actors(tiny):
    model = Model(tiny, 4)
    result = model.run()
    c = result.conservation
    np.testing.assert_allclose(c["produced"], c["delivered"] + c["stock"])
    np.testing.assert_allclose(c["produced"], 12 * 50)
    assert [s.name for s in model.segments] == ["city", "private"]
    assert model.recorder.rows is result.rows
    assert model.env.now == 12  # the run ends when the last month (time 11 to 12) ends
