"""Logarithmic-bucket histograms of many rows (DDSketch), for :mod:`sim.model.sketch`.

A value ``x`` falls in the bucket ``(g**(k-1), g**k]`` of ``|x|`` with
``g = (1 + alpha) / (1 - alpha)``; its representative ``2 g**k / (g + 1)`` is within
``alpha * |x|`` of every value in the bucket. Negative values are mirrored, 0.0
and -0.0 have a bucket of their own and +-inf the outermost ones, so bucket keys
are ordered like the values. Only occupied buckets are stored, per group of rows.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

GROUP = 64  # rows per histogram store (bounds the copy when new buckets are inserted)


class Scale:
    """Logarithmic buckets of relative accuracy alpha, as signed int64 keys ordered like values.

    Key 0 holds 0.0 and -0.0; key s in [1, top) holds ``|x|`` in ``(g**(k-1), g**k]``
    with ``k = s + kmin - 1``; key ``top`` holds inf; a negative value gets ``-key``.
    """

    def __init__(self, alpha: float):
        if not 0.0 < alpha < 0.5:
            raise ValueError(f"alpha must lie in (0, 0.5), not {alpha}")
        self.gamma = (1 + alpha) / (1 - alpha)
        self.log_gamma = float(np.log1p(2 * alpha / (1 - alpha)))
        self.kmin = int(np.floor(np.log(5e-324) / self.log_gamma)) - 1
        kmax = int(np.ceil(np.log(np.finfo(np.float64).max) / self.log_gamma)) + 1
        self.top = kmax - self.kmin + 2
        self.span = 2 * self.top + 1  # keys of one row: [-top, top]

    def keys(self, x: np.ndarray) -> np.ndarray:
        """Signed bucket keys of the NaN-free array ``x`` (monotone in ``x``)."""
        k = np.abs(x)
        with np.errstate(divide="ignore"):
            np.log(k, out=k)
        k /= self.log_gamma
        np.ceil(k, out=k)
        np.clip(k, self.kmin - 1, self.top + self.kmin - 1, out=k)
        s: np.ndarray = k.astype(np.int64)
        s -= self.kmin - 1
        np.negative(s, out=s, where=x < 0)
        return s

    def values(self, s: np.ndarray) -> np.ndarray:
        """Each key's representative: within alpha (relative) of every value in its bucket."""
        mag = np.abs(s)
        with np.errstate(over="ignore"):
            rep = np.exp((mag + self.kmin - 1) * self.log_gamma) * (2 / (self.gamma + 1))
        rep[mag == 0] = 0.0
        rep[mag == self.top] = np.inf
        signed: np.ndarray = np.where(s < 0, -rep, rep)
        return signed


class Counts:
    """Sorted unique keys with counts.

    Invariant: the content is the per-key total of everything added, whatever the
    order. int32 counts turn int64 once their total passes 2**31 - 1, so the
    dtype too depends only on what was added.
    """

    def __init__(self, key_dtype: npt.DTypeLike, value_dtype: npt.DTypeLike) -> None:
        self.keys = np.empty(0, key_dtype)
        self.values = np.empty(0, value_dtype)
        self.total = 0  # sum of the counts added while they are int32

    def add(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Add ``values`` at the sorted unique ``keys``."""
        if keys.size == 0:
            return
        keys = keys.astype(self.keys.dtype, copy=False)
        if self.values.dtype == np.int32:
            self.total += int(values.sum())
            if self.total > np.iinfo(np.int32).max:
                self.values = self.values.astype(np.int64)
        at = np.searchsorted(self.keys, keys)
        found = at < self.keys.size
        found[found] = self.keys[at[found]] == keys[found]
        self.values[at[found]] += values[found]  # keys unique: no repeated index
        new = ~found
        if new.any():
            self.keys = np.insert(self.keys, at[new], keys[new])
            self.values = np.insert(self.values, at[new], values[new])


class Histogram:
    """Bucket counts of the histogram rows: one :class:`Counts` store per GROUP rows.

    A store's keys are ``(row - its first row) * span + top + bucket``, int32 when
    they fit, with int32 counts until its total passes 2**31 - 1. Inserting new
    buckets copies one group's arrays, not the whole histogram.
    """

    def __init__(self, rows: int, scale: Scale):
        self.span, self.top = scale.span, scale.top
        small = GROUP * scale.span < np.iinfo(np.int32).max
        self.groups = [
            Counts(np.int32 if small else np.int64, np.int32) for _ in range(-(-rows // GROUP))
        ]

    @property
    def arrays(self) -> list[np.ndarray]:
        """Every array held."""
        return [a for group in self.groups for a in (group.keys, group.values)]

    def add(self, keys: np.ndarray, counts: np.ndarray) -> None:
        """Add ``counts`` at the sorted unique int64 keys ``row * span + top + bucket``."""
        width = GROUP * self.span
        cuts = np.searchsorted(keys, np.arange(len(self.groups) + 1) * width).tolist()
        for g, (first, last) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
            if last > first:
                self.groups[g].add(keys[first:last] - g * width, counts[first:last])

    def merge(self, other: Histogram) -> None:
        """Add the counts of ``other`` (same rows and scale)."""
        for mine, theirs in zip(self.groups, other.groups, strict=True):
            mine.add(theirs.keys, theirs.values)

    def buckets(self, rows: np.ndarray, ranks: np.ndarray, held: np.ndarray) -> np.ndarray:
        """Signed bucket keys of the values at ``ranks`` (m, k) of ``rows`` (sorted).

        ``held`` is each row's number of values in the histogram (0 for exact rows).
        """
        out = np.empty(ranks.shape, np.int64)
        group = rows // GROUP
        for g in np.unique(group).tolist():
            pick = group == g
            local = rows[pick] - g * GROUP
            count = held[g * GROUP : (g + 1) * GROUP]
            first = np.cumsum(count) - count  # rank of each row's first entry in the store
            store = self.groups[g]
            ends = np.cumsum(store.values, dtype=np.int64)
            at = np.searchsorted(ends, first[local][:, None] + ranks[pick], side="right")
            out[pick] = store.keys[at] - local[:, None] * self.span - self.top
        return out


def aggregate(keys: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique ``keys`` with their summed int64 ``weights``."""
    if keys.size == 0:
        return keys.astype(np.int64), weights.astype(np.int64)
    order = np.argsort(keys, kind="stable")
    keys, weights = keys[order], weights[order].astype(np.int64)
    start = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return keys[start], np.add.reduceat(weights, start)


def histogram(scale: Scale, rows: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bucket counts of the non-NaN values of (m, B) ``x`` as sorted sparse (keys, counts).

    Counted densely when the occupied key ranges (per row: negative keys, the
    zero key, positive keys) are no larger than the chunk, else by sorting.
    """
    valid = ~np.isnan(x)
    whole = valid.all()
    s = scale.keys(x if whole else np.where(valid, x, 0.0))
    ranges = _ranges(s, valid, scale.top)
    if ranges is None:
        combined = (rows[:, None] * scale.span + scale.top + s)[valid]
        return aggregate(combined, np.ones(combined.size, np.int64))
    neg_low, neg_width, pos_low, base, total = ranges
    slot = s - pos_low[:, None]
    slot += (base + neg_width + 1)[:, None]
    if neg_width.any():
        np.copyto(slot, s - neg_low[:, None] + base[:, None], where=s < 0)
    zero = s == 0
    if zero.any():
        np.copyto(slot, (base + neg_width)[:, None], where=zero)
    if not whole:
        np.copyto(slot, total, where=~valid)  # an extra last bin, dropped
    counts = np.bincount(slot.ravel(), minlength=total + 1)[:-1]
    bins = np.flatnonzero(counts)
    row = np.searchsorted(base, bins, side="right") - 1
    offset = bins - base[row]
    width = neg_width[row]
    keys = np.where(
        offset < width,
        neg_low[row] + offset,
        np.where(offset == width, 0, pos_low[row] + offset - width - 1),
    )
    return rows[row] * scale.span + scale.top + keys, counts[bins].astype(np.int64)


def _ranges(
    s: np.ndarray, valid: np.ndarray, top: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int] | None:
    """Lay each row's keys out as bins: its negative range, the zero key, its positive range.

    Returns (neg_low, neg_width, pos_low, base, total): ``base`` is each row's
    first bin, ``total`` the number of bins; None if that exceeds ``s.size``.
    """
    positive = valid & (s > 0)
    if positive.all():  # the usual case: one range a row
        pos_low, neg_low = s.min(axis=1), np.zeros(s.shape[0], np.int64)
        pos_width, neg_width = s.max(axis=1) - pos_low + 1, neg_low
    else:
        pos_low = s.min(axis=1, initial=top, where=positive)
        pos_width = np.maximum(s.max(axis=1, initial=0, where=positive) - pos_low + 1, 0)
        negative = s < 0
        neg_low = s.min(axis=1, initial=0, where=negative)
        neg_width = np.maximum(s.max(axis=1, initial=-top, where=negative) - neg_low + 1, 0)
    width = neg_width + 1 + pos_width
    total = int(width.sum())
    if total > s.size:
        return None
    return neg_low, neg_width, pos_low, np.cumsum(width) - width, total
