"""How far a replication lies from the targets, and which replications ABC accepts.

A target contributes ``d = max(low - y, 0, y - high) / scale``: zero anywhere
inside its acceptance interval, then growing in units of the interval's
half-width, so targets in different units weigh alike. A replication's
distance is the root mean square over targets; an undefined value (a ratio of
nothing) is infinitely far.
"""

from __future__ import annotations

import numpy as np

from sim.experiments.calibration.targets import Target


def components(sample: np.ndarray, targets: list[Target]) -> np.ndarray:
    """Scaled distance of each replication to each target, (targets, R)."""
    low = np.array([t.accept_low for t in targets])[:, None]
    high = np.array([t.accept_high for t in targets])[:, None]
    scale = np.array([t.scale for t in targets])[:, None]
    outside = np.maximum(np.maximum(low - sample, sample - high), 0.0) / scale
    return np.where(np.isnan(sample), np.inf, outside)


def distance(sample: np.ndarray, targets: list[Target]) -> np.ndarray:
    """Root-mean-square scaled distance per replication, (R,)."""
    parts = components(sample, targets)
    return np.sqrt(np.mean(parts**2, axis=0))


def accept(dist: np.ndarray, fraction: float) -> tuple[np.ndarray, float]:
    """Return the accepted replications' indices and the threshold epsilon.

    The ``fraction`` closest replications are kept (at least one); when more
    than that lie inside every interval (distance 0) all of those are kept.
    Ties at the threshold are broken by replication index, so results are exact.
    """
    finite = np.isfinite(dist)
    inside = np.flatnonzero(dist == 0.0)
    wanted = max(1, int(round(fraction * len(dist))))
    if len(inside) >= wanted:
        return inside, 0.0
    order = np.argsort(np.where(finite, dist, np.inf), kind="stable")[:wanted]
    order = order[np.isfinite(dist[order])]
    return np.sort(order), float(dist[order].max()) if len(order) else float("inf")
