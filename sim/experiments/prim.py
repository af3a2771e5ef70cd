"""PRIM (Friedman and Fisher's Patient Rule Induction Method) for scenario discovery.

Given points ``X`` (n, d) and a flag ``y`` marking the cases of interest, PRIM
peels: it repeatedly cuts off the ``alpha`` share of the box's points at one
end of one axis, choosing the cut that leaves the highest density (share of
cases among the points in the box). Every step is a box on the trajectory,
trading coverage (share of all cases inside) for density. The chosen box is
then pasted (limits widened while density does not fall) and pruned
(restrictions dropped while density stays within 2 percentage points or one
point's worth, and down to five at most), so it names few parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ALPHA = 0.05  # share of the box's points peeled (or pasted) per step
MIN_MASS = 0.05  # smallest box, as a share of all points
PRUNE_TOLERANCE = 0.02  # density a pruned box may give up for naming fewer parameters
MAX_RESTRICTIONS = 5  # a box names at most this many parameters


@dataclass(frozen=True)
class Box:
    """Axis-aligned limits ``[low, high]`` (inclusive) and the box's statistics."""

    low: np.ndarray
    high: np.ndarray
    coverage: float
    density: float
    mass: float

    def inside(self, x: np.ndarray) -> np.ndarray:
        """Tell which rows of ``x`` lie in the box."""
        return np.all((x >= self.low) & (x <= self.high), axis=1)

    def restricted(self, x: np.ndarray) -> list[int]:
        """Axes whose limits cut into the range of ``x``."""
        return [j for j in range(x.shape[1])
                if self.low[j] > x[:, j].min() or self.high[j] < x[:, j].max()]


def box(x: np.ndarray, y: np.ndarray, low: np.ndarray, high: np.ndarray) -> Box:
    """Make a box with its coverage, density and mass over ``x``, ``y``."""
    inside = np.all((x >= low) & (x <= high), axis=1)
    count = int(inside.sum())
    cases = int(y[inside].sum())
    total = max(int(y.sum()), 1)
    return Box(low.copy(), high.copy(), cases / total, cases / count if count else 0.0,
               count / len(x))


def peel(x: np.ndarray, y: np.ndarray, alpha: float = ALPHA,
         min_mass: float = MIN_MASS) -> list[Box]:
    """Peel: return the trajectory from the whole space to the smallest box allowed."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=bool)
    current = box(x, y, x.min(axis=0), x.max(axis=0))
    trajectory = [current]
    while current.density < 1.0:
        step = best_peel(x, y, current, alpha, min_mass)
        if step is None:
            break
        current = step
        trajectory.append(current)
    return trajectory


def best_peel(x: np.ndarray, y: np.ndarray, current: Box, alpha: float,
              min_mass: float) -> Box | None:
    """Find the cut leaving the densest box of at least ``min_mass`` (ties: bigger box)."""
    inside = current.inside(x)
    best, best_key = None, None
    for j in range(x.shape[1]):
        values = x[inside, j]
        for side in ("low", "high"):
            low, high = current.low.copy(), current.high.copy()
            if side == "low":
                cut = np.quantile(values, alpha, method="higher")
                low[j] = cut if (values < cut).any() else _next_above(values, cut)
            else:
                cut = np.quantile(values, 1 - alpha, method="lower")
                high[j] = cut if (values > cut).any() else _next_below(values, cut)
            if not np.isfinite(low[j]) or not np.isfinite(high[j]) or low[j] > high[j]:
                continue
            candidate = box(x, y, low, high)
            if candidate.mass < min_mass or candidate.mass >= current.mass:
                continue
            key = (candidate.density, candidate.mass)
            if best_key is None or key > best_key:
                best, best_key = candidate, key
    return best


def _next_above(values: np.ndarray, cut: float) -> float:
    above = values[values > cut]
    return float(above.min()) if above.size else math.inf


def _next_below(values: np.ndarray, cut: float) -> float:
    below = values[values < cut]
    return float(below.max()) if below.size else -math.inf


def paste(x: np.ndarray, y: np.ndarray, start: Box, alpha: float = ALPHA) -> Box:
    """Widen limits, one step at a time, while the box gains points and loses no density."""
    current = start
    while True:
        best = None
        for j in range(x.shape[1]):
            for side in ("low", "high"):
                candidate = widened(x, y, current, j, side, alpha)
                if candidate is not None and candidate.density >= current.density and (
                        best is None or (candidate.density, candidate.mass)
                        > (best.density, best.mass)):
                    best = candidate
        if best is None:
            return current
        current = best


def widened(x: np.ndarray, y: np.ndarray, current: Box, j: int, side: str,
            alpha: float) -> Box | None:
    """Move axis ``j``'s ``side`` limit out to take in about alpha more points."""
    others = np.all(np.delete((x >= current.low) & (x <= current.high), j, axis=1), axis=1)
    if side == "low":
        outside = np.sort(x[others & (x[:, j] < current.low[j]), j])[::-1]
    else:
        outside = np.sort(x[others & (x[:, j] > current.high[j]), j])
    if not outside.size:
        return None
    take = max(1, math.ceil(alpha * current.mass * len(x)))
    low, high = current.low.copy(), current.high.copy()
    limit = outside[min(take, outside.size) - 1]
    if side == "low":
        low[j] = limit
    else:
        high[j] = limit
    return box(x, y, low, high)


def prune(x: np.ndarray, y: np.ndarray, chosen: Box, tolerance: float = PRUNE_TOLERANCE,
          most: int = MAX_RESTRICTIONS) -> Box:
    """Drop restrictions, cheapest first, while density stays within ``tolerance`` of the start.

    Few restrictions tell the finding in few words; with few points many edge
    peels are noise, and each costs almost no density to undo. The tolerance
    is at least one point's worth of density (1 / points in the box). Beyond
    ``most`` restrictions the cheapest are dropped whatever they cost.
    """
    slack = max(tolerance, 1.0 / max(chosen.mass * len(x), 1.0))
    current, floor = chosen, chosen.density - slack
    while True:
        options = []
        for j in current.restricted(x):
            low, high = current.low.copy(), current.high.copy()
            low[j], high[j] = x[:, j].min(), x[:, j].max()
            options.append(box(x, y, low, high))
        best = max(options, key=lambda b: (b.density, b.mass), default=None)
        if best is None or (best.density < floor and len(options) <= most):
            return current
        current = best


def choose(trajectory: list[Box], min_density: float | None = None) -> int:
    """Pick a box: the most coverage with density >= ``min_density``, else the best F1.

    F1 (harmonic mean of coverage and density) weighs both sides of the trade-off.
    """
    if min_density is not None:
        good = [i for i, b in enumerate(trajectory) if b.density >= min_density]
        if good:
            return max(good, key=lambda i: (trajectory[i].coverage, trajectory[i].density))
    scores = [2 * b.coverage * b.density / (b.coverage + b.density)
              if b.coverage + b.density > 0 else 0.0 for b in trajectory]
    return int(np.argmax(scores))


def find(x: np.ndarray, y: np.ndarray, min_density: float | None = None,
         alpha: float = ALPHA, min_mass: float = MIN_MASS) -> tuple[list[Box], Box]:
    """Peel, choose, paste and prune: the trajectory and the final box."""
    trajectory = peel(x, y, alpha, min_mass)
    chosen = trajectory[choose(trajectory, min_density)]
    return trajectory, prune(x, y, paste(x, y, chosen, alpha))
