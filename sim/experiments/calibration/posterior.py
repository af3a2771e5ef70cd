"""The calibrated ranges: a distribution fitted to each parameter's accepted draws.

A bounded prior (uniform, triangular, beta) becomes a uniform or a triangular
inside the prior's support, whichever matches the accepted draws' 5th, 25th,
50th, 75th and 95th percentiles better (least squares): the calibrated value
never leaves the evidence range, and draws that stay flat stay uniform rather
than being squeezed into a triangle. Both have closed-form quantile functions,
so drawing them costs nothing next to scipy's beta at 10^5 replications. A
lognormal prior stays lognormal, matched to the mean and spread of the logs.
Correlations between fitted parameters are not carried over.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares

from sim.scenario.dist import Dist

LEVELS = np.array([0.05, 0.25, 0.5, 0.75, 0.95])  # percentiles the written shape matches
EDGE = 0.05  # a median this close to a bound (share of the range) is "pressed"


@dataclass(frozen=True)
class Marginal:
    """One fitted parameter: prior, posterior percentiles, fitted distribution, the draws.

    ``draws`` are the posterior draws (regression-adjusted when ``weights`` is
    set, with those weights), ``accepted`` the accepted draws as drawn.
    """

    path: str
    prior: Dist
    fitted: Dist
    prior_band: tuple[float, float, float]
    posterior_band: tuple[float, float, float]
    targets: tuple[str, ...]
    draws: np.ndarray | None = field(default=None, compare=False, repr=False)
    accepted: np.ndarray | None = field(default=None, compare=False, repr=False)
    weights: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def adjusted(self) -> bool:
        """True when the posterior draws are regression-adjusted (and weighted)."""
        return self.weights is not None

    @property
    def pressed(self) -> str | None:
        """``"lower"``/``"upper"`` when the posterior median sits at a prior bound."""
        if self.prior.kind == "lognormal":
            return None
        low, high = self.prior.bounds
        median = self.posterior_band[1]
        if median <= low + EDGE * (high - low):
            return "lower"
        if median >= high - EDGE * (high - low):
            return "upper"
        return None


def quantiles(sample: np.ndarray, levels, weights: np.ndarray | None = None) -> np.ndarray:
    """Quantiles of ``sample``, weighted when ``weights`` is given (midpoint interpolation)."""
    if weights is None:
        return np.quantile(sample, levels)
    order = np.argsort(sample, kind="stable")
    values, w = np.asarray(sample)[order], np.asarray(weights)[order]
    cumulative = (np.cumsum(w) - 0.5 * w) / np.sum(w)
    return np.interp(levels, cumulative, values)


def percentiles(
    sample: np.ndarray, weights: np.ndarray | None = None
) -> tuple[float, float, float]:
    """5th, 50th and 95th percentiles (weighted when ``weights`` is given)."""
    p05, p50, p95 = quantiles(sample, [0.05, 0.5, 0.95], weights)
    return (float(p05), float(p50), float(p95))


def rounded(x: float, digits: int = 4) -> float:
    """``x`` to ``digits`` significant digits."""
    return float(f"{x:.{digits}g}")


def fit(
    prior: Dist, sample: np.ndarray, evidence: tuple[str, ...], weights: np.ndarray | None = None
) -> Dist:
    """Fit the distribution written for a parameter whose posterior draws are ``sample``."""
    if prior.kind == "lognormal":
        logs = np.log(sample)
        if weights is None:
            centre = float(logs.mean())
            sigma = float(np.std(logs, ddof=1)) if len(sample) > 1 else 0.0
        else:
            centre = float(np.average(logs, weights=weights))
            sigma = float(np.sqrt(np.average((logs - centre) ** 2, weights=weights)))
        return Dist(
            "lognormal", (rounded(float(np.exp(centre))), rounded(max(sigma, 1e-3))), evidence
        )
    low, high = prior.bounds
    wanted = (quantiles(sample, LEVELS, weights) - low) / (high - low)  # on [0, 1]
    fits = [best_fit(shape, wanted) for shape in (flat, triangle)]
    _, unit = min(fits, key=lambda f: f[0])
    ends = [rounded(low + (high - low) * x, 5) for x in unit.args]
    ends = [min(max(x, low), high) for x in ends]
    return Dist(unit.kind, tuple(np.maximum.accumulate(ends)), evidence)


def best_fit(shape, wanted: np.ndarray) -> tuple[float, Dist]:
    """Least-squares fit of ``shape`` to percentiles ``wanted``: (misfit, distribution)."""
    size = 2 if shape is flat else 3
    start = np.clip([wanted[0] / 2, 1 - (1 - wanted[-1]) / 2, 0.5][:size], 1e-3, 1 - 1e-3)
    found = least_squares(
        lambda s: shape(s).ppf(LEVELS) - wanted, start, bounds=(0.0, 1.0), xtol=1e-10, ftol=1e-10
    )
    return float(np.sum(found.fun**2)), shape(found.x)


def flat(s: np.ndarray) -> Dist:
    """Build a uniform on [0, 1] from two numbers in [0, 1] (low end, then high end above)."""
    return Dist("uniform", (s[0], s[0] + s[1] * (1 - s[0])))


def triangle(s: np.ndarray) -> Dist:
    """Build a triangular on [0, 1] from three numbers in [0, 1].

    ``s[0]`` places the low end; ``s[1]`` the high end within what is left above
    it; ``s[2]`` the mode between them. Every ``s`` gives a valid triangular.
    """
    a = s[0]
    c = a + s[1] * (1 - a)
    return Dist("triangular", (a, a + s[2] * (c - a), c))


def marginal(
    path: str,
    prior: Dist,
    sample: np.ndarray,
    targets: tuple[str, ...],
    target_evidence: tuple[str, ...],
    weights: np.ndarray | None = None,
    accepted: np.ndarray | None = None,
) -> Marginal:
    """Fit one parameter; its evidence is the prior's ids plus the targets' ids."""
    evidence = tuple(dict.fromkeys(prior.evidence + target_evidence))
    low, mid, high = (float(x) for x in prior.ppf(np.array([0.05, 0.5, 0.95])))
    return Marginal(
        path,
        prior,
        fit(prior, sample, evidence, weights),
        (low, mid, high),
        percentiles(sample, weights),
        targets,
        sample,
        sample if accepted is None else accepted,
        weights,
    )
