"""PRIM (Friedman and Fisher's Patient Rule Induction Method), as EMA Workbench 2.5 runs it.

Given points ``x`` (n, d) and a flag ``y`` marking the cases of interest,
PRIM peels: among the cuts that drop the ``alpha`` quantile of the box's
points at one end of one axis, it takes the one with the largest gain in
density per point removed (EMA's default "lenient1" objective; ties go to the
cut restricting fewer axes, then to the first axis, upper end first). It
stops when no cut raises the density or the box would fall below
``min_mass``. Pasting then widens restricted limits while density still
rises. Every peel and paste is a step of the trajectory. Cut points are
EMA's (sdtoolkit's) quantiles, midway between two data values, so the
trajectory matches EMA's step for step (tests/test_experiments_prim_ema.py).

Statistics follow EMA's covering: a later box searches only the points the
earlier boxes leave ("remaining"); its density and point counts are over
those points, its coverage is a share of all cases and its mass a share of
all points, so coverages of successive boxes add up to at most 1.

Each restriction's quasi-p value is EMA's one-sided binomial test (Bryant and
Lempert 2010): how likely the box's cases are if that limit were removed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest

ALPHA = 0.05  # share of the box's points peeled per step
PASTE_ALPHA = 0.05  # share of the points beside a limit taken in per paste
MIN_MASS = 0.05  # smallest box, as a share of all points


@dataclass(frozen=True)
class Search:
    """The points PRIM searches, and the totals its statistics are shares of.

    ``x``, ``y``: the remaining points; ``low``, ``high``: the limits of all
    points (an unrestricted axis sits at these); ``points``, ``cases``: all
    points and all cases, including those earlier boxes took.
    """

    x: np.ndarray
    y: np.ndarray
    low: np.ndarray
    high: np.ndarray
    points: int
    cases: int

    @classmethod
    def of(cls, x: np.ndarray, y: np.ndarray, left: np.ndarray | None = None) -> Search:
        """Search the ``left`` points (all by default) of ``x``, ``y``."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=bool)
        left = np.ones(len(y), dtype=bool) if left is None else left
        return cls(x[left], y[left], x.min(axis=0), x.max(axis=0), len(y), int(y.sum()))


@dataclass(frozen=True)
class Box:
    """Inclusive limits ``[low, high]`` and their statistics over the search's points."""

    low: np.ndarray
    high: np.ndarray
    coverage: float  # cases inside / all cases
    density: float  # cases inside / points inside (remaining points)
    mass: float  # points inside / all points
    n: int = 0  # remaining points inside
    k: int = 0  # cases among them

    def inside(self, x: np.ndarray) -> np.ndarray:
        """Tell which rows of ``x`` lie in the box."""
        return np.all((x >= self.low) & (x <= self.high), axis=1)

    def restricted(self, search_or_x) -> list[int]:
        """Axes whose limits differ from those of all points (EMA's restricted dimensions)."""
        low, high = _limits(search_or_x)
        return [j for j in range(len(low)) if self.low[j] != low[j] or self.high[j] != high[j]]


def _limits(search_or_x) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(search_or_x, Search):
        return search_or_x.low, search_or_x.high
    return np.min(search_or_x, axis=0), np.max(search_or_x, axis=0)


def box(search: Search, low: np.ndarray, high: np.ndarray) -> Box:
    """Make a box with its statistics over the search's points."""
    inside = np.all((search.x >= low) & (search.x <= high), axis=1)
    n, k = int(inside.sum()), int(search.y[inside].sum())
    return Box(
        low.copy(),
        high.copy(),
        k / max(search.cases, 1),
        k / n if n else 0.0,
        n / search.points,
        n,
        k,
    )


def quantile(data: np.ndarray, q: float) -> float:
    """Sdtoolkit's quantile, as EMA computes it: midway between two distinct sorted values."""
    data = np.sort(data)
    i = (len(data) - 1) * q
    lower, higher = math.floor(i), math.ceil(i)
    if q > 0.5:
        while data[lower] == data[higher] and lower > 0:
            lower -= 1
    else:
        while data[lower] == data[higher] and higher < len(data) - 1:
            higher += 1
    return (data[lower] + data[higher]) / 2


def gain(k_old: int, n_old: int, k_new: int, n_new: int) -> float:
    """EMA's lenient1 objective: change in density per point removed (or added)."""
    old, new = k_old / n_old, (k_new / n_new if n_new else 0.0)
    return (new - old) / abs(n_old - n_new) if new != old else 0.0


def _candidate(
    search: Search, current: Box, j: int, side: str, value: float
) -> tuple[Box, tuple[float, int]]:
    """Make the box with axis ``j``'s ``side`` limit moved to ``value``, and its score key."""
    low, high = current.low.copy(), current.high.copy()
    (low if side == "low" else high)[j] = value
    candidate = box(search, low, high)
    unrestricted = len(low) - len(candidate.restricted(search))
    return candidate, (gain(current.k, current.n, candidate.k, candidate.n), unrestricted)


def peel(search: Search, alpha: float = ALPHA, min_mass: float = MIN_MASS) -> list[Box]:
    """Peel from the box of all remaining points; return every step, first one included."""
    current = box(search, search.low, search.high)
    steps = [current]
    while True:
        inside = current.inside(search.x)
        best: Box | None = None
        best_key: tuple[float, int] | None = None
        for j in range(search.x.shape[1]):
            values = search.x[inside, j]
            for side, q in (("high", 1 - alpha), ("low", alpha)):
                candidate, key = _candidate(search, current, j, side, quantile(values, q))
                if best_key is None or key > best_key:  # first of equals wins, as EMA's sort
                    best, best_key = candidate, key
        if (
            best is None
            or best_key is None
            or not (best.mass >= min_mass and best.n < current.n and best_key[0] > 0)
        ):
            return steps
        current = best
        steps.append(current)


def paste(
    search: Search, start: Box, alpha: float = PASTE_ALPHA, min_mass: float = MIN_MASS
) -> list[Box]:
    """Widen restricted limits while density rises; return the pasted steps (maybe none)."""
    current = start
    steps: list[Box] = []
    while True:
        best: Box | None = None
        best_key: tuple[float, int] | None = None
        for j in current.restricted(search):
            for side in ("low", "high"):
                candidate, key = _candidate(
                    search, current, j, side, _paste_value(search, current, j, side, alpha)
                )
                if best_key is None or key > best_key:
                    best, best_key = candidate, key
        if (
            best is None
            or best_key is None
            or not (
                best.mass >= min_mass
                and best.n > current.n
                and best_key[0] > 0
                and best.density > current.density
            )
        ):
            return steps
        current = best
        steps.append(current)


def _paste_value(search: Search, current: Box, j: int, side: str, alpha: float) -> float:
    """Where a paste moves axis ``j``'s limit: the alpha quantile of the points beside it."""
    low, high = current.low.copy(), current.high.copy()
    if side == "low":
        low[j], high[j] = search.low[j], current.low[j]
    else:
        low[j], high[j] = current.high[j], search.high[j]
    beside = search.x[np.all((search.x >= low) & (search.x <= high), axis=1), j]
    if not beside.size:
        return search.low[j] if side == "low" else search.high[j]
    return quantile(beside, 1 - alpha if side == "low" else alpha)


def trajectory(search: Search, alpha: float = ALPHA, min_mass: float = MIN_MASS) -> list[Box]:
    """Peel, then paste the last peeled box: EMA's ``find_box`` trajectory."""
    peeled = peel(search, alpha, min_mass)
    return peeled + paste(search, peeled[-1], PASTE_ALPHA, min_mass)


def quasi_p(search: Search, chosen: Box) -> dict[tuple[int, str], float]:
    """Quasi-p value of each restricted limit ``(axis, "low"|"high")``.

    Removing one limit gives a bigger box with density p; the quasi-p value is
    the chance of at least the box's cases among its points at rate p (one-sided
    binomial test, as EMA computes it).
    """
    sides = [
        (j, s)
        for j in chosen.restricted(search)
        for s in ("low", "high")
        if (chosen.low if s == "low" else chosen.high)[j]
        != (search.low if s == "low" else search.high)[j]
    ]
    if not sides:
        return {}
    outside = np.stack(
        [
            search.x[:, j] < chosen.low[j] if s == "low" else search.x[:, j] > chosen.high[j]
            for j, s in sides
        ],
        axis=1,
    )
    count = outside.sum(axis=1)
    base, single = count == 0, count == 1
    totals = base.sum() + outside[single].sum(axis=0)
    hits = search.y[base].sum() + outside[single & search.y].sum(axis=0)
    return {
        side: float(
            binomtest(chosen.k, chosen.n, hits[i] / totals[i], alternative="greater").pvalue
        )
        for i, side in enumerate(sides)
    }


def base_rate_p(search: Search, chosen: Box) -> float:
    """Chance of at least the box's cases among its points at the searched points' base rate."""
    if chosen.n == 0:
        return 1.0
    return float(binomtest(chosen.k, chosen.n, search.y.mean(), alternative="greater").pvalue)


def choose(steps: list[Box], min_density: float) -> int:
    """Pick a step: the most coverage with density >= ``min_density``, else the best F1.

    F1 (harmonic mean of coverage and density) weighs both sides of the trade-off.
    """
    good = [i for i, b in enumerate(steps) if b.density >= min_density]
    if good:
        return max(good, key=lambda i: (steps[i].coverage, steps[i].density))
    scores = [
        2 * b.coverage * b.density / (b.coverage + b.density) if b.coverage + b.density > 0 else 0.0
        for b in steps
    ]
    return int(np.argmax(scores))


SIGNIFICANCE = 0.05  # a limit whose quasi-p value exceeds this is dropped
RESAMPLES = 10  # PRIM runs on random halves of the points, for each restriction's stability
RESAMPLE_SHARE = 0.5


def significant(
    search: Search, start: Box, level: float = SIGNIFICANCE
) -> tuple[Box, list[tuple[tuple[int, str], float]]]:
    """Drop limits whose quasi-p value exceeds ``level``, least significant first.

    After each drop the box and every remaining quasi-p value are recomputed;
    returns the box whose limits are all significant and the dropped limits
    with the quasi-p value they had when dropped.
    """
    current = start
    dropped: list[tuple[tuple[int, str], float]] = []
    while True:
        values = quasi_p(search, current)
        worst = max(values, key=values.__getitem__, default=None)
        if worst is None or values[worst] <= level:
            return current, dropped
        dropped.append((worst, values[worst]))
        j, side = worst
        low, high = current.low.copy(), current.high.copy()
        if side == "low":
            low[j] = search.low[j]
        else:
            high[j] = search.high[j]
        current = box(search, low, high)


def stability(
    search: Search,
    chosen: Box,
    rng: np.random.Generator,
    pick=None,
    iterations: int = RESAMPLES,
    share: float = RESAMPLE_SHARE,
) -> np.ndarray:
    """How often each axis is restricted when PRIM reruns on random subsets.

    Each run peels a random ``share`` of the searched points. On its
    trajectory, as EMA's ``resample`` does, the step closest in coverage
    (column 0) and the step closest in density (column 1) to ``chosen`` are
    looked up; column 2 is the box ``pick(search, steps)`` reports on the
    subset (the same rule that chose ``chosen``; zeros without ``pick``).
    Returns ``(d, 3)``: the share of runs restricting each axis.
    """
    d = search.x.shape[1]
    counts = np.zeros((d, 3))
    coverage = chosen.k / max(int(search.y.sum()), 1)
    size = int(len(search.y) * share)
    for _ in range(iterations):
        pick_rows = rng.choice(len(search.y), size=size, replace=False)
        sub = Search.of(search.x[pick_rows], search.y[pick_rows])
        steps = trajectory(sub)
        near = [
            steps[int(np.argmin([abs(s.coverage - coverage) for s in steps]))],
            steps[int(np.argmin([abs(s.density - chosen.density) for s in steps]))],
        ]
        if pick is not None:
            near.append(pick(sub, steps))
        for column, found in enumerate(near):
            if found is not None:
                counts[found.restricted(sub), column] += 1
    return counts / iterations
