"""Summary statistics over the replication axis.

The quantiles are numpy's default ("linear", Hyndman & Fan type 7), computed
bit for bit as ``np.quantile``/``np.nanquantile`` would, but from one
selection pass over every row at once: floats are mapped to integers of the
same order (integer selection is faster) and rows holding NaN are handled
together instead of one by one.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
STAT_NAMES = ("mean", "p05", "p25", "p50", "p75", "p95")

_Q = np.array(QUANTILES)
_MAGNITUDE = np.int64(0x7FFFFFFFFFFFFFFF)


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
    return (keys ^ ((keys >> 63) & _MAGNITUDE)).view(np.float64)


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
    return np.where(gamma >= 0.5, high - diff * (1 - gamma), low + diff * gamma)


def quantiles(rows: np.ndarray) -> np.ndarray:
    """:data:`QUANTILES` of every row of a NaN-free (M, R) array: (M, 5)."""
    count = rows.shape[1]
    lower, upper, gamma = positions(count)
    kth = np.unique(np.concatenate([lower, upper]) % count)
    keys = sort_keys(rows)
    keys.partition(kth, axis=1)
    return lerp(from_keys(keys[:, lower]), from_keys(keys[:, upper]), gamma)


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
        quotient = np.divide(part, whole)
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
    out = np.add(0.0, next(terms))
    for term in terms:
        out += term
    return out
