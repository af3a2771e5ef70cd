"""Laws of the core model that hold in every replication (issue 2, section 8).

Each test runs small ensembles of the baseline or of variants built with
``load(BASELINE, overrides)``; hypothesis varies the seed and the regime
(demand level, allocation rule, backlog length, dates) so the laws are checked
in shortage and in surplus, not just at the defaults.
"""

from __future__ import annotations

import numpy as np
import pytest
from chipsim_testing import BASELINE, MODEL, SEED, observe, scaled
from hypothesis import given
from hypothesis import strategies as st

from sim.core.calendar import format_month, parse_month
from sim.core.metrics import REGISTRY
from sim.model.ensemble import simulate
from sim.scenario import load

R = 60
YEARS = ["2023", "2024", "2025", "2026", "2027"]
LEVELS = ["announced", "0.5", "0.7", "0.9", "1.0"]
# from the registry, so a new metric is held to the laws of its kind
SHARES = tuple(m.name for m in REGISTRY if m.unit in ("share", "probability") and m.emitted)
ADDITIVE = tuple(  # flows every region emits yearly: the nation's is the sum of the segments'
    m.name for m in REGISTRY if m.kind == "flow" and not m.family and ("year", "all") in m.emitted
)

seeds = st.integers(0, 2**32 - 1)
regimes = st.fixed_dictionaries(
    {
        "demand": st.sampled_from([0.3, 1.0, 3.0]),  # scales national demand: surplus .. shortage
        "allocation": st.sampled_from(["pro_rata", "quota_first"]),
        "backlog": st.integers(1, 12),
    }
)


def in_h100e(baseline, factor: float) -> dict:
    """Demand given in H100e instead of the budget: what the budget buys at the first price."""
    demand = baseline.demand
    base = demand.budget_usd.central / demand.initial_usd_per_h100e.central * factor
    return {"base": {"value": base, "evidence": ["A42"]}}


def regime_scenario(baseline, regime: dict, extra: dict | None = None, h100e: bool = False):
    """The baseline under ``regime``, with ``extra`` raw overrides merged on top.

    ``h100e`` gives demand in H100e, the same every month of a year, in place of
    the budget (whose H100e follow prices month by month).
    """
    demand = (
        in_h100e(baseline, regime["demand"])
        if h100e
        else {"budget_usd": scaled(baseline.demand.budget_usd, regime["demand"])}
    )
    overrides = {
        "demand": demand,
        "run": {"allocation": regime["allocation"]},
        "market": {"backlog_months": regime["backlog"]},
    }
    for key, value in (extra or {}).items():
        overrides[key] = {**overrides.get(key, {}), **value}
    return load(BASELINE, overrides)


def close(a, b, scale) -> bool:
    """Equal up to float rounding of sums of numbers of size ``scale``."""
    return bool(np.all(np.abs(np.asarray(a) - np.asarray(b)) <= 1e-9 * (1.0 + scale)))


# ------------------------------------------------------------------ shares ----


def shares_in_unit_interval(run) -> int:
    """Check every defined share row's extremes lie in [0, 1]; return how many were checked."""
    checked = 0
    for metric in SHARES:
        for key, stats in run.select(metric):
            if not np.isnan(stats["min"]):
                assert 0.0 <= stats["min"] <= stats["max"] <= 1.0, key
                checked += 1
    return checked


@pytest.mark.slow
@MODEL
@given(seed=seeds, regime=regimes)
def test_shares_lie_in_unit_interval_in_every_replication(baseline, seed, regime):
    """Every share row (annual, monthly; national and per segment) stays in [0, 1]."""
    run = observe(regime_scenario(baseline, regime), R, seed)
    assert shares_in_unit_interval(run) > 1000
    kept = [metric for metric in SHARES if metric in run.result.replicates]
    assert len(kept) >= 4  # the delivered and installed shares, national, per replication
    for metric in kept:
        values = run.result.replicates[metric]
        defined = values[~np.isnan(values)]
        assert defined.size and defined.min() >= 0.0 and defined.max() <= 1.0


@pytest.mark.slow
@MODEL
@given(seed=seeds, regime=regimes)
def test_share_undefined_only_when_nothing_was_delivered(baseline, seed, regime):
    """A delivered-share is NaN exactly when the period delivered no chips at all."""
    result = simulate(regime_scenario(baseline, regime), R, seed)
    rep = result.replicates
    delivered = rep["domestic_units"] + rep["imports_units"]
    assert np.array_equal(np.isnan(rep["domestic_share_units"]), delivered == 0)
    share = np.where(delivered > 0, rep["domestic_share_units"], 0.0)
    assert close(share * delivered, rep["domestic_units"], delivered.max())


# ------------------------------------------------------- flows add up ----


@pytest.mark.slow
@MODEL
@given(seed=seeds, regime=regimes)
def test_national_flows_are_the_sum_of_segment_flows(baseline, seed, regime):
    """Additive metrics: the national mean equals the sum of the segment means."""
    run = observe(regime_scenario(baseline, regime), R, seed)
    for level in LEVELS:
        for metric in ADDITIVE:
            for year in YEARS:
                national = run.row(level, metric, year)["mean"]
                parts = sum(run.row(level, metric, year, s)["mean"] for s in baseline.segments)
                assert close(national, parts, abs(national)), (level, metric, year)


@pytest.mark.slow
@MODEL
@given(seed=seeds, regime=regimes)
def test_delivered_is_domestic_plus_imported(baseline, seed, regime):
    """Vendor and import-product breakdowns add up to the delivered totals.

    Quarterly: units shipped by the vendors = domestic units delivered, units of
    each import product sum to imports delivered, and four quarters make the
    year (means over replications; the identities are linear).
    """
    run = observe(regime_scenario(baseline, regime), R, seed)
    vendors = list(baseline.vendors)
    products = [*baseline.imports, *baseline.grey_market]
    for level in LEVELS:
        for year in YEARS:
            quarters = [f"{year}Q{q}" for q in range(1, 5)]
            for total, parts in (
                ("domestic_units", [f"vendor_units.{v}" for v in vendors]),
                ("imports_units", [f"import_units.{p}" for p in products]),
            ):
                yearly = run.row(level, total, year)["mean"]
                by_quarter = sum(run.row(level, total, q)["mean"] for q in quarters)
                by_part = sum(run.row(level, m, q)["mean"] for m in parts for q in quarters)
                assert close(by_quarter, yearly, yearly) and close(by_part, yearly, yearly)


@pytest.mark.slow
@MODEL
@given(seed=seeds, regime=regimes)
def test_chips_are_conserved(baseline, seed, regime):
    """Per level and replication: started = in progress + finished stock + delivered,
    all non-negative, and what vendors delivered is what buyers received over the run."""
    result = simulate(regime_scenario(baseline, regime), R, seed)
    c = result.conservation
    scale = float(np.max(c["started"]))
    assert scale > 0
    assert np.all(c["stock"] >= -1e-9 * scale) and np.all(c["delivered"] >= 0)
    assert np.all(c["in_progress"] >= -1e-9 * scale)
    assert close(c["started"], c["in_progress"] + c["delivered"] + c["stock"], scale)
    received = result.replicates["domestic_units"].sum(axis=-1)
    assert close(received, c["delivered"], scale)


@pytest.mark.slow
@MODEL
@given(seed=seeds, regime=regimes)
def test_demand_is_delivered_unmet_or_still_waiting(baseline, seed, regime):
    """Compute balance: demand = delivered + unmet + change in the domestic backlog.

    With nothing bought ahead (no stockpiles), every chip delivered meets an
    order. Demand is given in H100e here, the same in every month of a year
    (a budget's H100e follow prices month by month, so a month's orders may
    exceed the year's mean month; the order book's own balance, placed =
    filled + offshore + abandoned + waiting, is tested for budgets in
    test_model_orders.py). The run starts mid-stream: the backlog holds the orders of up to
    ``lead`` (at most 5) months before the calendar, each no more than the
    first month's demand; it then holds at most the last ``backlog_months``
    months of orders, each no more than that month's demand. So at every year
    end -5/12 x the first year's demand <= cumulative (demand - delivered -
    unmet) <= demand of the year x backlog_months / 12.
    """
    no_stockpiles = {"segments": {n: {"stockpile_months": 0.0} for n in baseline.segments}}
    result = simulate(regime_scenario(baseline, regime, no_stockpiles, h100e=True), R, seed)
    rep = result.replicates
    demand = rep["demand_compute"]
    waiting = np.cumsum(demand - rep["delivered_compute"] - rep["unmet_demand_compute"], axis=-1)
    tol = 1e-9 * np.cumsum(demand, axis=-1)
    assert np.all(waiting >= -demand[..., :1] * 5 / 12 - tol)
    assert np.all(waiting <= demand * regime["backlog"] / 12 + tol)


# ---------------------------------------------------------- imports shut ----


def shut_imports(baseline, month: str) -> dict:
    """Overrides closing every import channel from ``month``, with no stock left anywhere.

    The published timeline is dropped and each licensed product gets a licence
    event to 0 at ``month``; grey-market volumes are zero in every year and no
    product has a stockpile.
    """
    events = {name: {"enabled": False} for name in baseline.events}
    for product in baseline.imports:
        events[f"shut_{product}"] = {
            "date": month,
            "product": product,
            "kind": "licence",
            "value": 0.0,
            "evidence": ["A1"],
        }
    imports = {p: {"stockpile_units": 0.0} for p in baseline.imports}
    grey = {
        p: {"stockpile_units": 0.0, "units_per_month": {y: 0.0 for y in spec.units_per_month}}
        for p, spec in baseline.grey_market.items()
    }
    return {"events": events, "imports": imports, "grey_market": grey}


@MODEL
@given(seed=seeds, regime=regimes, shut=st.integers(0, 53))
def test_with_imports_shut_and_no_stock_every_delivery_is_domestic(baseline, seed, regime, shut):
    month = format_month(parse_month("2023-01") + shut)
    run = observe(regime_scenario(baseline, regime, shut_imports(baseline, month)), R, seed)
    months = [format_month(parse_month(month) + k) for k in range(60 - shut)]
    defined = 0
    for level in LEVELS:
        for m in months:
            stats = run.row(level, "domestic_share_units", m)
            if not np.isnan(stats["min"]):
                assert stats["min"] == stats["max"] == 1.0, (level, m)
                defined += 1
        for year in (y for y in YEARS if int(y) * 12 >= parse_month(month)):
            for region in ["national", *baseline.segments]:
                assert run.row(level, "imports_units", year, region)["max"] == 0.0
                share = run.row(level, "domestic_share_units", year, region)
                assert np.isnan(share["min"]) or share["min"] == 1.0
    assert defined > 0


# -------------------------------------------------------- full quota ----


def quota_met_by(baseline, month: str) -> dict:
    """Overrides: every quota-bound segment's path reaches 1.0 at ``month`` (and stays),
    enforced fully."""
    segments = {}
    for name, seg in baseline.segments.items():
        if seg.quota is None:
            continue
        points = {k: 1.0 for k in seg.quota.points if parse_month(k) >= parse_month(month)}
        segments[name] = {"enforcement": 1.0, "quota": {"points": {**points, month: 1.0}}}
    return {"segments": segments}


@pytest.mark.slow
@MODEL
@given(seed=seeds, regime=regimes, deadline=st.integers(6, 35))
def test_at_full_quota_bound_segments_import_nothing_after_their_deadline(
    baseline, seed, regime, deadline
):
    """With enforcement 1 and a quota path at 1.0 from its deadline on, a quota-bound
    segment orders no imports from then on, whatever it is short of.

    The quota lever moves a level q linearly from the path's December 2025 value
    to q in December 2027; the deadline here is at most 2025-12, so at level
    1.0 the target is 1.0 throughout 2026-2027 as it is under "announced".
    """
    month = format_month(parse_month("2023-01") + deadline)
    scenario = regime_scenario(baseline, regime, quota_met_by(baseline, month))
    run = observe(scenario, R, seed, ["announced", "1.0"])
    after = [y for y in YEARS if int(y) * 12 >= parse_month(month)]
    bound = [n for n, s in scenario.segments.items() if s.quota is not None]
    assert after and bound
    for level in ("announced", "1.0"):
        for year in after:
            for region in bound:
                assert run.row(level, "imports_units", year, region)["max"] == 0.0
                assert run.row(level, "quota_target", year, region)["min"] == 1.0
                for metric in ("domestic_share_units", "domestic_share_compute"):
                    share = run.row(level, metric, year, region)
                    assert np.isnan(share["min"]) or share["min"] == 1.0


def test_baseline_state_funded_imports_nothing_after_its_deadline_at_full_quota(baseline):
    """The baseline's state-funded path reaches 1.0 in November 2025: at level 1.0
    with enforcement 1 it imports nothing in 2026 and 2027."""
    scenario = load(BASELINE, {"segments": {"state_funded": {"enforcement": 1.0}}})
    run = observe(scenario, 100, SEED, ["1.0"])
    for year in ("2026", "2027"):
        assert run.row("1.0", "imports_units", year, "state_funded")["max"] == 0.0
        assert run.row("1.0", "domestic_units", year, "state_funded")["min"] > 0.0


# --------------------------------------------- levels before the lever ----


@pytest.mark.slow
@MODEL
@given(seed=seeds, lever=st.integers(12, 59))
def test_quota_levels_agree_until_the_lever_starts(baseline, seed, lever):
    """Before ``run.lever_start`` every level follows the announced paths, and all
    levels share their random draws, so every row before it is identical."""
    start = format_month(parse_month("2023-01") + lever)
    run = observe(load(BASELINE, {"run": {"lever_start": start}}), 40, seed)
    earlier = {
        p
        for _, _, _, p in run.rows
        if (len(p) == 4 and int(p) * 12 + 11 < parse_month(start))
        or (len(p) == 7 and "Q" not in p and parse_month(p) < parse_month(start))
        or ("Q" in p and int(p[:4]) * 12 + 3 * int(p[-1]) - 1 < parse_month(start))
    }
    assert earlier
    for (level, metric, region, period), stats in run.rows.items():
        if period in earlier and level != "announced":
            reference = run.rows[("announced", metric, region, period)]
            assert stats == pytest.approx(reference, nan_ok=True, rel=0, abs=0), (
                level,
                metric,
                region,
                period,
            )


# ------------------------------------------------------- every shipped file ----


@pytest.mark.parametrize("path", sorted(BASELINE.parent.glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_runs_and_keeps_the_laws(path):
    """Each shipped scenario (horizon-2030 included) runs at every level; its shares stay
    in [0, 1] in every replication and its chips are conserved."""
    scenario = load(path)
    run = observe(scenario, 40, SEED)
    assert shares_in_unit_interval(run) > 100
    c = run.result.conservation
    scale = float(np.max(c["started"]))
    assert scale > 0 and close(c["started"], c["in_progress"] + c["delivered"] + c["stock"], scale)
    assert str(run.result.years[-1]) == scenario.calendar.end[:4]
