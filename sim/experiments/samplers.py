"""Designs in the unit hypercube: full factorial, Latin hypercube, Sobol, Saltelli, Morris.

Every sampler takes a numpy Generator and returns points in ``[0, 1)^d``
(``design.Space`` maps them to parameter values). Same Generator state, same
points. The quasi-random designs use ``scipy.stats.qmc`` with scrambling.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
from scipy.stats import qmc


def _engine(cls, d: int, rng: np.random.Generator):
    """Build a scipy QMC engine seeded by ``rng`` (``rng=`` since scipy 1.15, else ``seed=``)."""
    try:
        return cls(d, rng=rng)
    except TypeError:
        return cls(d, seed=rng)


def grid(lists: list[list]) -> list[tuple]:
    """Return the full factorial of ``lists``: every combination, the first list outermost."""
    return list(itertools.product(*lists))


def lhs(d: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` Latin-hypercube points: each axis has one point in each of ``n`` strata."""
    return _engine(qmc.LatinHypercube, d, rng).random(n)


def sobol(d: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw the first ``n`` points of a scrambled Sobol sequence (balanced when n is 2^k)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # n not a power of two: still valid
        return _engine(qmc.Sobol, d, rng).random(n)


def saltelli(
    d: int, n: int, rng: np.random.Generator, groups: list[list[int]] | None = None
) -> np.ndarray:
    """Saltelli's design for first-order and total Sobol indices, ``n * (g + 2)`` rows.

    Rows come in blocks of ``g + 2`` (``g`` = number of groups, one per factor by
    default): A, then A with group k's columns taken from B for each k, then B;
    A and B are the two halves of a 2d-dimensional scrambled Sobol sequence.
    This is the layout ``SALib.analyze.sobol`` expects with ``calc_second_order=False``.
    """
    groups = groups if groups is not None else [[i] for i in range(d)]
    base = sobol(2 * d, n, rng)
    a, b = base[:, :d], base[:, d:]
    out = np.empty((n, len(groups) + 2, d))
    out[:, 0] = a
    for k, columns in enumerate(groups):
        out[:, k + 1] = a
        out[:, k + 1, columns] = b[:, columns]
    out[:, -1] = b
    return out.reshape(n * (len(groups) + 2), d)


def morris(
    d: int, n: int, rng: np.random.Generator, levels: int = 4, groups: list[list[int]] | None = None
) -> np.ndarray:
    """Morris one-at-a-time trajectories on a ``levels``-level grid, ``n * (g + 1)`` rows."""
    from SALib.sample import morris as salib_morris

    problem = unit_problem(d, groups)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return salib_morris.sample(problem, n, num_levels=levels, seed=rng)


def unit_problem(
    d: int,
    groups: list[list[int]] | None = None,
    names: list[str] | None = None,
    group_names: list[str] | None = None,
) -> dict:
    """Build a SALib problem over the unit hypercube (optionally with factor groups)."""
    names = names or [f"x{i}" for i in range(d)]
    problem = {"num_vars": d, "names": list(names), "bounds": [[0.0, 1.0]] * d}
    if groups is not None:
        labels = group_names or [f"g{k}" for k in range(len(groups))]
        member = {i: labels[k] for k, columns in enumerate(groups) for i in columns}
        problem["groups"] = [member[i] for i in range(d)]
    return problem
