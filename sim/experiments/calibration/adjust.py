"""Beaumont's local-linear regression adjustment of the accepted ABC draws, and their weights.

Beaumont, Zhang and Balding (2002): each accepted draw gets an Epanechnikov
weight ``1 - (d / epsilon)^2`` from its distance ``d`` (draws at the
threshold weigh nothing; with epsilon 0 every accepted draw lies inside every
interval and all weigh 1). A weighted least-squares regression of the
parameter on the draws' target values (their signed distance from each
target's acceptance interval, in half-widths, 0 inside) then moves each draw
to where it would be had its targets fallen inside the intervals:
``theta* = theta - beta s``.
Bounded parameters are regressed on the logit scale of their prior's support
and lognormal ones on the log scale, so adjusted draws stay inside the prior
support (the usual transformations, as in R's ``abc`` package).

The effective sample size of the weights, ``(sum w)^2 / sum w^2``, says how
many independent draws the weighted sample is worth. The adjustment needs
several draws per regressor: with fewer than ``MIN_PER_TERM`` effective draws
per term it is skipped (and the report says so).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.experiments.calibration.targets import Target
from sim.scenario.dist import Dist

MIN_PER_TERM = 10  # effective draws needed per regression term (targets + intercept)
EDGE = 1e-6  # share of a bounded prior's range kept clear of its ends on the logit scale


@dataclass(frozen=True)
class Adjustment:
    """The weights of the accepted draws, their effective size, and whether draws were moved."""

    weights: np.ndarray
    ess: float
    applied: bool
    reason: str = ""  # why the draws were not moved (empty when they were)


def kernel(dist: np.ndarray, epsilon: float) -> np.ndarray:
    """Epanechnikov weights of accepted draws at distances ``dist`` (all 1 when epsilon is 0)."""
    if epsilon <= 0:
        return np.ones(len(dist))
    return np.clip(1.0 - (np.asarray(dist) / epsilon) ** 2, 0.0, 1.0)


def effective_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of weighted draws."""
    total = float(np.sum(weights))
    return total**2 / float(np.sum(weights**2)) if total > 0 else 0.0


def to_line(prior: Dist, theta: np.ndarray) -> np.ndarray:
    """Map draws to the regression scale: logit of the prior's support, or log."""
    if prior.kind == "lognormal":
        return np.log(theta)
    low, high = prior.bounds
    u = np.clip((theta - low) / (high - low), EDGE, 1 - EDGE)
    return np.log(u / (1 - u))


def from_line(prior: Dist, z: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_line`."""
    if prior.kind == "lognormal":
        return np.exp(z)
    low, high = prior.bounds
    return low + (high - low) / (1 + np.exp(-z))


def summaries(values: np.ndarray, targets: list[Target]) -> np.ndarray:
    """Signed distance of each draw's target values from their acceptance intervals.

    In half-widths, 0 inside the interval (the ABC's observation is the
    interval, not its central figure), negative below and positive above:
    (draws, targets). Targets on which the draws do not vary are left out (a
    constant column would only be extrapolated along).
    """
    low = np.array([t.accept_low for t in targets])
    high = np.array([t.accept_high for t in targets])
    scale = np.array([t.scale for t in targets])
    v = values.T
    s = (np.minimum(v - low, 0.0) + np.maximum(v - high, 0.0)) / scale
    return s[:, np.std(s, axis=0) > 0]


def weigh(dist: np.ndarray, epsilon: float, terms: int, method: str) -> Adjustment:
    """Weights and effective size; ``applied`` when the regression may run."""
    weights = kernel(dist, epsilon)
    ess = effective_size(weights)
    if method == "none":
        return Adjustment(weights, ess, False, "regression adjustment off (--adjust none)")
    if ess < MIN_PER_TERM * (terms + 1):
        return Adjustment(
            weights,
            ess,
            False,
            f"too few effective draws ({ess:.0f}) for a regression on {terms} "
            f"targets (needs {MIN_PER_TERM * (terms + 1)}): draws not adjusted",
        )
    return Adjustment(weights, ess, True)


def local_linear(prior: Dist, theta: np.ndarray, s: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Regress theta (weighted) on centred summaries ``s``; return the draws moved to s = 0."""
    z = to_line(prior, theta)
    design = np.column_stack([np.ones(len(z)), s])
    root = np.sqrt(weights)[:, None]
    beta, *_ = np.linalg.lstsq(design * root, z * root[:, 0], rcond=None)
    return from_line(prior, z - s @ beta[1:])
