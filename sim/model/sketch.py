"""Mergeable quantile sketch of many summary rows (runs above 1,000,000 replications).

When a run's per-replication values can no longer be kept, each block of
replications, a (rows, B) array, is folded into a :class:`RowSketch`; sketches
of blocks or workers are merged; ``summarise()`` gives the six statistics of
:func:`sim.model.stats.summarise` (:data:`~sim.model.stats.STAT_NAMES`).

State kept per row. All of it is a function of the multiset of values added,
so ``a.merge(b)`` leaves bit for bit the state (and statistics) of one sketch
that was given both inputs, in any order and any grouping into blocks:

- the count of defined (non-NaN) values, the exact min and max, counts of +-inf;
- the exact sum of the finite values, a Python integer (``sum * 2**1074``). The
  mean is that sum over the count, correctly rounded: a constant row's mean is
  the constant; it may differ from numpy's pairwise ``mean`` in the last bit;
- while a row holds at most :data:`EXACT` distinct values: those values (bit
  patterns) and their counts. Its quantiles are then numpy's, bit for bit
  (constant rows, 0/1 flags, quota targets, small integer counts);
- once a row holds more: a DDSketch histogram of counts per logarithmic bucket,
  ``|x|`` in ``(g**(k-1), g**k]`` with ``g = (1 + alpha) / (1 - alpha)``; negative
  values mirrored, exact zeros (and -0.0) in a bucket of their own, +-inf in the
  outermost buckets. Only occupied buckets are stored (sorted keys and counts,
  8 bytes a bucket, per group of rows), so memory is bounded by rows x occupied
  buckets, about ``ln(max / min) / (2 alpha)`` a row, never by the count.

Error guarantee (histogram rows). numpy's linear quantile is
``lerp(x_lo, x_hi, w)`` of the order statistics at ranks ``floor((n-1)q)`` and the
next, with weight ``w``. The sketch uses the same ranks and weights but replaces
each order statistic by its bucket's representative ``2 g**k / (g + 1)``, clamped
to the row's exact min and max; each is within ``alpha * |x|`` of the order
statistic it replaces (sign and zero always right), hence

    |estimate - numpy| <= alpha * max(|x_lo|, |x_hi|)   (times 1 + 1e-12 for rounding;
                                                         plus 5e-324 for subnormals).

The error is relative to the value, not to the spread: a share near 0.5 that
varies by +-0.01 may move by 0.0005 at alpha = 0.001 (choose a smaller alpha
for such rows; memory grows as 1 / alpha).
"""

from __future__ import annotations

import copy
import sys

import numpy as np

from sim.model.sketch_buckets import Histogram, Scale, aggregate, histogram
from sim.model.stats import STAT_NAMES, from_keys, lerp, positions, sort_keys

ALPHA = 0.001  # default relative accuracy of the histogram rows
EXACT = 32  # a row with at most this many distinct values is kept exactly
CHUNK = 1 << 18  # values handled at once in add(): bounds its temporaries
_EMPTY = np.iinfo(np.int64).max  # padding of the exact tables (above every float's key)
_SHIFT = 1074  # every finite float is an integer times 2**-_SHIFT


def _compact(
    keys: np.ndarray, weights: np.ndarray | None, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Find the runs of equal keys in each row of the row-sorted (m, W) ``keys`` (_EMPTY last).

    Returns the first ``width`` distinct keys of each row (padded with _EMPTY),
    their summed weights (1 each if None) as int64, and each row's number of
    distinct keys, which may exceed ``width``.
    """
    m = keys.shape[0]
    valid = keys != _EMPTY
    start = valid.copy()
    start[:, 1:] &= keys[:, 1:] != keys[:, :-1]
    rank = np.cumsum(start, axis=1) - 1
    keep = valid & (rank < width)
    slot = (np.arange(m)[:, None] * width + rank)[keep]
    out = np.full(m * width, _EMPTY)
    out[slot] = keys[keep]
    counts = np.bincount(slot, None if weights is None else weights[keep], minlength=m * width)
    # float weights are exact: counts stay below 2**53
    return out.reshape(m, width), counts.astype(np.int64).reshape(m, width), start.sum(axis=1)


def _union(
    keys: np.ndarray, counts: np.ndarray, more: np.ndarray, more_counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge two sets of exact tables row by row: (keys, counts, distinct) as :func:`_compact`."""
    joined = np.concatenate([keys, more], axis=1)
    order = np.argsort(joined, axis=1, kind="stable")
    weights = np.take_along_axis(np.concatenate([counts, more_counts], axis=1), order, axis=1)
    return _compact(np.take_along_axis(joined, order, axis=1), weights, EXACT)


def _distinct_keys(x: np.ndarray) -> np.ndarray:
    """Integer keys of the float64 (m, B) ``x`` ordered like the values; NaN -> _EMPTY."""
    return np.where(np.isnan(x), _EMPTY, sort_keys(np.ascontiguousarray(x)))


def _row_sums(x: np.ndarray) -> list[int]:
    """Exact sums of the finite values of each row of (m, B) ``x``, as integers ``sum * 2**_SHIFT``.

    Rump's extraction: with ``sigma = 2**(E + k)``, ``max|x| < 2**E`` in the row and
    ``B < 2**k``, ``q = (sigma + x) - sigma`` and ``r = x - q`` are exact and the q
    are multiples of ``2**(E + k - 53)`` below ``2**E``, so numpy's sum of them is
    exact. Repeat on r until it is 0: each round takes the next ~53 - k bits.
    """
    x = np.where(np.isfinite(x), x, 0.0)
    totals = [0] * x.shape[0]
    k = x.shape[1].bit_length()
    huge = np.abs(x) >= 2.0 ** (1000 - k)  # sigma would overflow: add these one by one
    for row, col in zip(*np.nonzero(huge), strict=True):
        totals[row] += _scaled(float(x[row, col]))
    x[huge] = 0.0
    rows = np.arange(x.shape[0])
    while rows.size:
        top = np.abs(x).max(axis=1)
        if not top.all():
            rows, x, top = rows[top > 0], x[top > 0], top[top > 0]
        sigma = np.ldexp(1.0, np.frexp(top)[1] + k)[:, None]
        q = (sigma + x) - sigma
        x -= q
        for row, part in zip(rows.tolist(), q.sum(axis=1).tolist(), strict=True):
            totals[row] += _scaled(part)
    return totals


def _scaled(value: float) -> int:
    """Scale a finite float to the integer ``value * 2**_SHIFT`` (exactly)."""
    num, den = value.as_integer_ratio()  # den: a power of two up to 2**1074
    return (num << _SHIFT) // den


def _table_histogram(
    scale: Scale, rows: np.ndarray, keys: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Histogram (keys, counts) of exact tables: what adding their values would have given."""
    valid = keys != _EMPTY
    values = from_keys(np.ascontiguousarray(keys[valid]))
    row = np.broadcast_to(rows[:, None], keys.shape)[valid]
    return aggregate(row * scale.span + scale.top + scale.keys(values), counts[valid])


class RowSketch:
    """Mergeable sketch of the values of ``rows`` summary rows: mean and five quantiles.

    ``add`` folds in a (rows, B) block, NaN left out as in
    :func:`sim.model.stats.summarise`; ``merge`` folds in another sketch of the
    same rows and alpha, exactly as adding its values would; ``summarise``
    returns (rows, 6) statistics, NaN where a row has no defined value. Memory is
    bounded by rows x (EXACT + occupied buckets), whatever the number of values.
    Keep adding blocks to one sketch: a new sketch sorts its first block.
    """

    def __init__(self, rows: int, alpha: float = ALPHA):
        self.rows, self.alpha = int(rows), float(alpha)
        self._scale = Scale(self.alpha)
        self._count = np.zeros(self.rows, np.int64)
        self._infs = np.zeros((self.rows, 2), np.int64)  # counts of +inf, -inf
        self._low = np.full(self.rows, np.inf)
        self._high = np.full(self.rows, -np.inf)
        self._sums = [0] * self.rows  # exact sums of the finite values, times 2**_SHIFT
        self._table = np.full((self.rows, EXACT), _EMPTY)  # exact rows: sorted value keys
        self._tally = np.zeros((self.rows, EXACT), np.int64)  # ... and their counts
        self._bucketed = np.zeros(self.rows, bool)  # rows kept as histograms
        self._hist = Histogram(self.rows, self._scale)

    @property
    def count(self) -> np.ndarray:
        """Number of defined (non-NaN) values added to each row."""
        return self._count.copy()

    @property
    def nbytes(self) -> int:
        """Bytes held by the sketch's arrays (what grows with occupied buckets)."""
        arrays = (
            self._count,
            self._infs,
            self._low,
            self._high,
            self._table,
            self._tally,
            self._bucketed,
            *self._hist.arrays,
        )
        return sum(a.nbytes for a in arrays) + sum(map(sys.getsizeof, self._sums))

    def add(self, values: np.ndarray) -> None:
        """Fold in a (rows, B) float64 block of values; NaN values are left out."""
        x = np.ascontiguousarray(values, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] != self.rows:
            raise ValueError(f"expected ({self.rows}, B) values, got {x.shape}")
        if x.shape[1] == 0:
            return
        step = max(1, CHUNK // x.shape[1])
        for first in range(0, self.rows, step):
            self._add_plain(first, x[first : first + step])
        exact = np.flatnonzero(~self._bucketed)
        over = [self._add_exact(exact[i : i + step], x) for i in range(0, exact.size, step)]
        self._to_histogram(np.concatenate([np.empty(0, np.intp), *over]))
        hist = np.flatnonzero(self._bucketed)
        for i in range(0, hist.size, step):
            self._hist.add(*histogram(self._scale, hist[i : i + step], x[hist[i : i + step]]))

    def _add_plain(self, first: int, x: np.ndarray) -> None:
        """Count rows ``first...``: values, sums, min, max, infinities."""
        rows = slice(first, first + x.shape[0])
        self._count[rows] += x.shape[1] - np.isnan(x).sum(axis=1)
        low, high = np.fmin.reduce(x, axis=1), np.fmax.reduce(x, axis=1)  # NaN if all NaN
        np.fmin(self._low[rows], low, out=self._low[rows])
        np.fmax(self._high[rows], high, out=self._high[rows])
        if np.isinf(low).any() or np.isinf(high).any():
            self._infs[rows, 0] += (x == np.inf).sum(axis=1)
            self._infs[rows, 1] += (x == -np.inf).sum(axis=1)
        self._sums[rows] = map(int.__add__, self._sums[rows], _row_sums(x))

    def _add_exact(self, rows: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Fold x's values into the exact tables of ``rows``; return the rows that overflow.

        Rows that overflow keep their old table, for :meth:`_to_histogram`.
        """
        keys = _distinct_keys(x[rows])
        over = np.zeros(rows.size, bool)
        if keys.shape[1] > 4 * EXACT:  # cheap first look: many distinct values early on
            over = _compact(np.sort(keys[:, : 4 * EXACT], axis=1), None, 0)[2] > EXACT
            keys = keys[~over]
        keys.sort(axis=1)
        fresh, tally, distinct = _compact(keys, None, EXACT)
        kept = rows[~over]
        table, tally, total = _union(self._table[kept], self._tally[kept], fresh, tally)
        fits = (distinct <= EXACT) & (total <= EXACT)
        self._table[kept[fits]], self._tally[kept[fits]] = table[fits], tally[fits]
        return np.concatenate([rows[over], kept[~fits]])

    def _to_histogram(self, rows: np.ndarray) -> None:
        """Turn the exact tables of ``rows`` into histogram counts; the rows stay histograms."""
        if rows.size == 0:
            return
        rows = np.sort(rows)
        self._hist.add(*_table_histogram(self._scale, rows, self._table[rows], self._tally[rows]))
        self._table[rows], self._tally[rows] = _EMPTY, 0
        self._bucketed[rows] = True

    def merge(self, other: RowSketch) -> None:
        """Fold in ``other`` (same rows and alpha): the state of having added both inputs."""
        if other.rows != self.rows or other.alpha != self.alpha:
            raise ValueError("can only merge sketches of the same rows and alpha")
        if other is self:
            other = copy.deepcopy(other)
        self._count += other._count
        self._infs += other._infs
        np.minimum(self._low, other._low, out=self._low)
        np.maximum(self._high, other._high, out=self._high)
        self._sums = list(map(int.__add__, self._sums, other._sums))
        both = np.flatnonzero(~self._bucketed & ~other._bucketed)
        table, tally, total = _union(
            self._table[both], self._tally[both], other._table[both], other._tally[both]
        )
        fits = total <= EXACT
        self._table[both[fits]], self._tally[both[fits]] = table[fits], tally[fits]
        theirs = np.flatnonzero(~other._bucketed & self._bucketed)
        theirs = np.sort(np.concatenate([theirs, both[~fits]]))
        self._hist.add(
            *_table_histogram(self._scale, theirs, other._table[theirs], other._tally[theirs])
        )
        self._to_histogram(
            np.concatenate([np.flatnonzero(other._bucketed & ~self._bucketed), both[~fits]])
        )
        self._hist.merge(other._hist)

    def summarise(self) -> np.ndarray:
        """(rows, 6): mean, p05, p25, p50, p75, p95 (STAT_NAMES); NaN for rows with no value."""
        out = np.full((self.rows, len(STAT_NAMES)), np.nan)
        out[:, 0] = self._means()
        lower, upper, weight = positions(self._count)
        last = np.maximum(self._count - 1, 0)[:, None]
        ranks = np.concatenate(
            [np.where(lower < 0, last, lower), np.where(upper < 0, last, upper)], axis=1
        )
        some = self._count > 0
        picked = np.full(ranks.shape, np.nan)
        exact = np.flatnonzero(some & ~self._bucketed)
        picked[exact] = self._exact_values(exact, ranks[exact])
        hist = np.flatnonzero(some & self._bucketed)
        picked[hist] = self._hist_values(hist, ranks[hist])
        half = len(STAT_NAMES) - 1
        with np.errstate(invalid="ignore"):
            out[some, 1:] = lerp(picked[some, :half], picked[some, half:], weight[some])
        return out

    def _exact_values(self, rows: np.ndarray, ranks: np.ndarray) -> np.ndarray:
        """Order statistics at ``ranks`` (m, k) of exact ``rows``: numpy's, bit for bit."""
        ends = np.cumsum(self._tally[rows], axis=1)
        slot = (ends[:, :, None] <= ranks[:, None, :]).sum(axis=1)
        return from_keys(np.take_along_axis(self._table[rows], slot, axis=1))

    def _hist_values(self, rows: np.ndarray, ranks: np.ndarray) -> np.ndarray:
        """Bucket representatives at ``ranks`` (m, k) of histogram ``rows``, within min and max."""
        held = np.where(self._bucketed, self._count, 0)
        s = self._hist.buckets(rows, ranks, held)
        values: np.ndarray = np.clip(
            self._scale.values(s), self._low[rows][:, None], self._high[rows][:, None]
        )
        return values

    def _means(self) -> np.ndarray:
        """Correctly rounded means from the exact sums; +-inf / NaN where infinities were added."""
        means = np.full(self.rows, np.nan)
        for row in np.flatnonzero(self._count > 0).tolist():
            plus, minus = self._infs[row].tolist()
            if plus or minus:
                means[row] = np.nan if plus and minus else (np.inf if plus else -np.inf)
                continue
            try:  # int / int is correctly rounded
                means[row] = self._sums[row] / (int(self._count[row]) << _SHIFT)
            except OverflowError:
                means[row] = np.inf if self._sums[row] > 0 else -np.inf
        return means
