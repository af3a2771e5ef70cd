"""sim.model.recorder: which rows each period emits, filters, and per-replication values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.core.metrics import names
from sim.model.model import Model, ModelOptions
from sim.model.recorder import ANNUAL, RecordOptions, RowFilter, narrow
from sim.scenario import load

TINY = load(Path(__file__).with_name("tiny.toml"))


def test_each_period_emits_its_registered_metrics_for_its_regions():
    result = Model(TINY, 2, levels=["announced"]).run()
    periods = {}
    for r in result.rows:
        periods.setdefault(r.period, []).append((r.metric, r.region))
    assert [m for m, _ in periods["2025-03"]] == list(names("month", "national"))
    quarter = [m for m, _ in periods["2025Q1"]]
    national = list(names("quarter", "national"))
    assert quarter[: len(national)] == national
    assert quarter[len(national) :] == ["vendor_units.v", "import_units.x", "vendor_revenue.v"]
    year = periods["2025"]
    assert {(m, g) for m, g in year if m in ANNUAL} == {
        (m, g) for m in ANNUAL for g in ("national", "city", "private")
    }
    assert [(m, g) for m, g in year if m not in ANNUAL] == [
        ("quota_target", "city"),
        ("quota_compliance", "city"),
    ]


def test_a_row_filter_keeps_only_the_rows_asked_for():
    keep = RowFilter(
        frozenset(["domestic_share_units"]), frozenset(["national"]), frozenset(["2025"])
    )
    result = Model(TINY, 2, options=ModelOptions(record=RecordOptions(rows=keep))).run()
    assert {(r.metric, r.region, r.period) for r in result.rows} == {
        ("domestic_share_units", "national", "2025")
    }
    assert len(result.rows) == 2  # one per level


def test_per_replication_values_are_kept_for_every_annual_metric():
    result = Model(
        TINY, 3, options=ModelOptions(record=RecordOptions(keep=("vendor_units.v",), narrow=True))
    ).run()
    assert set(result.replicates) == set(ANNUAL)
    assert result.replicates["domestic_units"].shape == (2, 3, 1)
    assert result.replicates["domestic_units"].dtype == np.float32
    # nothing is delivered in January: the first chips are started then (lead 1 month)
    np.testing.assert_array_equal(result.kept["vendor_units.v"][0], [[80.0, 120, 120, 120]] * 3)
    assert result.quarters == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]


def test_narrowing_keeps_float64_when_a_value_would_overflow_float32():
    assert narrow(np.array([1.0, 2.0])).dtype == np.float32
    assert narrow(np.array([1e39])).dtype == np.float64
    assert narrow(np.array([np.inf, 1.0])).dtype == np.float32


def test_vendor_revenue_is_units_times_price_and_wafer_starts_the_quarters_mean_month():
    price = [1000.0, 2500.0, 0.0]
    pinned = {"vendors.v.products.p.price_usd": np.array(price)}
    result = Model(
        TINY,
        3,
        options=ModelOptions(
            pinned=pinned,
            record=RecordOptions(keep=("vendor_units.v", "vendor_revenue.v", "wafer_starts")),
        ),
    ).run()
    units = np.array([80.0, 120, 120, 120])  # by quarter, every replication (test above)
    np.testing.assert_allclose(result.kept["vendor_revenue.v"][0], [units * p for p in price])
    # one foundry of 10 wafers a month, all of them counted (its AI share is 1 anyway)
    np.testing.assert_allclose(result.kept["wafer_starts"][0], np.full((3, 4), 10.0))


def test_unmet_is_offshore_plus_abandoned_and_deferred_is_what_waits_at_the_period_end():
    model = Model(TINY, 3, levels=["announced"])
    result = model.run()
    rep = result.replicates
    np.testing.assert_allclose(
        rep["unmet_demand_compute"], rep["offshore_compute"] + rep["abandoned_demand_compute"]
    )
    waiting = sum(s.backlog.total() for s in model.segments)  # at the run's (the year's) end
    np.testing.assert_allclose(rep["deferred_demand_compute"][..., -1], waiting)
    rows = {(r.metric, r.region, r.period): r.stats for r in result.rows}
    assert rows[("deferred_demand_compute", "national", "2025Q4")][0] == pytest.approx(
        rows[("deferred_demand_compute", "national", "2025")][0]
    )
    # tiny: the city waits a month (backlog 1) for what it did not get, so some is served late
    assert rows[("served_late_compute", "national", "2025")][0] > 0.0
