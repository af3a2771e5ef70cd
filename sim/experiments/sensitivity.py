"""Global sensitivity analysis with SALib: Sobol indices (with bootstrap CIs) and Morris.

The analysis half is model-free: ``design`` gives points in the unit cube for
factors (parameters, or groups of parameters that move together), any model
maps them to outputs, and ``analyse`` turns outputs into indices. ``study``
and ``evaluate`` apply it to a scenario: each point pins the factors'
parameters (through their distributions), runs R replications with common
random numbers, and the output is the chosen statistic of one summary row.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import math
import warnings
from dataclasses import dataclass

import numpy as np

from sim.experiments import samplers
from sim.experiments.parameters import ParamSpec

METHODS = ("sobol", "morris")
COLUMNS = {"sobol": ("S1", "S1_conf", "ST", "ST_conf"),
           "morris": ("mu_star", "mu_star_conf", "sigma")}
RESAMPLES = 1000  # bootstrap resamples for the confidence intervals
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Factors:
    """The inputs analysed: parameters, optionally gathered into named groups."""

    params: tuple[ParamSpec, ...]
    groups: tuple[tuple[int, ...], ...] | None = None  # members of each group, by column
    group_names: tuple[str, ...] | None = None

    @property
    def names(self) -> list[str]:
        """One name per factor: the group's name, or the parameter's path."""
        return list(self.group_names) if self.groups else [p.path for p in self.params]

    @property
    def count(self) -> int:
        """Number of factors (groups count once)."""
        return len(self.groups) if self.groups else len(self.params)

    def problem(self) -> dict:
        """Build the SALib problem over the unit cube."""
        return samplers.unit_problem(len(self.params), self._groups(),
                                     [p.path for p in self.params],
                                     list(self.group_names) if self.groups else None)

    def _groups(self) -> list[list[int]] | None:
        return [list(g) for g in self.groups] if self.groups else None


def grouped(params: list[ParamSpec], groups: list[tuple[str, tuple[str, ...]]]) -> Factors:
    """Gather parameters matching each group's globs; the rest stand alone.

    Groups are ordered by their first member, as SALib orders them. A parameter
    matching two groups belongs to the first named.
    """
    if not groups:
        return Factors(tuple(params))
    label = []
    for spec in params:
        names = [name for name, globs in groups
                 if any(fnmatch.fnmatchcase(spec.path, g) for g in globs)]
        label.append(names[0] if names else spec.path)
    empty = [name for name, _ in groups if name not in label]
    if empty:
        raise ValueError(f"group {empty[0]!r} matches none of the analysed parameters")
    order = list(dict.fromkeys(label))
    members = tuple(tuple(i for i, x in enumerate(label) if x == name) for name in order)
    return Factors(tuple(params), members, tuple(order))


def design(method: str, factors: Factors, n: int, rng: np.random.Generator,
           levels: int = 4) -> np.ndarray:
    """Unit-cube points: Saltelli (n x (factors + 2)) or Morris (n x (factors + 1))."""
    d = len(factors.params)
    if method == "sobol":
        return samplers.saltelli(d, n, rng, factors._groups())
    return samplers.morris(d, n, rng, levels, factors._groups())


def analyse(method: str, factors: Factors, unit: np.ndarray, y: np.ndarray, seed: int,
            levels: int = 4) -> list[dict]:
    """Compute indices per factor: S1, S1_conf, ST, ST_conf (Sobol) or mu_star, its CI, sigma."""
    problem = factors.problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "sobol":
            from SALib.analyze import sobol

            found = sobol.analyze(problem, y, calc_second_order=False, num_resamples=RESAMPLES,
                                  conf_level=CONFIDENCE, seed=seed)
        else:
            from SALib.analyze import morris

            found = morris.analyze(problem, unit, y, num_resamples=RESAMPLES,
                                   conf_level=CONFIDENCE, num_levels=levels, seed=seed)
    return [{"parameter": name, **{c: float(found[c][i]) for c in COLUMNS[method]}}
            for i, name in enumerate(factors.names)]


def ranked(rows: list[dict], method: str) -> list[dict]:
    """Rows by importance: total index (Sobol) or mu* (Morris), largest first."""
    key = "ST" if method == "sobol" else "mu_star"
    return sorted(rows, key=lambda r: (-_finite(r[key]), r["parameter"]))


def _finite(x: float) -> float:
    return x if math.isfinite(x) else -math.inf


def csv_text(rows: list[dict], method: str) -> str:
    """sensitivity.csv: ``parameter`` then the method's columns, ranked, 6 significant digits."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["parameter", *COLUMNS[method]])
    for row in ranked(rows, method):
        writer.writerow([row["parameter"], *(f"{row[c]:.6g}" for c in COLUMNS[method])])
    return out.getvalue()


def table(rows: list[dict], method: str, limit: int | None = None) -> str:
    """Format the ranked indices as a text table (``limit`` rows at most)."""
    shown = ranked(rows, method)[:limit]
    width = max([len("parameter")] + [len(r["parameter"]) for r in shown])
    if method == "sobol":
        head = f"{'rank':>4}  {'parameter':<{width}}  {'S1':>7} {'(95% CI)':>9}  {'ST':>7} " \
               f"{'(95% CI)':>9}"
        lines = [f"{i:>4}  {r['parameter']:<{width}}  {r['S1']:7.3f} ±{r['S1_conf']:<8.3f}  "
                 f"{r['ST']:7.3f} ±{r['ST_conf']:<8.3f}" for i, r in enumerate(shown, 1)]
    else:
        head = f"{'rank':>4}  {'parameter':<{width}}  {'mu*':>10} {'(95% CI)':>11}  {'sigma':>10}"
        lines = [f"{i:>4}  {r['parameter']:<{width}}  {r['mu_star']:10.4g} "
                 f"±{r['mu_star_conf']:<10.3g}  {r['sigma']:10.4g}" for i, r in enumerate(shown, 1)]
    return "\n".join(line.rstrip() for line in [head, *lines])
