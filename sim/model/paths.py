"""Monthly paths, shape ``(replications, months)``, built from dated anchors."""

from __future__ import annotations

import numpy as np

from sim.calendar import Calendar


def year_steps(cal: Calendar, values: dict[int, np.ndarray], count: int) -> np.ndarray:
    """Each month takes its year's value; a year without one keeps the last.

    Years before the first given year take the first value.
    """
    years = sorted(values)
    if not years:
        return np.zeros((count, cal.months))
    out = np.empty((count, cal.months))
    for t in range(cal.months):
        year = cal.year(t)
        known = [y for y in years if y <= year] or years[:1]
        out[:, t] = values[known[-1]]
    return out


def year_end_linear(cal: Calendar, values: dict[int, np.ndarray], count: int) -> np.ndarray:
    """Anchors at December of each year, linear between, flat outside."""
    years = sorted(values)
    if not years:
        return np.zeros((count, cal.months))
    anchors = np.array([y * 12 + 11 for y in years], dtype=float)
    stacked = np.stack([np.broadcast_to(values[y], (count,)) for y in years], axis=1)
    months = cal.start + np.arange(cal.months)
    # Interpolation weights are shared by all replications.
    idx = np.clip(np.searchsorted(anchors, months, side="right"), 1, max(len(anchors) - 1, 1))
    if len(anchors) == 1:
        return np.repeat(stacked, cal.months, axis=1)
    left, right = anchors[idx - 1], anchors[idx]
    weight = np.clip((months - left) / (right - left), 0.0, 1.0)
    return stacked[:, idx - 1] * (1 - weight) + stacked[:, idx] * weight


def month_points(cal: Calendar, points: dict[int, float]) -> np.ndarray:
    """Piecewise-linear path through (month ordinal, value) points, flat outside."""
    xs = sorted(points)
    months = cal.start + np.arange(cal.months)
    return np.interp(months, xs, [points[x] for x in xs])


def ramp(cal: Calendar, start_step: np.ndarray, months: np.ndarray) -> np.ndarray:
    """0 before ``start_step``, rising linearly to 1 over ``months``; (R, T)."""
    t = np.arange(cal.months)[None, :]
    return np.clip((t - start_step[:, None] + 1) / months[:, None], 0.0, 1.0)


def from_step(cal: Calendar, step: np.ndarray) -> np.ndarray:
    """Boolean mask, True from ``step`` on (per replication); (R, T)."""
    return np.arange(cal.months)[None, :] >= step[:, None]


def yearly_growth(cal: Calendar, rate: np.ndarray) -> np.ndarray:
    """Compound factor ``(1 + rate) ** years_since_start``; (R, T)."""
    years = np.array([cal.year(t) - cal.year(0) for t in range(cal.months)], dtype=float)
    return (1.0 + rate[:, None]) ** years[None, :]
