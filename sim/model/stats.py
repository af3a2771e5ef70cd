"""Summary statistics over the replication axis.

The quantiles are numpy's default ("linear", Hyndman & Fan type 7), computed
bit for bit as ``np.quantile``/``np.nanquantile`` would, but from one
selection pass over every row at once: floats are mapped to integers of the
same order (integer selection is faster) and rows holding NaN are handled
together instead of one by one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

import numpy as np

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
STAT_NAMES = ("mean", "p05", "p25", "p50", "p75", "p95")

_Q = np.array(QUANTILES)
_MAGNITUDE = np.int64(0x7FFFFFFFFFFFFFFF)
_BITS = 11  # 2**_BITS buckets a row when selecting order statistics
_FEWEST = 4096  # rows of fewer values are partitioned: bucketing would not pay
_SHARE = 4  # chosen buckets holding over 1/_SHARE of a row's keys: it is partitioned
_CHUNK = 1 << 20  # values selected at once
# ``select``'s keys of given rows and of a mask's elements
Source = tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]


def summarise(values: np.ndarray) -> np.ndarray:
    """Mean and quantiles over the last axis: (..., R) -> (..., 6).

    Undefined entries (NaN, e.g. a share of nothing delivered) are left out;
    a statistic with no defined replication is NaN.
    """
    values = np.asarray(values, dtype=float)
    rows = np.ascontiguousarray(values.reshape(-1, values.shape[-1]))
    out = np.empty((rows.shape[0], len(STAT_NAMES)))
    out[:, 0] = rows.mean(axis=1)  # each row's mean is its own: the same in any subset
    holes = np.isnan(out[:, 0])  # a row holding NaN has a NaN mean (so may one without)
    if holes.any():
        holes[holes] = np.isnan(rows[holes]).any(axis=1)
    if not holes.any():
        out[:, 1:] = quantiles(rows)
    else:
        whole = ~holes
        if whole.any():
            out[whole, 1:] = quantiles(rows[whole])
        out[holes] = summarise_holes(rows[holes])
    return out.reshape(*values.shape[:-1], len(STAT_NAMES))


def sort_keys(values: np.ndarray) -> np.ndarray:
    """Integers ordered like the float64 ``values`` (-0.0 just before 0.0)."""
    bits = values.view(np.int64)
    keys = np.right_shift(bits, 63)  # -1 where the sign bit is set, else 0
    np.bitwise_and(keys, _MAGNITUDE, out=keys)
    return np.bitwise_xor(keys, bits, out=keys)


def from_keys(keys: np.ndarray) -> np.ndarray:
    """Inverse of :func:`sort_keys`."""
    values: np.ndarray = (keys ^ ((keys >> 63) & _MAGNITUDE)).view(np.float64)
    return values


def positions(count: np.ndarray | int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Find numpy's neighbouring order statistics and weights for ``count`` values.

    Returns (lower, upper, gamma); index -1 means the largest value, as in
    numpy's ``_get_indexes`` (gamma is computed from it, as numpy does).
    """
    virtual = (np.asarray(count)[..., None] - 1) * _Q
    lower = np.floor(virtual)
    upper = lower + 1
    above = virtual >= np.asarray(count)[..., None] - 1
    lower[above] = -1
    upper[above] = -1
    lower[virtual < 0] = 0
    upper[virtual < 0] = 0
    lower, upper = lower.astype(np.intp), upper.astype(np.intp)
    return lower, upper, virtual - lower


def lerp(low: np.ndarray, high: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """Interpolate as numpy's ``_lerp`` does: exact at both ends, symmetric about 0.5."""
    diff = high - low
    mixed: np.ndarray = np.where(gamma >= 0.5, high - diff * (1 - gamma), low + diff * gamma)
    return mixed


def quantiles(rows: np.ndarray) -> np.ndarray:
    """:data:`QUANTILES` of every row of a NaN-free (M, R) array: (M, 5).

    Rows are taken a block at a time (about :data:`_CHUNK` values), which
    bounds the work arrays; each row's statistics are its own.
    """
    count = rows.shape[1]
    ranks, low, high, gamma = picks_of(count)
    out = np.empty((rows.shape[0], len(QUANTILES)))
    step = max(1, _CHUNK // max(count, 1))
    for start in range(0, rows.shape[0], step):
        chosen = order_statistics(rows[start : start + step], ranks)
        out[start : start + step] = lerp(
            from_keys(chosen[:, low]), from_keys(chosen[:, high]), gamma
        )
    return out


@functools.lru_cache(maxsize=64)
def picks_of(count: int) -> tuple[np.ndarray, ...]:
    """Return the ranks to select for ``count`` values, where the neighbours are, and weights.

    The ranks are sorted and distinct; numpy's lower and upper neighbours
    (:func:`positions`) are ``ranks[low]`` and ``ranks[high]``. Read-only:
    the arrays are shared.
    """
    lower, upper, gamma = positions(count)
    ranks = np.unique(np.concatenate([lower, upper]) % count)
    out = (
        ranks,
        np.searchsorted(ranks, lower % count),
        np.searchsorted(ranks, upper % count),
        gamma,
    )
    for array in out:
        array.setflags(write=False)
    return out


def order_statistics(values: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Return the ``ranks``-th smallest (sorted, distinct) of each row of ``values`` (M, R).

    As :func:`sort_keys` keys, (M, K): exact, and what ``np.partition`` of
    the keys gives (the order is total). Rows of under :data:`_FEWEST`
    values are partitioned; the others are selected by :func:`select`.
    """
    keys = sort_keys(values)
    if keys.shape[1] < _FEWEST:
        keys.partition(ranks, axis=1)
        return keys[:, ranks]
    source = (lambda rows: sort_keys(values[rows]), lambda mask: sort_keys(values[mask]))
    return select(keys, ranks, source, narrow=True)


def select(keys: np.ndarray, ranks: np.ndarray, source: Source, narrow: bool) -> np.ndarray:
    """Select ``ranks`` of each row of ``keys`` (M, R) by buckets; ``keys`` is overwritten.

    Each row's keys fall in 2**:data:`_BITS` equal buckets spanning its
    range; a histogram finds the bucket holding each rank, and only those
    buckets' keys are sorted. A row whose buckets are single keys is read
    off the histogram. A row whose chosen buckets hold over 1/:data:`_SHARE`
    of its keys (ties, or a tight cluster) is selected again within the
    chosen buckets' range (``narrow``), else partitioned. ``source`` gives
    the keys of given rows and of a mask's elements, (rows, R) and row-major.
    """
    rows, count = keys.shape
    start, shift, span = bucket_keys(keys)  # keys become their buckets
    hist = np.bincount(keys.reshape(-1), minlength=rows << _BITS)
    ends = np.cumsum(hist)  # keys in buckets up to each (all rows in turn)
    before = np.arange(rows)[:, None] * count  # keys of the rows before
    chosen = np.searchsorted(ends, ranks[None, :] + before, side="right")  # (M, K) buckets
    size = hist[chosen]
    place = ranks[None, :] - (ends[chosen] - size - before)  # rank in its bucket
    local = (chosen - (np.arange(rows) << _BITS)[:, None]).astype(np.uint64)  # bucket in row
    out: np.ndarray = (start[:, None] + local).view(np.int64)  # right where a bucket is one key
    first = np.ones(chosen.shape, dtype=bool)  # first rank of its bucket
    first[:, 1:] = chosen[:, 1:] != chosen[:, :-1]
    earlier = np.cumsum(np.where(first, size, 0), axis=1)  # keys of buckets up to each
    place += earlier - size  # rank among the row's chosen buckets' keys
    tied = (earlier[:, -1] > count // _SHARE) & (shift != 0)
    if tied.any():
        out[tied] = (
            narrowed(source[0](tied), ranks, (start, shift, span, local), tied)
            if narrow
            else np.partition(source[0](tied), ranks, axis=1)[:, ranks]
        )
    sort = ~tied & (shift != 0)
    if sort.any():
        out[sort] = sorted_picks(source[1], keys, (chosen, place), sort)
    return out


def narrowed(
    keys: np.ndarray,
    ranks: np.ndarray,
    buckets: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    rows: np.ndarray,
) -> np.ndarray:
    """Select ``ranks`` of ``keys`` (the rows ``rows`` of a selection) within their buckets.

    Where the chosen buckets span under a quarter of the row's range (a
    cluster, stretched by outliers), keys below the first chosen bucket or
    above the last are clamped to its bounds, which leaves the keys at the
    chosen ranks in place, and the row is selected again over that range
    only. Other rows (ties) are partitioned.
    """
    start, shift, span, local = (b[rows] for b in buckets)
    low = local[:, 0] << shift  # offsets from start; the last bucket's top within span
    high = np.minimum((local[:, -1] << shift) + ((np.uint64(1) << shift) - np.uint64(1)), span)
    narrow = high - low < span >> np.uint64(2)
    out = np.empty((len(keys), len(ranks)), dtype=np.int64)
    if (~narrow).any():
        out[~narrow] = np.partition(keys[~narrow], ranks, axis=1)[:, ranks]
    if narrow.any():
        clamped = np.clip(
            keys[narrow],
            (start + low)[narrow].view(np.int64)[:, None],
            (start + high)[narrow].view(np.int64)[:, None],
        )
        source = (lambda part: clamped[part], lambda mask: clamped[mask])
        out[narrow] = select(clamped.copy(), ranks, source, narrow=False)
    return out


def bucket_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn ``keys`` (M, R) into their buckets, numbered across rows: start, shift, span.

    A row's bucket of key k is ``(k - start) >> shift`` (unsigned, so no
    overflow), with ``start`` the row's smallest key; it is below
    2**:data:`_BITS`, and row i's buckets are numbered from ``i << _BITS``.
    """
    start = keys.min(axis=1).view(np.uint64)
    span = keys.max(axis=1).view(np.uint64) - start
    # bit length of span, or one more where the float rounds up: buckets stay in range
    shift = np.maximum(np.frexp(span.astype(np.float64))[1] - _BITS, 0).astype(np.uint64)
    buckets = keys.view(np.uint64)
    np.subtract(buckets, start[:, None], out=buckets)
    np.right_shift(buckets, shift[:, None], out=buckets)
    keys += (np.arange(keys.shape[0], dtype=np.int64) << _BITS)[:, None]
    return start, shift, span


def sorted_picks(
    picked: Callable[[np.ndarray], np.ndarray],
    buckets: np.ndarray,
    picks: tuple[np.ndarray, np.ndarray],
    rows: np.ndarray,
) -> np.ndarray:
    """Return the picked ranks of ``rows`` (a mask) from their chosen buckets' keys, sorted.

    ``picks`` are each rank's bucket and its place among the chosen buckets'
    keys of its row in order, (M, K) each; ``picked(mask)`` gives the keys
    at a mask, row-major. Returns (rows chosen, K).
    """
    chosen, place = (p[rows] for p in picks)
    wanted = np.zeros(buckets.shape[0] << _BITS, dtype=bool)  # by bucket: those of ``rows``
    wanted[chosen] = True
    mask = wanted[buckets]  # False on the other rows
    counts = np.count_nonzero(mask, axis=1)[rows]
    padded = np.full((len(counts), counts.max()), np.iinfo(np.int64).max)
    row = np.repeat(np.arange(len(counts)), counts)
    column = np.arange(row.size) - (np.cumsum(counts) - counts)[row]
    padded[row, column] = picked(mask)  # row-major: each row's keys together
    padded.sort(axis=1)
    return np.take_along_axis(padded, place, axis=1)


def summarise_holes(rows: np.ndarray) -> np.ndarray:
    """Statistics of (H, R) rows that hold NaN, over their defined values: (H, 6)."""
    valid = ~np.isnan(rows)
    count = valid.sum(axis=1, dtype=np.intp)
    out = np.full((rows.shape[0], len(STAT_NAMES)), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[:, 0] = np.where(valid, rows, 0.0).sum(axis=1) / count
    keys = np.sort(np.where(valid, sort_keys(rows), np.iinfo(np.int64).max), axis=1)
    lower, upper, gamma = positions(count)
    last = np.maximum(count - 1, 0)[:, None]
    lower = np.where(lower < 0, last, lower)
    upper = np.where(upper < 0, last, upper)
    low = from_keys(np.take_along_axis(keys, lower, axis=1))
    high = from_keys(np.take_along_axis(keys, upper, axis=1))
    some = count > 0
    out[some, 1:] = lerp(low[some], high[some], gamma[some])
    return out


def share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """``part / whole``, NaN where ``whole`` is zero (the share is undefined)."""
    return ratio(part, whole, np.nan)


def ratio(part: np.ndarray, whole: np.ndarray, fill: float) -> np.ndarray:
    """``part / whole`` where ``whole > 0``, else ``fill``."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        quotient: np.ndarray = np.divide(part, whole)
    np.copyto(quotient, fill, where=~(whole > 0))  # faster here than np.where
    return quotient


def total(terms: Iterable[np.ndarray]) -> np.ndarray:
    """Sum of equal-shaped arrays, added in order into a new array.

    Bit for bit what ``np.stack(terms).sum(axis=0)`` gives: numpy adds the
    rows of a leading axis one after another, starting from 0.0 (so -0.0
    sums to 0.0), at least when the rows are not single numbers. Summing as
    they come avoids holding the stack.
    """
    terms = iter(terms)
    out: np.ndarray = np.add(0.0, next(terms))
    for term in terms:
        out += term
    return out
