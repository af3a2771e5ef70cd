"""Comparative statics under common random numbers (issue 2, section 8).

Levels of one run, and variants run with the same seed, share every random
draw of every parameter they share (draws are keyed by parameter path), so a
difference between them is the effect of the change, not sampling noise.

What the model guarantees, and what it does not: domestic chips a segment
does not take stay in vendor stock and are sold later. A change that raises
domestic orders early (a stricter quota, fewer imports) therefore delivers
more domestic chips early and can leave fewer for later years. Measures of the
cumulative outcome (chips delivered to date, the installed base) respond
monotonically in every replication; a single year's delivered share does not,
and the strict-xfail tests below pin down where the issue's stated median
properties fail, with the numbers, so a model change that fixes (or moves)
them is noticed.
"""

from __future__ import annotations

import numpy as np
import pytest
from chipsim_testing import (
    BASELINE,
    MODEL,
    SEED,
    combine,
    import_overrides,
    median_by_year,
    scaled,
    yield_overrides,
)
from hypothesis import given
from hypothesis import strategies as st

from sim.model.ensemble import simulate
from sim.scenario import load

R = 200
LEVELS = ["0.5", "0.7", "0.9", "1.0"]
PRODUCTS = ("ascend_910b", "ascend_910c", "mlu", "other")

seeds = st.integers(0, 2**32 - 1)
regimes = st.fixed_dictionaries({
    "demand": st.sampled_from([0.5, 1.0, 2.0]),
    "allocation": st.sampled_from(["pro_rata", "quota_first"]),
    "backlog": st.integers(1, 12),
})


def regime_overrides(baseline, regime: dict) -> dict:
    return {"demand": {"base": scaled(baseline.demand.base, regime["demand"])},
            "run": {"allocation": regime["allocation"]},
            "market": {"backlog_months": regime["backlog"]}}


def cumulative(result, metric: str) -> np.ndarray:
    """Running total over the years: (levels, R, years)."""
    return np.cumsum(result.replicates[metric], axis=-1)


def nondecreasing(values: np.ndarray, axis: int, scale: float) -> bool:
    """Non-decreasing along ``axis`` up to float rounding of numbers of size ``scale``."""
    return bool(np.all(np.diff(values, axis=axis) >= -1e-9 * (1.0 + scale)))


# ------------------------------------------------------------------ quota ----

@MODEL
@given(seed=seeds, regime=regimes)
def test_higher_quota_never_lowers_cumulative_domestic_share(baseline, seed, regime):
    """Per replication and year-end: a higher level delivers at least as many domestic
    chips to date, no more imported ones, so the installed base is at least as
    domestic. (Float rounding only: sums of ~1e6-unit flows, tolerance 1e-9.)"""
    result = simulate(load(BASELINE, regime_overrides(baseline, regime)), 60, seed, LEVELS)
    domestic = cumulative(result, "domestic_units")
    imported = cumulative(result, "imports_units")
    installed = result.replicates["domestic_share_installed"]
    assert nondecreasing(domestic, 0, domestic.max())
    assert nondecreasing(-imported, 0, imported.max())
    assert nondecreasing(installed, 0, 1.0)
    medians = np.median(installed[:, :, -1], axis=1)
    assert np.all(np.diff(medians) >= -1e-12)


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "carry-over of domestic stock: a stricter quota drains vendor stock in 2026 and can "
    "lower the 2027 flow share; see docstring and docs/model.md section 10a"))
def test_higher_quota_never_lowers_national_2027_domestic_share_median(baseline):
    """Issue 2 section 8, as stated: fails in the baseline.

    National 2027 domestic_share_units medians on the final calibrated baseline
    (default seed, 10,000 reps), levels 0.5, 0.7, 0.9, 1.0: 0.819842, 0.819629,
    0.819455, 0.819498; 31% of replications are lower at 1.0 than at 0.5 (by at
    most 6.6 points). A stricter level drains the vendors' stock in 2026, so
    2027 gets fewer domestic chips while 2027 imports (supply-bound) are
    unchanged; cumulative domestic deliveries and the installed-base share are
    never lower (tests above).
    """
    medians = np.median(simulate(baseline, R, SEED, LEVELS)
                        .replicates["domestic_share_units"][:, :, -1], axis=1)
    assert np.all(np.diff(medians) >= 0), medians


# ---------------------------------------------------------------- embargo ----

@MODEL
@given(seed=seeds, high=st.floats(0.1, 1.0), cut=st.floats(0.0, 0.9))
def test_fewer_imports_never_lower_the_2027_domestic_share_median(baseline, seed, high, cut):
    """Scaling every import and grey-market volume and stockpile down (the same factor
    for all) never lowers the national 2027 median domestic share, units or compute.

    This holds for the median, not per replication: in about 3% of replications
    a 30% cut lowers the 2027 share (by up to 5 points) because buyers who lose
    imports in 2026 substitute domestic chips and drain the vendors' stock a
    year early (stock pull-forward, as for the quota). The cumulative
    installed-base share responds in every replication (next test).
    """
    low = high * (1.0 - cut)
    runs = [simulate(load(BASELINE, import_overrides(baseline, k)), R, seed, ["announced"])
            for k in (high, low)]
    for metric in ("domestic_share_units", "domestic_share_compute"):
        before, after = (median_by_year(r, metric)[-1] for r in runs)
        assert after >= before - 1e-12, (metric, before, after)


@MODEL
@given(seed=seeds, high=st.floats(0.1, 1.0), cut=st.floats(0.05, 0.9))
def test_fewer_imports_never_lower_the_installed_domestic_share(baseline, seed, high, cut):
    """Per replication and year: a uniform cut in import volumes leaves the installed
    base at least as domestic (fewer imports to date, at least as many domestic
    chips to date)."""
    runs = [simulate(load(BASELINE, import_overrides(baseline, k)), 60, seed, ["announced"])
            for k in (high, high * (1.0 - cut))]
    before, after = (r.replicates["domestic_share_installed"] for r in runs)
    assert np.all(after >= before - 1e-12)


@MODEL
@given(seed=seeds)
def test_dropping_the_h200_never_lowers_the_2027_domestic_share_median(baseline, seed):
    """No H200 approval and no customs release: the 2027 national median share
    (units and compute) is at least the baseline's."""
    dropped = {"events": {"h200_allowed": {"enabled": False},
                          "h200_customs_release": {"enabled": False}}}
    runs = [simulate(load(BASELINE, o), R, seed, ["announced"]) for o in ({}, dropped)]
    for metric in ("domestic_share_units", "domestic_share_compute"):
        before, after = (median_by_year(r, metric)[-1] for r in runs)
        assert after >= before, (metric, before, after)


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "stock pull-forward: H200 release moved to 2026-09 lowers the 2027 median "
    "0.829617 -> 0.825520 (200 reps, default seed); see docstring"))
def test_later_h200_release_never_lowers_the_2027_domestic_share_median():
    """Issue 2 section 8 ("a tighter embargo never lowers it"), for a later H200
    customs release: fails.

    Moving events.h200_customs_release from uniform(2026-01, 2026-06) to 2026-09
    lowers the national 2027 median domestic_share_units (calibrated baseline):
    0.829617 -> 0.825520 (default seed, 200 reps), 0.823984 -> 0.820298
    (2,000 reps), 0.826532 -> 0.823681 (seed 1) and 0.817358 -> 0.813138
    (seed 2, 1,000 reps each). 42% of replications fall, by up to 6.8 points.
    2027 imports are identical (the H200 is released before 2027 either way),
    but the extra 2026 substitution takes about 143,000 more domestic units in
    2026 (mean over the falling replications), leaving 109,000 fewer for 2027.
    """
    later = {"events": {"h200_customs_release": {"date": "2026-09"}}}
    runs = [simulate(load(BASELINE, o), R, SEED, ["announced"]) for o in ({}, later)]
    before, after = (median_by_year(r, "domestic_share_units")[-1] for r in runs)
    assert after >= before, (before, after)


# ----------------------------------------------------------------- yields ----

@MODEL
@given(seed=seeds, start=st.floats(0.0, 0.3), ceiling=st.floats(0.0, 0.3))
def test_better_yields_for_every_product_never_raise_median_unmet_demand(
        baseline, seed, start, ceiling):
    """Raising every product's yield start and ceiling never raises the national
    median unmet demand in any year.

    Median only: per replication, about 7% of replications have more 2027
    unmet demand with every yield +0.1. Once HBM binds, scarce stacks are shared in
    proportion to the stacks each product needs, not to the compute it
    delivers; better yields raise the need of products with less compute per
    stack (910B: ~0.075 H100e per stack) relative to the banked-die 910C
    (~0.0875), which do not gain, so compute per stack falls. Without the HBM
    limit the property holds per replication (next test).
    """
    gains = dict.fromkeys(PRODUCTS, (start, ceiling))
    runs = [simulate(load(BASELINE, o), R, seed, ["announced"])
            for o in ({}, yield_overrides(baseline, gains))]
    before, after = (median_by_year(r, "unmet_demand_compute") for r in runs)
    assert np.all(after <= before * (1 + 1e-12)), (before, after)


NO_HBM = st.fixed_dictionaries({p: st.tuples(st.floats(0.0, 0.3), st.floats(0.0, 0.3))
                                for p in PRODUCTS})


@MODEL
@given(seed=seeds, gains=NO_HBM, demand=st.sampled_from([1.0, 3.0, 10.0]))
def test_without_hbm_limit_better_yields_never_raise_unmet_demand(baseline, seed, gains,
                                                                  demand):
    """Products that need no HBM: any yield gain, product by product, never raises
    unmet demand in any year of any replication (more chips every month, served
    oldest order first). Demand is scaled up so domestic supply is short."""
    plain = {"vendors": {v: {"products": {p: {"hbm_stacks": 0.0} for p in spec.products}}
                         for v, spec in baseline.vendors.items()},
             "demand": {"base": scaled(baseline.demand.base, demand)}}
    better = combine(plain, yield_overrides(baseline, gains))
    runs = [simulate(load(BASELINE, o), 60, seed, ["announced", "1.0"]) for o in (plain, better)]
    before, after = (r.replicates["unmet_demand_compute"] for r in runs)
    assert np.all(after <= before + 1e-9 * (1.0 + before.max()))


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "HBM rationing by stacks: a better 910B yield ceiling raises 2027 unmet demand "
    "in 36% of replications (default seed); see docstring"))
def test_better_910b_yield_never_raises_unmet_demand(baseline):
    """Issue 2 section 8 ("better yields never raise unmet demand") for one product,
    per replication: fails.

    910B yield ceiling +0.25 (start unchanged), calibrated baseline, default seed,
    2,000 replications: 2027 national unmet_demand_compute rises in 36% of
    replications; ceiling +0.1 likewise (36%). The 2027 median moves either way
    with the seed: +8,093 H100e (default seed), +4,645 (seed 1), -2,127 (seed 2)
    for +0.25. With HBM not binding (all products need 0 stacks) no replication
    rises, which locates the cause in HBM rationing (see the all-products test).
    """
    gains = {"ascend_910b": (0.0, 0.25)}
    runs = [simulate(load(BASELINE, o), R, SEED, ["announced"])
            for o in ({}, yield_overrides(baseline, gains))]
    before, after = (r.replicates["unmet_demand_compute"][0, :, -1] for r in runs)
    rose = np.mean(after > before * (1 + 1e-9))
    assert rose == 0, f"2027 unmet demand rose in {rose:.0%} of replications"
