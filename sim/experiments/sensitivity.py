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
import warnings
from dataclasses import dataclass

import numpy as np

from sim.experiments import methods, samplers
from sim.experiments.diagnostics import CODES_COLUMN, ranked
from sim.experiments.parameters import ParamSpec
from sim.scenario.errors import echo

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
        return list(self.group_names or ()) if self.groups else [p.path for p in self.params]

    @property
    def count(self) -> int:
        """Number of factors (groups count once)."""
        return len(self.groups) if self.groups else len(self.params)

    def problem(self) -> dict:
        """Build the SALib problem over the unit cube."""
        return samplers.unit_problem(
            len(self.params),
            self._groups(),
            [p.path for p in self.params],
            list(self.group_names or ()) if self.groups else None,
        )

    def _groups(self) -> list[list[int]] | None:
        return [list(g) for g in self.groups] if self.groups else None


def grouped(params: list[ParamSpec], groups: list[tuple[str, tuple[str, ...]]]) -> Factors:
    """Gather parameters matching each group's globs; the rest stand alone.

    Groups are ordered by their first member, as SALib orders them. A parameter
    matching two groups belongs to the first named (a name given twice gathers
    what either matches). Raises ValueError, saying which group and why, for a
    group left empty (matching nothing, or only parameters an earlier group
    took), a group named like an analysed parameter, and fewer than two
    factors after grouping: Sobol and Morris compare factors, and one factor
    gives nothing to compare (an S1 above 1, a Morris sigma of nan).
    """
    paths = [spec.path for spec in params]
    if not groups:
        return _two_or_more(Factors(tuple(params)), len(params))
    names = [name for name, _ in groups]
    for name in names:
        if name in paths:  # its factor would silently take that parameter in too
            raise ValueError(
                f"group {echo(name)} has the name of an analysed parameter; choose another name"
            )
    matches = [
        {p for p in paths if any(fnmatch.fnmatchcase(p, g) for g in globs)} for _, globs in groups
    ]
    label = [
        next((name for name, found in zip(names, matches, strict=True) if path in found), path)
        for path in paths
    ]
    for name, found in zip(names, matches, strict=True):
        if name in label:
            continue
        if not found:
            raise ValueError(f"group {echo(name)} matches none of the analysed parameters")
        owners = list(dict.fromkeys(label[i] for i, p in enumerate(paths) if p in found))
        what = (
            "the analysed parameter it matches is"
            if len(found) == 1
            else f"all {len(found)} analysed parameters it matches are"
        )
        held = ", ".join(echo(o) for o in owners[:3]) + (" ..." if len(owners) > 3 else "")
        raise ValueError(
            f"group {echo(name)} is left empty: {what} already in "
            f"group{'s' if len(owners) > 1 else ''} {held}, named before it (a "
            "parameter joins the first group that matches it)"
        )
    order = list(dict.fromkeys(label))
    members = tuple(tuple(i for i, x in enumerate(label) if x == name) for name in order)
    return _two_or_more(Factors(tuple(params), members, tuple(order)), len(params))


def _two_or_more(factors: Factors, params: int) -> Factors:
    """``factors`` when there are at least two of them, else ValueError saying so."""
    if factors.count >= 2:
        return factors
    if factors.groups:
        raise ValueError(
            f"the groups gather all {params} analysed parameters into one factor "
            f"({echo(factors.names[0])}); sensitivity needs at least two factors: "
            "leave some parameters out of the groups"
        )
    raise ValueError(f"sensitivity needs at least two factors; {params} parameter(s) analysed")


def design(
    method: str, factors: Factors, n: int, rng: np.random.Generator, levels: int = 4
) -> np.ndarray:
    """Unit-cube points of the method (Sobol: Saltelli's n x (factors + 2); Morris: n x (+1)).

    Raises ValueError for fewer than two factors (see :func:`grouped`).
    """
    _two_or_more(factors, len(factors.params))
    return methods.method(method).design(len(factors.params), n, rng, factors._groups(), levels)


def analyse(
    method: str, factors: Factors, unit: np.ndarray, y: np.ndarray, seed: int, levels: int = 4
) -> list[dict]:
    """Compute indices per factor: the method's columns (S1, S1_conf, ST, ST_conf; mu*, ...)."""
    chosen = methods.method(method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = chosen.analyse(factors.problem(), unit, y, seed, levels, RESAMPLES, CONFIDENCE)
    return [
        {"parameter": name, **{c: float(found[c][i]) for c in chosen.columns}}
        for i, name in enumerate(factors.names)
    ]


def csv_text(rows: list[dict], method: str, flags: dict[str, str] | None = None) -> str:
    """sensitivity.csv: ``parameter``, the method's columns (6 significant digits), ``warnings``.

    Rows are ranked; ``flags`` maps a parameter to its warning codes
    (:func:`sim.experiments.diagnostics.codes_by_parameter`), empty when none.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = methods.method(method).columns
    writer.writerow(["parameter", *columns, CODES_COLUMN])
    for row in ranked(rows, method):
        writer.writerow(
            [
                row["parameter"],
                *(f"{row[c]:.6g}" for c in columns),
                (flags or {}).get(row["parameter"], ""),
            ]
        )
    return out.getvalue()


def table(
    rows: list[dict], method: str, limit: int | None = None, flags: dict[str, str] | None = None
) -> str:
    """Format the ranked indices as a text table (``limit`` rows at most).

    Each column of the method is shown with its interval when it has one
    (``S1 ±S1_conf``); Sobol indices to 3 decimals, Morris effects to 4 digits.
    ``flags`` (parameter -> warning codes) adds a last column naming them.
    """
    chosen = methods.method(method)
    shown = ranked(rows, method)[:limit]
    width = max([len("parameter")] + [len(r["parameter"]) for r in shown])
    pairs = [
        (c, f"{c}_conf" if f"{c}_conf" in chosen.columns else None)
        for c in chosen.columns
        if not c.endswith("_conf")
    ]
    size, spec = (7, "7.3f") if chosen.additive else (10, "10.4g")
    head = f"{'rank':>4}  {'parameter':<{width}}"
    for name, conf in pairs:
        head += f"  {name.replace('_star', '*'):>{size}}" + (f" {'(95% CI)':>9}" if conf else "")
    lines = [head + (f"  {CODES_COLUMN}" if flags else "")]
    for i, r in enumerate(shown, 1):
        line = f"{i:>4}  {r['parameter']:<{width}}"
        for name, conf in pairs:
            line += f"  {r[name]:{spec}}" + (f" ±{r[conf]:<8.3g}" if conf else "")
        lines.append(line + (f"  {flags.get(r['parameter'], '')}" if flags else ""))
    return "\n".join(line.rstrip() for line in lines)
