"""Numeric safety: extreme but valid inputs give finite, sensible outputs.

Conventions checked (docs/outputs.md): a statistic is a finite number, or an
empty cell in summary.csv when it is undefined - a share of nothing (nothing
delivered, no installed base) or the compliance of a segment that received
nothing. Quantities (units, H100e, MW, targets) are never undefined.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hardening_support import baseline_raw, check_finite_outputs, trimmed, write_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.interfaces.runner import RunOptions, execute
from sim.model.ensemble import simulate
from sim.results.summary import read_summary
from sim.scenario import load

pytestmark = pytest.mark.slow  # measured: see the README's Tests section


def zero_capacity(raw: dict) -> None:
    """No domestic chips at all: no wafers, no fabs, no banked dies."""
    for foundry in raw["foundries"].values():
        foundry["capacity"] = {year: 0 for year in foundry["capacity"]}
        foundry["fabs"] = {}
    for vendor in raw["vendors"].values():
        vendor["banked_dies"] = 0


def zero_imports(raw: dict) -> None:
    """No foreign chips at all, and nothing installed before the run."""
    for section in ("imports", "grey_market"):
        for product in raw[section].values():
            product["units_per_month"] = {y: 0 for y in product["units_per_month"]}
            product["stockpile_units"] = 0
    raw["demand"]["initial_domestic_installed"] = 0
    raw["demand"]["initial_import_installed"] = 0


def perfect_yield(raw: dict) -> None:
    """Every product at yield exactly 1 from the start."""
    for vendor in raw["vendors"].values():
        for product in vendor["products"].values():
            product["yield_curve"]["start"] = 1.0
            product["yield_curve"]["ceiling"] = 1.0


def tiny_demand(raw: dict) -> None:
    """National demand (the budget) at the smallest allowed value."""
    raw["demand"]["budget_usd"] = 1e-12


def one_segment_without_demand(raw: dict) -> None:
    """Beijing demands nothing: its shares are undefined, its quantities zero."""
    raw["segments"]["beijing"]["demand_share"] = 0.0


def quota_first(raw: dict) -> None:
    """The other allocation rule."""
    raw["run"]["allocation"] = "quota_first"


SWITCHES = {
    f.__name__: f
    for f in (
        zero_capacity,
        zero_imports,
        perfect_yield,
        tiny_demand,
        one_segment_without_demand,
        quota_first,
    )
}
CALENDARS = [
    ("2023-01", "2027-12"),
    ("2025-06", "2025-06"),
    ("2027-12", "2027-12"),
    ("2024-01", "2024-12"),
]


def run_extreme(tmp_path, switches, calendar, reps, levels):
    raw = baseline_raw()
    for name in switches:
        SWITCHES[name](raw)
    raw = trimmed(raw, *calendar)
    path = write_scenario(tmp_path / "extreme.toml", raw)
    return execute(
        path,
        RunOptions(replications=reps, seed=7, levels=levels, out_dir=tmp_path / "out", force=True),
    )


def check_sensible(done) -> None:
    """Finite outputs; shares in [0, 1]; conservation holds; undefined only where allowed."""
    check_finite_outputs(done.out_dir)
    rows = read_summary(done.out_dir / "summary.csv")
    for row in rows:
        stats = [row[n] for n in ("mean", "p05", "p25", "p50", "p75", "p95")]
        defined = [x for x in stats if not math.isnan(x)]
        if row["metric"].startswith("level_effect"):  # differences from announced: any sign
            assert defined, row
        elif row["metric"].startswith(("domestic_share", "quota_", "binding_share")):
            assert all(-1e-12 <= x <= 1 + 1e-12 for x in defined), row
        else:
            assert all(x >= -1e-9 * max(1.0, abs(x)) for x in defined), row
        if defined and len(defined) == 6:  # quantiles ordered
            assert defined[1] <= defined[2] <= defined[3] <= defined[4] <= defined[5], row
    cons = done.result.conservation
    np.testing.assert_allclose(
        cons["started"],
        cons["in_progress"] + cons["stock"] + cons["delivered"],
        rtol=1e-9,
        atol=1e-6,
    )


@pytest.mark.parametrize("calendar", CALENDARS, ids=lambda c: f"{c[0]}..{c[1]}")
@pytest.mark.parametrize("switch", sorted(SWITCHES))
def test_each_extreme_on_each_calendar(tmp_path, switch, calendar):
    done = run_extreme(tmp_path, [switch], calendar, 20, ["announced", "0.0", "1.0"])
    check_sensible(done)


def test_nothing_delivered_is_undefined_not_zero(tmp_path):
    """No chips at all: shares are empty cells (undefined), quantities are 0."""
    done = run_extreme(
        tmp_path, ["zero_capacity", "zero_imports"], CALENDARS[0], 10, ["announced", "1.0"]
    )
    check_sensible(done)
    rows = read_summary(done.out_dir / "summary.csv")
    shares = [r for r in rows if r["metric"].startswith("domestic_share")]
    assert shares and all(math.isnan(r["p50"]) and math.isnan(r["mean"]) for r in shares)
    compliance = [r for r in rows if r["metric"] == "quota_compliance"]
    assert compliance and all(math.isnan(r["mean"]) for r in compliance)
    for metric in ("domestic_units", "imports_units", "delivered_compute", "power_mw"):
        found = [r for r in rows if r["metric"] == metric]
        assert found and all(r["mean"] == 0 and r["p95"] == 0 for r in found), metric
    demand = [r for r in rows if r["metric"] == "demand_compute" and r["region"] == "national"]
    assert all(r["p50"] > 0 for r in demand)
    text = (done.out_dir / "summary.csv").read_text()
    assert "nan" not in text.lower() and "inf" not in text.lower()


def test_no_domestic_capacity_gives_a_defined_zero_share(tmp_path):
    """Imports still flow: the domestic share is 0, a defined number, not empty."""
    done = run_extreme(tmp_path, ["zero_capacity"], ("2023-01", "2023-12"), 10, ["announced"])
    rows = read_summary(done.out_dir / "summary.csv")
    annual = [
        r
        for r in rows
        if r["metric"] == "domestic_share_units"
        and r["period"] == "2023"
        and r["region"] == "national"
    ]
    # Beijing etc. are bound by quotas but no domestic chip exists: every chip is imported.
    assert annual and all(r["p95"] == 0 and r["mean"] == 0 for r in annual)


def test_segment_without_demand_has_undefined_shares_only(tmp_path):
    done = run_extreme(tmp_path, ["one_segment_without_demand"], CALENDARS[0], 10, ["1.0"])
    rows = [r for r in read_summary(done.out_dir / "summary.csv") if r["region"] == "beijing"]
    for r in rows:
        if r["metric"] in ("domestic_share_units", "domestic_share_compute"):
            assert math.isnan(r["mean"]), r
        elif r["metric"] in ("demand_compute", "delivered_compute", "domestic_units"):
            assert r["mean"] == 0, r


def test_single_replication_quantiles_equal_the_value(tmp_path):
    done = run_extreme(tmp_path, [], CALENDARS[0], 1, ["announced", "0.0"])
    check_sensible(done)
    for row in read_summary(done.out_dir / "summary.csv"):
        stats = [row[n] for n in ("mean", "p05", "p25", "p50", "p75", "p95")]
        if not math.isnan(stats[0]):
            assert max(stats) - min(stats) <= 1e-9 * max(1.0, abs(stats[0])), row


@pytest.mark.slow
@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(
    st.sets(st.sampled_from(sorted(SWITCHES))),
    st.sampled_from(CALENDARS),
    st.integers(1, 12),
    st.lists(
        st.sampled_from(["announced", "0.0", "0.3", "1.0"]), min_size=1, max_size=3, unique=True
    ),
)
def test_random_extreme_combinations(tmp_path_factory, switches, calendar, reps, levels):
    done = run_extreme(tmp_path_factory.mktemp("x"), sorted(switches), calendar, reps, levels)
    check_sensible(done)


def test_one_month_calendar_loads_with_every_metric(tmp_path):
    raw = trimmed(baseline_raw(), "2025-06", "2025-06")
    scenario = load(write_scenario(tmp_path / "m.toml", raw))
    result = simulate(scenario, 5, 1, ["announced"])
    periods = {row[3] for row in result.rows}
    assert periods == {"2025", "2025-06", "2025Q2"}
