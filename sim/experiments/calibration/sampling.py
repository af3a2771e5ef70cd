"""Parameter draws for calibration: a Latin hypercube on the priors, and sensitivities.

Both pin the chosen parameters per replication (``simulate(..., pinned=)``);
every other parameter keeps its own random stream, so two runs with the same
seed differ only through the pinned values (common random numbers).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import qmc

from sim.experiments.calibration.measure import matrix, run
from sim.experiments.calibration.targets import Target
from sim.scenario.dist import Dist
from sim.scenario.schema import Scenario

MOVES = 0.1  # an effect below a tenth of a target's half-width does not move it
EXTREMES = (0.05, 0.95)  # prior quantiles compared by the sensitivity screen


def latin_hypercube(
    priors: dict[str, Dist], n: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """``n`` joint draws, one stratum per draw in every parameter's prior quantiles."""
    try:
        sampler = qmc.LatinHypercube(d=len(priors), rng=rng)
    except TypeError:  # scipy < 1.15 names the generator ``seed``
        sampler = qmc.LatinHypercube(d=len(priors), seed=rng)
    unit = sampler.random(n)
    return {
        path: np.asarray(dist.ppf(unit[:, j]), dtype=float)
        for j, (path, dist) in enumerate(priors.items())
    }


def effects(
    scenario: Scenario,
    targets: list[Target],
    priors: dict[str, Dist],
    replications: int,
    seed: int,
    progress=None,
) -> np.ndarray:
    """How far each parameter moves each target, (targets, parameters).

    The parameter is pinned at its prior's 5th and then 95th percentile in two
    runs with common random numbers; the effect is the mean absolute change of
    the target's value, in units of the target's half-width. ``progress`` (an
    ``experiments.progress.Progress`` over the parameters) counts each one done.
    """
    scale = np.array([t.scale for t in targets])[:, None]
    out = np.zeros((len(targets), len(priors)))
    try:
        for j, (path, dist) in enumerate(priors.items()):
            ends = [
                matrix(
                    run(
                        scenario,
                        targets,
                        replications,
                        seed,
                        pinned={path: np.full(replications, float(x))},
                    ),
                    targets,
                )
                for x in dist.ppf(np.array(EXTREMES))
            ]
            change = np.abs(ends[1] - ends[0]) / scale
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                out[:, j] = np.nan_to_num(np.nanmean(change, axis=1), nan=0.0)
            if progress is not None:
                progress.update(1)
    finally:
        if progress is not None:
            progress.close()
    return out
