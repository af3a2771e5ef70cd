"""Summary statistics over the replication axis."""

from __future__ import annotations

import warnings

import numpy as np

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
STAT_NAMES = ("mean", "p05", "p25", "p50", "p75", "p95")


def summarise(values: np.ndarray) -> np.ndarray:
    """Mean and quantiles over the last axis: (..., R) -> (..., 6).

    Undefined entries (NaN, e.g. a share of nothing delivered) are left out;
    a statistic with no defined replication is NaN.
    """
    if not np.isnan(values).any():
        q = np.quantile(values, QUANTILES, axis=-1)
        return np.concatenate([values.mean(axis=-1)[None], q]).transpose(
            *range(1, values.ndim), 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        q = np.nanquantile(values, QUANTILES, axis=-1)
        mean = np.nanmean(values, axis=-1)
    return np.concatenate([mean[None], q]).transpose(*range(1, values.ndim), 0)


def share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """``part / whole``, NaN where ``whole`` is zero (the share is undefined)."""
    return np.divide(part, whole, out=np.full(np.shape(whole), np.nan), where=whole > 0)
