"""What a scenario discovery works on and finds: the sweep's inputs, the boxes, the whole.

Plain records shared by :mod:`sim.experiments.discovery` (which reads the
sweep and finds the boxes) and :mod:`sim.experiments.findings` (which tells
them), so that neither module needs the other's code to name them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.experiments import prim
from sim.experiments.targets import Target


@dataclass
class Inputs:
    """A sweep's varied parameters as numbers (months as ordinals, flags as 0/1)."""

    paths: list[str]
    kinds: list[str]
    shares: list[bool]
    x: np.ndarray
    skipped: list[str]
    seed: int = 0  # the sweep's seed (resampling and feature scoring derive from it)


@dataclass
class Found:
    """One discovered box: the reported box, the step it came from and its statistics.

    ``box`` statistics are over the points searched (those earlier boxes
    left), coverage and mass over all points; ``quasi_p`` maps each remaining
    limit ``(axis, side)`` to its quasi-p value, ``dropped`` lists the limits
    dropped as not significant, ``stability`` is (axes, 3): how often
    resampling reproduced each restriction at the closest coverage, at the
    closest density (EMA's two measures) and in the box the rule reports.
    """

    box: prim.Box
    step: int
    trajectory: list[prim.Box]
    quasi_p: dict
    dropped: list
    stability: np.ndarray
    base_rate: float
    base_p: float

    @property
    def beats_base(self) -> bool:
        """True when the density beats the base rate (binomial test at 5%)."""
        return self.base_p <= prim.SIGNIFICANCE


@dataclass(frozen=True)
class DiscoverOptions:
    """A discovery as asked for on the command line."""

    run_dir: str
    target: str  # METRIC[:STAT]@PERIOD OP VALUE
    quota: str = "announced"
    region: str = "national"
    find: str = "missed"  # or "met"
    min_density: float | None = None
    boxes: int = 2
    box: int | None = None  # trajectory step of the first box (None: the rule)
    progress: bool = False  # the PRIM runs' progress on stderr (the command line's)


@dataclass
class Discovery:
    """What a discovery found, ready to be told."""

    target: Target
    options: DiscoverOptions
    inputs: Inputs
    cases: np.ndarray
    found: list[Found]
    scores: np.ndarray | None
    undefined: int
    out: Path
