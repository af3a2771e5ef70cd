"""Model laws over random scenarios, under common random numbers (hypothesis).

Random scenarios start from the baseline: some uncertain parameters pinned
anywhere in their declared ranges, national demand and segment demand shares
rescaled, events dropped, the other allocation rule, shorter calendars.
Every comparison is per replication (same seed: common random numbers).
Tolerances are floating-point rounding only (relative 1e-9).

What the model guarantees, and what it does not:

* Conservation: for every vendor summed, level and replication, chips
  started = chips in progress + finished stock + delivered (nothing is
  scrapped), and every stock's level = added - taken.
* Shares (units, compute, value, installed) lie in [0, 1] wherever defined.
* Quota level (q1 < q2) where imports are limited by demand alone (ample
  supply, no rule against any buyer) and demand given in H100e: a higher
  level never raises cumulative imported compute and never lowers the
  domestic share of the installed base. (With a budget, demand in H100e
  follows prices, and a higher level whose import mix turns cheaper per
  H100e can buy more abroad with the same money, so the law is stated for
  demand in H100e.)
  Where imports are limited by supply or rules, a higher quota moves imports
  from quota-bound buyers to others and can leave every national total as it
  was; nothing is asserted then.
* Import embargo (every import and grey-market flow, stock and enforcement
  cap scaled by k < 1), with quotas counted in compute and demand in H100e:
  cumulative imported compute never rises. Units may (a lost H200 can be
  replaced by several smaller chips), and a quota counted in chips asks for
  more compute abroad when fewer big imported chips arrive, so neither is
  asserted.
* A product that is never launched changes nothing.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hardening_support import BASELINE, baseline_raw, trimmed, write_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.metrics import REGISTRY
from sim.model.ensemble import simulate
from sim.scenario import load
from sim.scenario.tree import uncertain

LEVELS = ["0.0", "0.5", "0.7", "0.9", "1.0"]  # ascending
UNCERTAIN = [p for p in uncertain(load(BASELINE)) if not p.value.is_date]
LAWS = settings(max_examples=40, deadline=None, derandomize=True, database=None)


def set_path(raw: dict, path: str, value) -> None:
    keys = path.split(".")
    node = raw
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value


@st.composite
def scenarios(draw) -> dict:
    """A random valid scenario tree around the baseline."""
    raw = baseline_raw()
    pinned = st.lists(st.sampled_from(UNCERTAIN), max_size=10, unique_by=lambda p: p.path)
    for param in draw(pinned):
        u = draw(st.integers(0, 2**53 - 1)) / 2**53  # the uniforms numpy's Generator draws
        value = float(param.value.ppf(np.array([u]))[0])
        set_path(raw, param.path, {"value": value, "evidence": list(param.evidence)})
    # the budget's range: 20k-3M H100e at about USD 20k an H100e
    raw["demand"]["budget_usd"] = draw(st.floats(4e8, 6e10))
    for segment in raw["segments"].values():
        segment["demand_share"] = draw(st.floats(0, 1))
    if sum(s["demand_share"] for s in raw["segments"].values()) == 0:
        raw["segments"]["private"]["demand_share"] = 0.5
    for name in draw(st.sets(st.sampled_from(sorted(raw["events"])))):
        raw["events"][name]["enabled"] = False
    raw["run"]["allocation"] = draw(st.sampled_from(["pro_rata", "quota_first"]))
    raw["market"]["backlog_months"] = draw(st.integers(1, 12))
    start, end = draw(
        st.sampled_from([("2023-01", "2027-12"), ("2024-07", "2026-06"), ("2025-01", "2027-12")])
    )
    return trimmed(raw, start, end)


def run(tmp_path, raw: dict, reps: int = 25, seed: int = 11):
    path = write_scenario(tmp_path / "law.toml", raw)
    return simulate(load(path), reps, seed, LEVELS)


def cumulative(result, metric: str) -> np.ndarray:
    """National per-replication running total over years, (levels, R, years)."""
    return np.cumsum(result.replicates[metric], axis=2)


def assert_not_below(high: np.ndarray, low: np.ndarray, what: str) -> None:
    """``high >= low`` elementwise up to rounding (relative 1e-9)."""
    slack = 1e-9 * np.maximum(np.abs(high), np.abs(low)) + 1e-12
    bad = np.argwhere(~(high >= low - slack) & ~np.isnan(high) & ~np.isnan(low))
    assert bad.size == 0, (
        f"{what}: {len(bad)} cells, first {bad[0]}: {high[tuple(bad[0])]} < {low[tuple(bad[0])]}"
    )


def scale_supply(raw: dict, k: float) -> dict:
    """Every import and grey-market flow, stockpile and enforcement cap times ``k``."""
    raw = copy.deepcopy(raw)
    for section in ("imports", "grey_market"):
        for product in raw[section].values():
            for key in ("units_per_month", "enforcement_cap"):
                if key in product:
                    product[key] = {y: scaled(d, k) for y, d in product[key].items()}
            if "stockpile_units" in product:
                product["stockpile_units"] = scaled(product["stockpile_units"], k)
    return raw


def in_h100e(raw: dict) -> dict:
    """Demand given in H100e: what the budget buys at USD 21k an H100e (A45's mode).

    With a budget, demand in H100e follows prices, and a level or an embargo that
    turns the import mix cheaper per H100e can buy more abroad with the same money:
    the laws on imported compute are stated for demand in H100e.
    """
    demand = raw["demand"]
    if "budget_usd" in demand:
        demand["base"] = demand.pop("budget_usd") / 21_000
        demand.pop("initial_usd_per_h100e", None)
    return raw


def scaled(dist, k: float):
    """A parameter times ``k`` (draws scale exactly: same uniforms, CRN)."""
    if k == 0:  # a log-normal cannot have median 0: pin it
        return (
            {"value": 0.0, "evidence": dist.get("evidence", [])} if isinstance(dist, dict) else 0.0
        )
    if isinstance(dist, dict):
        return {
            a: v * k if a in ("value", "low", "mode", "high", "median") else v
            for a, v in dist.items()
        }
    return dist * k


def compute_quotas(raw: dict) -> dict:
    """Every quota counted in compute.

    A quota counted in chips is ordered as its compute share at last month's
    mix, so when fewer big imported chips arrive it asks for less compute at
    home and more abroad: then a tighter embargo can add imported compute.
    """
    raw = copy.deepcopy(raw)
    for segment in raw["segments"].values():
        if "quota" in segment:
            segment["quota"]["basis"] = "compute"
    return raw


@pytest.mark.slow
@LAWS
@given(scenarios())
def test_conservation_and_share_bounds(tmp_path_factory, raw):
    result = run(tmp_path_factory.mktemp("law"), raw)
    c = result.conservation
    np.testing.assert_allclose(
        c["started"], c["in_progress"] + c["stock"] + c["delivered"], rtol=1e-9, atol=1e-6
    )
    assert (c["stock"] >= -1e-6).all() and (c["delivered"] >= 0).all()
    shares = [m.name for m in REGISTRY if m.unit == "share" and m.name in result.replicates]
    assert len(shares) >= 4  # from the registry: a new share is held to [0, 1] too
    for metric in shares:
        values = result.replicates[metric]
        defined = values[~np.isnan(values)]
        assert ((defined >= 0) & (defined <= 1 + 1e-12)).all(), metric
    for quota, metric, region, period, stats in result.rows:
        if metric.startswith("level_effect"):
            continue  # differences: any sign
        if metric.startswith(("domestic_share", "quota_", "binding_share")):
            defined = stats[~np.isnan(stats)]
            assert ((defined >= 0) & (defined <= 1 + 1e-12)).all(), (quota, metric, region)
        else:
            assert not np.isnan(stats).any() and (stats >= -1e-6).all(), (metric, region, period)


def demand_limited(raw: dict) -> dict:
    """Imports limited by demand alone: every supply ample, no rule against any buyer.

    Demand is given in H100e (:func:`in_h100e`).
    """
    raw = in_h100e(scale_supply(raw, 1000.0))
    for event in raw["events"].values():
        event["enabled"] = False
    for product in raw["imports"].values():
        product.update(licence=1.0, guidance=1.0, approval=False)
    return raw


def compute_of(result, kind: str) -> np.ndarray:
    """Cumulative national compute delivered, imported or domestic, (levels, R, years)."""
    delivered = result.replicates["delivered_compute"]
    domestic = delivered * np.nan_to_num(result.replicates["domestic_share_compute"])
    return np.cumsum(domestic if kind == "domestic" else delivered - domestic, axis=2)


@pytest.mark.slow
@LAWS
@given(scenarios())
def test_where_imports_are_demand_limited_a_higher_quota_never_adds_imports(tmp_path_factory, raw):
    result = run(tmp_path_factory.mktemp("law"), demand_limited(raw))
    imported = compute_of(result, "import")
    installed = result.replicates["domestic_share_installed"]
    for lo, hi in zip(range(len(LEVELS) - 1), range(1, len(LEVELS)), strict=True):
        pair = f"{LEVELS[lo]} -> {LEVELS[hi]}"
        assert_not_below(imported[lo], imported[hi], f"cumulative imported compute, {pair}")
        assert_not_below(installed[hi], installed[lo], f"installed-base share, {pair}")


@pytest.mark.slow
@LAWS
@given(scenarios(), st.floats(0, 0.95))
def test_tighter_embargo_never_adds_imported_compute(tmp_path_factory, raw, k):
    tmp = tmp_path_factory.mktemp("law")
    raw = in_h100e(compute_quotas(raw))
    open_, tight = run(tmp, raw), run(tmp, scale_supply(raw, k))
    assert_not_below(
        compute_of(open_, "import"), compute_of(tight, "import"), "cumulative imported compute"
    )


@pytest.mark.slow
@LAWS
@given(scenarios())
def test_a_product_never_launched_changes_nothing(tmp_path_factory, raw):
    tmp = tmp_path_factory.mktemp("law")
    base = run(tmp, raw)
    extra = copy.deepcopy(raw)
    vendor = next(iter(extra["vendors"].values()))
    product = copy.deepcopy(next(iter(vendor["products"].values())))
    product["available_from"] = extra["calendar"]["end"]  # launched in the last month at most
    product.pop("retired_from", None)
    product["mix"] = 1e-9  # and then takes no wafers to speak of
    vendor["products"]["never"] = product
    more = run(tmp, extra)
    end = len(base.years) - 1
    for metric, values in base.replicates.items():
        np.testing.assert_allclose(
            more.replicates[metric][..., :end],
            values[..., :end],
            rtol=1e-9,
            atol=1e-9,
            err_msg=metric,
        )
