"""A target's value in every replication of a run, and the model's band around it.

Sums over quarters and ratios are formed replication by replication from
per-replication series, never from quantiles.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from sim.experiments.calibration.targets import QUARTER, Target
from sim.model.ensemble import EnsembleResult, SimulateOptions, simulate
from sim.model.recorder import ANNUAL
from sim.scenario.schema import Scenario

HISTORY_LEVEL = "announced"  # targets are history: policies as they happened


@dataclass(frozen=True)
class Check:
    """A target against the model: the 5th, 50th and 95th percentiles of its value."""

    target: Target
    p05: float
    p50: float
    p95: float

    @property
    def inside(self) -> bool:
        """Check the target falls inside the model's 90% band.

        A point figure must lie in [p05, p95]; a published range must overlap it.
        The tolerance is not used here: it only widens what calibration accepts.
        """
        return bool(self.p05 <= self.target.high and self.p95 >= self.target.low)

    @property
    def centred(self) -> bool:
        """Check the model's median lies in the target's acceptance interval."""
        return bool(self.target.accept_low <= self.p50 <= self.target.accept_high)


def kept_metrics(targets: list[Target]) -> tuple[str, ...]:
    """Quarterly metrics whose per-replication values the targets need."""
    need: dict[str, None] = {}
    for target in targets:
        for term in target.terms + target.per:
            if QUARTER.match(target.period) or not term_is_annual(term):
                need[term] = None
    return tuple(need)


def term_is_annual(term: str) -> bool:
    """Check the recorder keeps annual per-replication values of ``term``."""
    return term in ANNUAL


def run(
    scenario: Scenario,
    targets: list[Target],
    replications: int,
    seed: int,
    first: int = 0,
    pinned: dict[str, np.ndarray] | None = None,
) -> EnsembleResult:
    """Simulate the history level, keeping what the targets need."""
    return simulate(
        scenario,
        replications,
        seed,
        [HISTORY_LEVEL],
        SimulateOptions(first=first, keep=kept_metrics(targets), pinned=pinned),
    )


def term_values(result: EnsembleResult, term: str, period: str) -> np.ndarray:
    """Per-replication values of one metric over ``period`` (first quota level)."""
    if not QUARTER.match(period) and term_is_annual(term):
        return result.replicates[term][0][:, result.years.index(int(period))]
    columns = [
        i
        for i, label in enumerate(result.quarters)
        if label == period or (len(period) == 4 and label.startswith(period))
    ]
    return result.kept[term][0][:, columns].sum(axis=-1)


def values(result: EnsembleResult, target: Target, period: str | None = None) -> np.ndarray:
    """Compute the target's metric in every replication (NaN: ratio undefined)."""
    period = period or target.period
    top = sum(term_values(result, t, period) for t in target.terms)
    if not target.per:
        return np.asarray(top, dtype=float)
    bottom = sum(term_values(result, t, period) for t in target.per)
    return np.divide(top, bottom, out=np.full(np.shape(bottom), np.nan), where=bottom > 0)


def band(sample: np.ndarray) -> tuple[float, float, float]:
    """5th, 50th and 95th percentiles, ignoring undefined replications."""
    if np.all(np.isnan(sample)):
        return (np.nan, np.nan, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p05, p50, p95 = np.nanquantile(sample, [0.05, 0.5, 0.95])
    return (float(p05), float(p50), float(p95))


def assess(result: EnsembleResult, targets: list[Target]) -> list[Check]:
    """Every target against the run."""
    return [Check(t, *band(values(result, t))) for t in targets]


def matrix(result: EnsembleResult, targets: list[Target]) -> np.ndarray:
    """Per-replication values of every target, (targets, R)."""
    return np.stack([values(result, t) for t in targets])
