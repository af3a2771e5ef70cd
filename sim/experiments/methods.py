"""The registry of experiment designs: sweep samplers and sensitivity methods, one entry each.

Every module that names a sampler or a method (the sweep's design, the
sensitivity study, the command line, the report) reads it here, so adding one
is one entry below plus its test. Nothing here imports SALib or scipy at
import time: the report reads the registry without loading the samplers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Sampler:
    """A sweep design over the uncertain parameters (``draw`` None: the factorial of --set)."""

    name: str
    summary: str
    draw: Callable[[int, int, np.random.Generator], np.ndarray] | None

    @property
    def samples(self) -> bool:
        """True when the design draws points (lhs, sobol) rather than listing them (grid)."""
        return self.draw is not None


def _lhs(d: int, n: int, rng: np.random.Generator) -> np.ndarray:
    from sim.experiments import samplers

    return samplers.lhs(d, n, rng)


def _sobol(d: int, n: int, rng: np.random.Generator) -> np.ndarray:
    from sim.experiments import samplers

    return samplers.sobol(d, n, rng)


GRID = Sampler("grid", "full factorial of the --set lists", None)
LHS = Sampler("lhs", "Latin hypercube (scipy.stats.qmc)", _lhs)
SOBOL_SEQUENCE = Sampler("sobol", "scrambled Sobol sequence (scipy.stats.qmc)", _sobol)
SAMPLERS = {s.name: s for s in (GRID, LHS, SOBOL_SEQUENCE)}


def default_sampler(listed: bool) -> Sampler:
    """Return the design a sweep uses without --sample: grid with --set lists, else lhs."""
    return GRID if listed else LHS


def sampler(name: str) -> Sampler:
    """Look up a sampler by name (KeyError names the known ones)."""
    if name not in SAMPLERS:
        raise KeyError(f"unknown sampler {name!r}: expected one of {', '.join(SAMPLERS)}")
    return SAMPLERS[name]


@dataclass(frozen=True)
class Bar:
    """One quantity a sensitivity figure draws per factor, with its interval column."""

    column: str
    label: str
    conf: str | None = None


@dataclass(frozen=True)
class Method:
    """A global sensitivity method: its design, its SALib analysis, its columns and words.

    ``design(d, n, rng, groups, levels)`` gives unit-cube points; ``analyse(problem,
    unit, y, seed, levels, resamples, confidence)`` returns SALib's result dict.
    """

    name: str
    label: str
    columns: tuple[str, ...]  # sensitivity.csv after ``parameter``
    key: str  # the column ranking factors, largest first
    default_n: int
    n_words: str  # how N reads: "N={n}" or "{n} trajectories"
    points_per_n: Callable[[int], int]  # design points per unit of N, given the factor count
    design: Callable
    analyse: Callable
    bars: tuple[Bar, ...]  # what the report's bar chart draws
    markers: tuple[Bar, ...]
    axis: str  # the bar chart's x-axis label ({outcome} is filled in)
    reading: str  # one sentence the report adds after the ranking
    first_order: str | None = None  # the column of additive first-order indices (Sobol)

    @property
    def additive(self) -> bool:
        """True when first-order indices add up to at most 1 (variance shares)."""
        return self.first_order is not None

    def size(self, n: int | str) -> str:
        """Say the design size in this method's words (``n`` a count, or one already written)."""
        return self.n_words.format(n=n)

    def out_dir(self, scenario_name: str) -> str:
        """Default output directory name: ``<scenario>-<method>``."""
        return f"{scenario_name}-{self.name}"


def _saltelli(d, n, rng, groups, levels):
    from sim.experiments import samplers

    return samplers.saltelli(d, n, rng, groups)


def _morris_design(d, n, rng, groups, levels):
    from sim.experiments import samplers

    return samplers.morris(d, n, rng, levels, groups)


def _sobol_analyse(problem, unit, y, seed, levels, resamples, confidence):
    from SALib.analyze import sobol

    return sobol.analyze(
        problem,
        y,
        calc_second_order=False,
        num_resamples=resamples,
        conf_level=confidence,
        seed=seed,
    )


def _morris_analyse(problem, unit, y, seed, levels, resamples, confidence):
    from SALib.analyze import morris

    return morris.analyze(
        problem,
        unit,
        y,
        num_resamples=resamples,
        conf_level=confidence,
        num_levels=levels,
        seed=seed,
    )


SOBOL = Method(
    "sobol",
    "Sobol",
    ("S1", "S1_conf", "ST", "ST_conf"),
    "ST",
    256,
    "N={n}",
    lambda factors: factors + 2,
    _saltelli,
    _sobol_analyse,
    (Bar("ST", "Total effect (ST)", "ST_conf"), Bar("S1", "First-order (S1)", "S1_conf")),
    (),
    "Sobol index (share of output variance), 95% confidence interval",
    "First-order indices add up to {first:.2f}: the remaining {rest:.2f} of the variance "
    "comes from interactions.",
    first_order="S1",
)
MORRIS = Method(
    "morris",
    "Morris",
    ("mu_star", "mu_star_conf", "sigma"),
    "mu_star",
    20,
    "{n} trajectories",
    lambda factors: factors + 1,
    _morris_design,
    _morris_analyse,
    (Bar("mu_star", "μ*", "mu_star_conf"),),
    (Bar("sigma", "σ (interactions, non-linearity)"),),
    "Morris elementary effects on {outcome}, μ* with 95% interval",
    "A σ close to μ* flags an input whose effect depends on the others.",
)
METHODS = {m.name: m for m in (SOBOL, MORRIS)}


def method(name: str) -> Method:
    """Look up a sensitivity method by name (KeyError names the known ones)."""
    if name not in METHODS:
        raise KeyError(f"unknown method {name!r}: expected one of {', '.join(METHODS)}")
    return METHODS[name]


def method_of_columns(columns) -> Method | None:
    """Return the method whose sensitivity.csv has these columns (None when none does)."""
    names = set(columns)
    for candidate in METHODS.values():
        if {candidate.key, *(b.column for b in candidate.bars)} <= names:
            return candidate
    return None
