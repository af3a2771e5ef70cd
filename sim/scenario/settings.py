"""A run's replications, root seed and quota levels: the one place their defaults come from.

Every entry point (``chipsim run``, :func:`sim.run`, sweeps, studies, the
explanation, the calibration) may leave any of the three unset (None, or no
levels); :func:`resolve` fills them from the scenario's ``[run]`` table
(:class:`sim.scenario.schema.RunSpec`), once, at the boundary, and the
resolved :class:`RunSettings` is what is passed down to the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class RunSettings:
    """Replications, root seed and quota levels of a run, none of them left unset."""

    replications: int
    seed: int
    levels: tuple[str, ...]


def resolve(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    levels: Sequence[str] | None = None,
) -> RunSettings:
    """Return the settings asked for, the scenario's ``[run]`` values where unset.

    Replications None (or 0) and levels None (or empty) take the scenario's;
    a seed of None takes the scenario's (0 is a seed).
    """
    return RunSettings(
        replications or scenario.run.replications,
        scenario.run.seed if seed is None else seed,
        tuple(levels) if levels else tuple(scenario.run.quota_levels),
    )
