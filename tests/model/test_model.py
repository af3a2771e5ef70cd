"""sim.model.model: a hand-checkable world, end to end, and what the Model owns."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sim.model.model import Model, ModelOptions
from sim.model.recorder import RecordOptions
from sim.scenario import load
from sim.scenario.dist import Dist
from sim.scenario.schema import ImportProduct

TINY = Path(__file__).with_name("tiny.toml")


@pytest.fixture(scope="module")
def tiny():
    return load(TINY)


def rows_of(result, quota="announced"):
    return {(r.metric, r.region, r.period): r.stats for r in result.rows if r.quota == quota}


def test_the_tiny_world_clears_as_worked_out_by_hand(tiny):
    # Each month: city wants 25 H100e at home (quota 0.5 of 50) and 25 imported; private
    # wants 50 imported. 60 import units = 30 H100e go pro rata (0.4): city 10, private 20.
    # City redirects its missing 15 home (substitution 1); private loses 30. The vendor
    # builds to order (lead 1 month; 50 a month could be made). The run starts mid-stream:
    # December's work, for January's 25 wanted before redirection, lands in January; the
    # other 15 of January's 40 are started then and land in February; from February on
    # each month's 40 are started and land the next month.
    rows = rows_of(Model(tiny, 4).run())
    assert rows[("domestic_units", "national", "2025")][3] == 25 + 15 + 10 * 40
    assert rows[("imports_units", "national", "2025")][3] == 12 * 60
    np.testing.assert_allclose(rows[("domestic_share_units", "national", "2025-01")], 25 / 85)
    np.testing.assert_allclose(rows[("domestic_share_units", "national", "2025-02")], 15 / 75)
    np.testing.assert_allclose(rows[("domestic_share_units", "national", "2025")], 440 / 1160)
    np.testing.assert_allclose(rows[("domestic_share_compute", "national", "2025-03")], 40 / 70)
    np.testing.assert_allclose(rows[("unmet_demand_compute", "private", "2025")], 360)
    np.testing.assert_allclose(rows[("unmet_demand_compute", "city", "2025")], 0, atol=1e-9)
    np.testing.assert_allclose(rows[("domestic_share_compute", "city", "2025")], 440 / 560)
    assert rows[("quota_compliance", "city", "2025")][0] == 1.0
    np.testing.assert_allclose(rows[("power_mw", "national", "2025")], (720 * 0.5 + 440) / 1e3)
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
    np.testing.assert_allclose(c["started"], c["in_progress"] + c["stock"] + c["delivered"])
    np.testing.assert_allclose(c["delivered"][0], 440)
    np.testing.assert_allclose(c["started"][0], 25 + 440 + 15)  # the warm start, then Jan-Dec
    assert [s.name for s in model.segments] == ["city", "private"]
    assert model.recorder.rows is result.rows
    assert model.env.now == 12  # the run ends when the last month (time 11 to 12) ends


def baseline_under(memory_rule: str, replications: int = 20):
    """Run the baseline, at the announced quotas, under the HBM rule ``memory_rule``."""
    scenario = load(Path(__file__).parents[2] / "scenarios" / "baseline.toml")
    scenario = dataclasses.replace(
        scenario, memory=dataclasses.replace(scenario.memory, allocation=memory_rule)
    )
    return Model(scenario, replications, levels=["announced"]).run()


def test_the_memory_rule_changes_what_shared_pools_make_and_chips_stay_conserved():
    results = {rule: baseline_under(rule) for rule in ("value_first", "pro_rata")}
    for result in results.values():
        c = result.conservation
        np.testing.assert_allclose(c["started"], c["in_progress"] + c["stock"] + c["delivered"])
    first, pro = (results[r].replicates["domestic_units"] for r in ("value_first", "pro_rata"))
    years = results["pro_rata"].years
    before = [i for i, y in enumerate(years) if y < 2025]  # HBM controls bite from 2025-01
    np.testing.assert_array_equal(first[..., before], pro[..., before])
    assert not np.array_equal(first, pro)  # Huawei's products share their pools


def with_grey(tiny, **terms):
    """The tiny world plus a grey channel of 5 H100e-chips a month (and ``terms``)."""
    grey = ImportProduct(
        units_per_month={"2025": Dist.fixed(5)},
        h100e=Dist.fixed(1.0),
        power_kw=Dist.fixed(1.0),
        **terms,
    )
    return dataclasses.replace(tiny, grey_market={"g": grey})


def kept_grey(scenario):
    options = ModelOptions(record=RecordOptions(keep=("import_units.g", "imports_units")))
    return Model(scenario, 2, options=options).run()


def test_a_grey_market_without_response_or_cap_gives_exactly_the_fixed_flow(tiny):
    plain = kept_grey(with_grey(tiny))
    inert = kept_grey(
        with_grey(
            tiny, scarcity_response=Dist.fixed(0.0), enforcement_cap={"2025": Dist.fixed(1e15)}
        )
    )
    for metric in plain.kept:
        np.testing.assert_array_equal(plain.kept[metric], inert.kept[metric])
    np.testing.assert_array_equal(plain.kept["import_units.g"][0], np.full((2, 4), 15.0))


def test_grey_supply_follows_last_months_unmet_share_within_its_cap(tiny):
    got = kept_grey(
        with_grey(
            tiny, scarcity_response=Dist.fixed(1.0), enforcement_cap={"2025": Dist.fixed(7.5)}
        )
    )
    # 75 H100e of import need a month, 30 met by the licensed product: with g smuggled
    # the unmet share is (45 - g) / 75, and next month offers min(5 (1 + share), 7.5)
    grey, months = 5.0, []
    for _ in range(12):
        months.append(grey)
        grey = min(5.0 * (1.0 + (45.0 - grey) / 75.0), 7.5)
    expected = np.array(months).reshape(4, 3).sum(axis=1)
    np.testing.assert_allclose(got.kept["import_units.g"][0], np.tile(expected, (2, 1)))
    assert max(months) <= 7.5


def test_the_run_stops_at_the_calendar_s_end_with_orders_still_waiting():
    # nothing due after the last month happens: orders keep the batches they held at the
    # end of 2027-12, not merged by timeouts that would fire in 2028 and later
    baseline = load(Path(__file__).parents[2] / "scenarios" / "baseline.toml")
    model = Model(baseline, 4, seed=1)
    model.run()
    assert model.env.now == model.cal.months
    waiting = model.segments[0].backlog
    assert waiting.months > 1 and len(waiting.open) == waiting.months  # filed in its last months
