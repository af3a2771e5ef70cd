"""Paired differences between two runs made with the same seed (common random numbers).

Replication r of both runs drew the same random numbers for every parameter the
two scenarios share, so the per-replication difference B_r - A_r removes the
shared noise; its mean and t interval are the comparison. Draws depend only on
(seed, parameter path, replication index), so runs with different replication
counts pair on their common first replications.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.core.metrics import format_value, headline, is_share

HEADLINE_METRICS = headline()
SHARES = frozenset(name for name in HEADLINE_METRICS if is_share(name))


@dataclass(frozen=True)
class Interval:
    """A mean with its two-sided confidence interval, over ``n`` values."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def excludes_zero(self) -> bool:
        """True when the interval lies wholly above or below zero."""
        return self.low > 0 or self.high < 0


def mean_interval(values: np.ndarray, confidence: float = 0.95) -> Interval:
    """Mean and Student-t interval of the finite values (NaN interval when fewer than 2)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    n = values.size
    if n < 2:
        mean = float(values.mean()) if n else math.nan
        return Interval(mean, math.nan, math.nan, n)
    mean = float(values.mean())
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return Interval(mean, mean - half, mean + half, n)


@dataclass(frozen=True)
class PairedStat:
    """One metric at one quota level and year: both means and the paired difference."""

    metric: str
    level: str
    year: int
    mean_a: float
    mean_b: float
    diff: Interval
    unpaired_half: float  # half-width had the runs been independent, for comparison


def paired(
    values_a: np.ndarray, values_b: np.ndarray, metric: str, level: str, year: int
) -> PairedStat:
    """Paired statistics over the common first replications of two (R,) arrays."""
    n = min(values_a.size, values_b.size)
    a, b = values_a[:n].astype(float), values_b[:n].astype(float)
    both = np.isfinite(a) & np.isfinite(b)
    diff = mean_interval(b[both] - a[both])
    unpaired = math.nan
    if both.sum() > 1:
        unpaired = float(
            stats.t.ppf(0.975, both.sum() - 1)
            * math.sqrt((a[both].var(ddof=1) + b[both].var(ddof=1)) / both.sum())
        )
    return PairedStat(
        metric,
        level,
        year,
        float(np.nanmean(a)) if n else math.nan,
        float(np.nanmean(b)) if n else math.nan,
        diff,
        unpaired,
    )


def paired_table(
    reps_a: dict[str, np.ndarray], reps_b: dict[str, np.ndarray], levels: list[str], year: int
) -> list[PairedStat]:
    """Every headline metric present in both runs, at each common level, in ``year``."""
    out = []
    ya, yb = ([int(y) for y in r["years"]] for r in (reps_a, reps_b))
    la, lb = ([str(x) for x in r["quota_levels"]] for r in (reps_a, reps_b))
    for metric in HEADLINE_METRICS:
        key = f"national.{metric}"
        if key not in reps_a or key not in reps_b:
            continue
        for level in levels:
            out.append(
                paired(
                    reps_a[key][la.index(level), :, ya.index(year)],
                    reps_b[key][lb.index(level), :, yb.index(year)],
                    metric,
                    level,
                    year,
                )
            )
    return out


def format_diff(metric: str, value: float, sign: bool = True) -> str:
    """Return a difference: percentage points for shares, else like :func:`format_value`."""
    if not math.isfinite(value):
        return "n/a"
    if metric in SHARES:
        return f"{value * 100:+.2f} pts" if sign else f"{value * 100:.2f} pts"
    text = format_value(metric, value)
    return "+" + text if value >= 0 and sign else text
