"""sim.scenario.dist: draws match their scipy distributions; dates are whole months.

Moment tolerances come from the sample size: a sample mean of n draws has
standard error sd/sqrt(n) and a sample variance var*sqrt((kurtosis + 2)/n)
(kurtosis = excess kurtosis). With n = 200_000 and Z = 5 standard errors a
correct sampler fails with probability below 1e-6 per check; the seed is
fixed anyway, so the test is deterministic.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from sim.core.calendar import parse_month
from sim.scenario.dist import KINDS, Dist, ndtri

N = 200_000
Z = 5.0

CASES = [
    Dist("uniform", (0.2, 0.5)),
    Dist("uniform", (3_000.0, 8_000.0)),
    Dist("triangular", (0.15, 0.3, 0.4)),  # skewed left
    Dist("triangular", (250_000.0, 330_000.0, 450_000.0)),  # skewed right
    Dist("triangular", (1.0, 1.0, 2.0)),  # mode at the low end
    Dist("beta", (2.0, 5.0, 0.0, 1.0)),
    Dist("beta", (0.5, 0.5, 10.0, 20.0)),  # U-shaped, shifted and scaled
    Dist("lognormal", (8_000.0, 0.7)),
    Dist("lognormal", (1.0, 0.3)),
]


@pytest.mark.parametrize("dist", CASES, ids=lambda d: d.describe())
def test_sample_moments_match_scipy(dist):
    mean, var, _, kurt = (float(x) for x in dist.frozen().stats(moments="mvsk"))
    draws = dist.sample(np.random.default_rng(1), N)
    assert draws.shape == (N,)
    assert abs(draws.mean() - mean) <= Z * np.sqrt(var / N)
    assert abs(draws.var() - var) <= Z * var * np.sqrt((kurt + 2.0) / N)


@pytest.mark.parametrize("dist", CASES, ids=lambda d: d.describe())
def test_sample_follows_scipy_cdf(dist):
    """Kolmogorov-Smirnov against scipy's cdf (the closed-form triangular included)."""
    draws = dist.sample(np.random.default_rng(2), 20_000)
    assert stats.kstest(draws, dist.frozen().cdf).pvalue > 1e-4


@pytest.mark.parametrize("dist", CASES, ids=lambda d: d.describe())
def test_ppf_matches_scipy_and_central_is_the_median(dist):
    u = np.linspace(0.001, 0.999, 101)
    assert np.allclose(dist.ppf(u), dist.frozen().ppf(u), rtol=1e-9, atol=1e-12)
    assert dist.central == pytest.approx(float(dist.frozen().median()), rel=1e-9)


@pytest.mark.parametrize(
    "dist", [d for d in CASES if d.kind != "lognormal"], ids=lambda d: d.describe()
)
def test_bounded_draws_stay_in_their_support(dist):
    low, high = dist.bounds
    draws = dist.sample(np.random.default_rng(3), 50_000)
    assert low <= draws.min() and draws.max() <= high


def test_lognormal_bounds_are_its_1_and_99_percentiles():
    dist = Dist("lognormal", (8_000.0, 0.7))
    low, high = dist.bounds
    assert low == pytest.approx(8_000 * np.exp(0.7 * stats.norm.ppf(0.01)))
    assert high == pytest.approx(8_000 * np.exp(0.7 * stats.norm.ppf(0.99)))
    draws = dist.sample(np.random.default_rng(4), N)
    inside = np.mean((draws >= low) & (draws <= high))
    assert abs(inside - 0.98) <= Z * np.sqrt(0.98 * 0.02 / N)


def test_fixed_draws_one_value_and_needs_no_randomness():
    dist = Dist.fixed(0.35, ("S1",))
    rng = np.random.default_rng(5)
    state = rng.bit_generator.state
    assert np.array_equal(dist.sample(rng, 4), np.full(4, 0.35))
    assert rng.bit_generator.state == state
    assert dist.bounds == (0.35, 0.35) and dist.central == 0.35 and dist.is_fixed


@settings(deadline=None)
@given(
    low=st.sampled_from(["2024-09", "2025-09", "2026-03"]),
    span=st.integers(0, 14),
    kind=st.sampled_from(["uniform", "triangular", "fixed"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_date_draws_are_whole_months_within_bounds(low, span, kind, seed):
    lo = float(parse_month(low))
    hi = lo + span
    args = {"uniform": (lo, hi), "triangular": (lo, lo + span // 3, hi), "fixed": (lo,)}[kind]
    dist = Dist(kind, args, (), is_date=True)
    draws = dist.sample(np.random.default_rng(seed), 2_000)
    assert np.array_equal(draws, np.round(draws))
    assert lo <= draws.min() and draws.max() <= hi


def test_date_draws_reach_both_ends_of_the_window():
    """Rounding to the nearest month keeps every month of the window reachable."""
    lo, hi = float(parse_month("2026-01")), float(parse_month("2026-06"))
    draws = Dist("uniform", (lo, hi), (), is_date=True).sample(np.random.default_rng(6), 20_000)
    assert set(np.unique(draws)) == {lo + k for k in range(6)}


def test_with_value_pins_the_value_and_keeps_the_evidence():
    dist = Dist("triangular", (0.1, 0.2, 0.4), ("A1", "F5"))
    pinned = dist.with_value(0.3)
    assert pinned.is_fixed and pinned.args == (0.3,) and pinned.evidence == ("A1", "F5")
    assert dist.arg("mode") == 0.2


@pytest.mark.parametrize(
    "dist, text",
    [
        (Dist("triangular", (0.2, 0.35, 0.5)), "triangular(0.2, 0.35, 0.5)"),
        (Dist("lognormal", (8000.0, 0.7)), "lognormal(8000, 0.7)"),
        (Dist.fixed(4), "4"),
        (
            Dist(
                "uniform", (float(parse_month("2026-01")), float(parse_month("2026-06"))), (), True
            ),
            "uniform(2026-01, 2026-06)",
        ),
    ],
)
def test_describe(dist, text):
    assert dist.describe() == text


def test_every_kind_is_covered():
    assert {d.kind for d in CASES} | {"fixed"} == set(KINDS)


def test_ndtri_matches_scipy_to_the_last_bits():
    """Our port of Cephes' ndtri against scipy's, centre and both tails down to 5e-324.

    On x86-64 they agree bit for bit; elsewhere a compiler may fuse or reorder
    operations, so the test allows two units in the last place.
    """
    rng = np.random.default_rng(7)
    u = np.concatenate(
        [
            rng.random(200_000),
            rng.random(20_000) * 1e-12,
            1.0 - rng.random(20_000) * 1e-12,
            np.ldexp(rng.random(5_000), -rng.integers(40, 1070, 5_000)),
            [5e-324, 1e-300, np.exp(-2.0), 0.5, 1.0 - np.exp(-2.0), 1.0 - 2**-53],
        ]
    )
    expected, got = special.ndtri(u), ndtri(u)
    inside = (u > 0.0) & (u < 1.0)
    assert inside.mean() > 0.99 and np.all(np.isfinite(got[inside]))
    assert np.array_equal(got[~inside], expected[~inside])
    error = np.abs(got[inside] - expected[inside])
    assert np.all(error <= 2 * np.spacing(np.abs(expected[inside])))


def test_ndtri_ends_and_outside():
    got = ndtri(np.array([0.0, 1.0, -0.5, 1.5, np.nan, 0.5]))
    assert got[0] == -np.inf and got[1] == np.inf and got[5] == 0.0
    assert np.isnan(got[2:5]).all()


def test_lognormal_draws_need_no_scipy():
    """The lognormal sampler does not import scipy (16 MB, a quarter second at start-up)."""
    code = (
        "import sys, numpy as np; from sim.scenario.dist import Dist; "
        "Dist('lognormal', (8000.0, 0.7)).sample(np.random.default_rng(1), 10); "
        "print(sorted(m for m in sys.modules if m.startswith('scipy')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
