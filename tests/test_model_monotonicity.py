"""Comparative statics under common random numbers.

Levels of one run, and variants run with the same seed, share every random
draw of every parameter they share (draws are keyed by parameter path), so a
difference between them is the effect of the change, not sampling noise.

What the model guarantees (docs/model.md, section 12):

* Where imports are limited by demand alone (ample supply, no rule against
  any buyer), a higher quota level never lowers the national domestic share
  of deliveries, in any year of any replication: quota-bound buyers order
  fewer imports and more domestic chips, and nothing else moves.
* Under pro-rata allocation, a higher quota never lowers the domestic share
  of the installed base, whatever limits imports; fewer imports (every import
  volume and stock cut) never lower it either.
* Where imports are limited by supply or rules (the baseline), a higher quota
  moves imports from quota-bound buyers to others; the national annual share
  then rises in the median but not in every replication (the strict-xfail
  test records by how much, so a model change that alters it is noticed).
"""

from __future__ import annotations

import numpy as np
import pytest
from chipsim_testing import BASELINE, MODEL, SEED, import_overrides, median_by_year, scaled
from hypothesis import given
from hypothesis import strategies as st

from sim.model.ensemble import simulate
from sim.scenario import load

R = 200
LEVELS = ["0.5", "0.7", "0.9", "1.0"]
OPEN_IMPORTS = BASELINE.with_name("open-imports.toml")

seeds = st.integers(0, 2**32 - 1)
regimes = st.fixed_dictionaries(
    {
        "demand": st.sampled_from([0.5, 1.0, 2.0]),
        "allocation": st.sampled_from(["pro_rata", "quota_first"]),
        "backlog": st.integers(6, 12),
    }
)


def regime_overrides(baseline, regime: dict) -> dict:
    return {
        "demand": {"budget_usd": scaled(baseline.demand.budget_usd, regime["demand"])},
        "run": {"allocation": regime["allocation"]},
        "market": {"backlog_months": regime["backlog"]},
    }


def ample_imports(baseline) -> dict:
    """Every import supply a hundredfold and no rule against any buyer: demand-limited."""
    out = import_overrides(baseline, 100.0)
    out["events"] = {name: {"enabled": False} for name in baseline.events}
    for name in baseline.imports:
        out["imports"][name] |= {"licence": 1.0, "guidance": 1.0, "approval": False}
    return out


def nondecreasing(values: np.ndarray, axis: int) -> bool:
    """Non-decreasing along ``axis`` up to float rounding (undefined values skipped)."""
    steps = np.diff(values, axis=axis)
    return bool(np.all(np.isnan(steps) | (steps >= -1e-12)))


# ------------------------------------------------------------------ quota ----


@pytest.mark.slow
@MODEL
@given(seed=seeds, regime=regimes)
def test_where_imports_are_demand_limited_a_higher_quota_never_lowers_the_share(
    baseline, seed, regime
):
    """Per replication and year, national domestic share of chips and of compute."""
    overrides = regime_overrides(baseline, regime) | ample_imports(baseline)
    result = simulate(load(BASELINE, overrides), 60, seed, LEVELS)
    for metric in ("domestic_share_units", "domestic_share_compute"):
        assert nondecreasing(result.replicates[metric], 0), metric


@pytest.mark.slow
@MODEL
@given(seed=seeds, regime=regimes.filter(lambda r: r["allocation"] == "pro_rata"))
def test_a_higher_quota_never_lowers_the_installed_domestic_share(baseline, seed, regime):
    """Per replication and year-end, whatever limits imports, under pro-rata allocation.

    Under quota_first it can fall slightly: bound buyers served first change when
    each product's chips are delivered, and with it the units in a year (demand
    halved, seed 0: 36 of 240 cells lower, by at most 0.08 points). The unit
    share is a count; compute delivered is what the quota moves.
    """
    result = simulate(load(BASELINE, regime_overrides(baseline, regime)), 60, seed, LEVELS)
    assert nondecreasing(result.replicates["domestic_share_installed"], 0)


def test_on_the_baseline_a_higher_quota_raises_the_2027_median_share(baseline):
    """Imports limited by supply and rules: the median share still rises with the level."""
    medians = np.median(
        simulate(baseline, R, SEED, LEVELS).replicates["domestic_share_units"][:, :, -1], axis=1
    )
    assert np.all(np.diff(medians) > 0), medians


def test_on_the_baseline_a_higher_quota_never_lowers_the_2027_share():
    """Per replication, the national 2027 share of chips at 1.0 against 0.5 is never lower.

    Until issue 18 this failed (xfail): 0.25% of 400 calibrated-baseline
    replications were lower at 1.0, as quota-bound buyers' extra domestic
    orders met memory-bound vendors while the private buyers took
    the imports they left. With the stockpile drawn on a plan (A41) none is,
    in 400 or 2,000 replications.
    """
    result = simulate(load(BASELINE), 400, SEED, ["0.5", "1.0"])
    share = result.replicates["domestic_share_units"][:, :, -1]
    lower = np.mean(share[1] < share[0] - 1e-12)
    assert lower == 0, f"{lower:.2%} of replications lower at 1.0"


# ---------------------------------------------------------------- embargo ----


@pytest.mark.slow
@MODEL
@given(seed=seeds, high=st.floats(0.1, 1.0), cut=st.floats(0.05, 0.9))
def test_fewer_imports_never_lower_the_installed_domestic_share(baseline, seed, high, cut):
    """Per replication and year: a uniform cut in import volumes and stocks leaves the
    installed base at least as domestic."""
    runs = [
        simulate(load(BASELINE, import_overrides(baseline, k)), 60, seed, ["announced"])
        for k in (high, high * (1.0 - cut))
    ]
    before, after = (r.replicates["domestic_share_installed"] for r in runs)
    assert np.all(after >= before - 1e-12)


def test_dropping_the_h200_raises_the_2027_domestic_share_median(baseline):
    """No H200 approval and no customs release: the 2027 national median share (units and
    compute) is above the baseline's."""
    dropped = {
        "events": {"h200_allowed": {"enabled": False}, "h200_customs_release": {"enabled": False}}
    }
    runs = [simulate(load(BASELINE, o), R, SEED, ["announced"]) for o in ({}, dropped)]
    for metric in ("domestic_share_units", "domestic_share_compute"):
        before, after = (median_by_year(r, metric)[-1] for r in runs)
        assert after > before, (metric, before, after)


def test_where_imports_are_plentiful_the_quota_moves_the_2027_share_most(baseline):
    """The open-imports scenario lets quota-bound buyers import: the levels part more widely.

    The law is the order: where a level can move chips away from imports, it
    moves the share more than where imports are short anyway; and by more than
    two points there. (The old model's margin, five times the baseline's
    spread, was a measurement, not a law: investment and budgets now part the
    baseline's levels too, 0.7 points against 3.3 with open imports.)
    """
    spreads = []
    for path in (BASELINE, OPEN_IMPORTS):
        share = simulate(load(path), R, SEED, ["0.5", "1.0"]).replicates["domestic_share_units"]
        medians = np.median(share[:, :, -1], axis=1)
        spreads.append(medians[1] - medians[0])
    assert spreads[1] > spreads[0] > 0 and spreads[1] > 0.02, spreads
