"""Counterfactual blocks along the replication axis.

A paired counterfactual needs the baseline's random numbers with some values
changed. :class:`BlockDraws` lays K variants side by side on the replication
axis: block k holds replications ``k*R .. k*R+R-1``, and every parameter's
draws there are the baseline's R draws passed through transformation k. One
Model then advances the baseline and every relaxation together, and block
k's replication r is paired with block 0's replication r.
"""

from __future__ import annotations

import numpy as np

from sim.model.constraints import Transform
from sim.model.rng import Draws
from sim.scenario.dist import Dist


class BlockDraws(Draws):
    """Draws for ``len(transforms)`` blocks of ``base.count`` replications each."""

    def __init__(self, base: Draws, transforms: list[Transform]):
        super().__init__(base.streams, base.count * len(transforms), base.first, base.pinned)
        self.base = base
        self.transforms = list(transforms)
        self.blocks = len(self.transforms)

    def __call__(self, path: str, dist: Dist) -> np.ndarray:
        """Return the baseline's draws of ``path``, transformed block by block, end to end."""
        values = self.base(path, dist)
        parts = [t(path, values) for t in self.transforms]
        if dist.is_fixed and all(part is values for part in parts):
            return np.broadcast_to(values[:1], (self.count,))  # unchanged constant: no copy
        return np.concatenate([np.broadcast_to(part, values.shape) for part in parts])

    def split(self, values: np.ndarray, axis: int = 1) -> np.ndarray:
        """Split a replication axis of length K*R into (K, R) at ``axis``."""
        shape = values.shape
        return values.reshape(*shape[:axis], self.blocks, self.base.count, *shape[axis + 1 :])
