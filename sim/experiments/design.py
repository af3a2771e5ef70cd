"""An experiment's design: which points, each a value for every varied parameter.

Points are the full factorial of the ``--set`` lists (first list outermost)
crossed with ``n`` sampled points over the remaining uncertain parameters
(innermost), so every listed combination sees the same sampled points. A
``--set`` with one value fixes its parameter for the whole experiment.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field

import numpy as np

from sim.experiments import methods, samplers
from sim.experiments.parameters import ParamSpec, apply, check_point, lookup, uncertain
from sim.model.rng import Streams
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario

DESIGN_STREAM = "experiments.design"  # not a parameter path: never collides with model draws
SPACES = ("range", "dist")


@dataclass(frozen=True)
class Space:
    """Maps unit-cube coordinates to parameter values.

    ``range``: uniform over each parameter's declared range (scenario discovery
    wants the space filled evenly). ``dist``: through each parameter's own
    distribution (variance-based sensitivity wants the stated uncertainty);
    a log-normal is cut to its 1-99% band. Dates are whole months either way.
    """

    params: tuple[ParamSpec, ...]
    mode: str = "range"

    def values(self, unit: np.ndarray) -> np.ndarray:
        """Map points ``(n, d)`` in ``[0, 1]^d`` to parameter values ``(n, d)``."""
        out = np.empty(np.shape(unit), dtype=float)
        for j, spec in enumerate(self.params):
            out[:, j] = self.column(spec, np.asarray(unit)[:, j])
        return out

    def column(self, spec: ParamSpec, u: np.ndarray) -> np.ndarray:
        """Map one coordinate for one parameter."""
        dist = spec.dist
        assert dist is not None  # a sampled parameter has a distribution (uncertain)
        low, high = dist.bounds
        if self.mode == "range":
            if dist.is_date:
                return np.minimum(low + np.floor(u * (high - low + 1)), high)
            return low + u * (high - low)
        if dist.kind == "lognormal":
            u = 0.01 + 0.98 * u
        x = dist.ppf(np.clip(u, 0.0, 1.0))
        return np.floor(x + 0.5) if dist.is_date else x


@dataclass
class Design:
    """The points of an experiment: ``table[i, j]`` is point i's value of ``columns[j]``."""

    columns: list[ParamSpec]
    sources: list[str]  # "set" (listed on the command line) or "sampled", per column
    table: np.ndarray  # (points, columns), float64 (months as ordinals, flags as 0/1) or object
    fixed: dict[str, object] = field(default_factory=dict)
    fixed_specs: dict[str, ParamSpec] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Number of points."""
        return len(self.table)

    def point(self, i: int) -> dict[str, object]:
        """Point ``i`` as ``{path: value}``."""
        return {spec.path: self.table[i, j] for j, spec in enumerate(self.columns)}

    def csv_text(self) -> str:
        """points.csv: ``point`` then one column per varied path; numbers round-trip exactly."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["point", *(spec.path for spec in self.columns)])
        for i, row in enumerate(self.table):
            writer.writerow(
                [i, *(cell(spec, v) for spec, v in zip(self.columns, row, strict=True))]
            )
        return out.getvalue()

    def digest(self) -> str:
        """SHA-256 of points.csv: equal designs, equal digests."""
        return hashlib.sha256(self.csv_text().encode("utf-8")).hexdigest()

    def describe(self) -> list[dict]:
        """Describe the varied parameters for the manifest (path, kind, source, range)."""
        return [
            {
                "path": s.path,
                "kind": s.kind,
                "source": src,
                "unit": s.meta.get("unit", ""),
                "distribution": s.dist.describe() if s.dist is not None else None,
                "declared": list(s.declared) if s.declared else None,
                "limits": list(s.limits),
                "share": s.is_share,
            }
            for s, src in zip(self.columns, self.sources, strict=True)
        ]


def cell(spec: ParamSpec, value) -> str:
    """One points.csv cell."""
    if spec.kind == "number":
        return repr(float(value))
    return spec.show(bool(value) if spec.kind == "bool" else value)


def parse_sets(
    scenario: Scenario, sets: list[tuple[str, list[str]]], file: str | None = None
) -> list[tuple[ParamSpec, list]]:
    """Look up and check every ``--set PATH=V1,V2``; refuse repeats (ScenarioError)."""
    seen: set[str] = set()
    out = []
    for path, texts in sets:
        spec = lookup(scenario, path, file)
        if path in seen:
            raise ScenarioError("given in two --set options; list all values in one", path, file)
        seen.add(path)
        values = [spec.parse(t, file) for t in texts]
        for value in values:
            spec.check(value, file)
        if len(set(map(repr, values))) < len(values):
            raise ScenarioError("a value is listed twice", path, file)
        out.append((spec, values))
    return out


def build(
    scenario: Scenario,
    sets: list[tuple[ParamSpec, list]],
    sample: str,
    n: int,
    seed: int,
    patterns: tuple[str, ...] = (),
    space: str = "range",
    file: str | None = None,
) -> Design:
    """Build the design: factorial of the listed values x ``n`` points of ``sample``."""
    fixed = {spec.path: values[0] for spec, values in sets if len(values) == 1}
    check_point(scenario, fixed, file)
    base = apply(scenario, fixed)
    listed = [(spec, values) for spec, values in sets if len(values) > 1]
    check_grid(base, listed, file)
    combos = samplers.grid([values for _, values in listed])
    sampled: list[ParamSpec] = []
    unit_rows = np.zeros((1, 0))
    chosen = methods.sampler(sample)
    if chosen.draw is not None:  # chosen.samples
        sampled = sampled_parameters(base, listed, patterns, file)
        rng = Streams(seed).generator(DESIGN_STREAM)
        unit_rows = Space(tuple(sampled), space).values(chosen.draw(len(sampled), n, rng))
    table = cross(combos, unit_rows, object_columns=any(s.kind == "text" for s, _ in listed))
    fixed_specs = {spec.path: spec for spec, values in sets if len(values) == 1}
    return Design(
        [s for s, _ in listed] + sampled,
        ["set"] * len(listed) + ["sampled"] * len(sampled),
        table,
        fixed,
        fixed_specs,
    )


def check_grid(
    base: Scenario, listed: list[tuple[ParamSpec, list]], file: str | None = None
) -> None:
    """Refuse a grid holding a point the scenario's own checks reject (ScenarioError).

    The check does not depend on the number of points, so a grid of 30,000
    points is held to exactly what one of 10 is. It looks at the values each
    parameter can take, at the grid's corners: every number and date at its
    lowest listed value, then at its highest, each with every listed flag and
    choice in turn (the others at their first). Each corner is a point of the
    grid. The scenario's cross-field checks are bounds and sums (a share at
    most 1, a date in the calendar, wafer shares summing to at most 1, demand
    shares above 0, a rule's value by its kind), each monotone in every
    number, so a grid passes them at every point when it passes at its corners.
    """
    paths = [spec.path for spec, _ in listed]
    ordered = [spec.kind in ("number", "date") for spec, _ in listed]  # else flags, choices
    seen: set[tuple] = set()
    for end in (min, max):
        corner = [
            end(values) if num else values[0]
            for (_, values), num in zip(listed, ordered, strict=True)
        ]
        points = [corner] + [
            [*corner[:j], value, *corner[j + 1 :]]
            for j, (_, values) in enumerate(listed)
            if not ordered[j]
            for value in values[1:]
        ]
        for point in points:
            if tuple(map(repr, point)) not in seen:
                seen.add(tuple(map(repr, point)))
                check_point(base, dict(zip(paths, point, strict=True)), file)


def sampled_parameters(
    base: Scenario, listed: list, patterns: tuple[str, ...], file: str | None
) -> list[ParamSpec]:
    """List the uncertain parameters a sampler varies: all, or those matching ``patterns``."""
    named = {spec.path for spec, _ in listed}
    found = [s for s in uncertain(base, patterns) if s.path not in named]
    for pattern in patterns:
        if not uncertain(base, (pattern,)):
            raise ScenarioError(
                "matches no uncertain parameter (`chipsim params` lists them)",
                f"--param {pattern}",
                file,
            )
    if not found:
        raise ScenarioError("no uncertain parameter left to sample", "--sample", file)
    return found


def cross(combos: list[tuple], unit_rows: np.ndarray, object_columns: bool) -> np.ndarray:
    """Every combination (outer) with every sampled row (inner)."""
    left = np.array(combos, dtype=object if object_columns else float).reshape(len(combos), -1)
    n = len(unit_rows)
    table = np.concatenate(
        [np.repeat(left, n, axis=0), np.tile(unit_rows.astype(left.dtype), (len(combos), 1))],
        axis=1,
    )
    return table


SHOWN_VARYING = 8  # parameters a note names before "and N more" (the manifest lists all)


def varying_within(base: Scenario, pinned: set[str], drawn: frozenset[str]) -> list[str]:
    """Uncertain parameters the model still draws per replication inside every point."""
    return [s.path for s in uncertain(base) if s.path not in pinned and s.path in drawn]


def replications(
    asked: int | None, varying: list[str], default: int, notes: list[str], what: str = "the design"
) -> int:
    """Replications per point: 1 when nothing varies within a point (even if asked), else R.

    With every uncertain parameter pinned all replications of a point are the
    same run, so more would only repeat it; a note says so, and otherwise names
    the parameters that still vary across a point's replications.
    """
    if not varying:
        asked_more = f" instead of the {asked} asked for" if asked and asked > 1 else ""
        notes.append(
            f"note: {what} sets every uncertain parameter, so all replications of a "
            f"point are identical: running 1 per point{asked_more}"
        )
        return 1
    reps = asked or default
    shown = ", ".join(varying[:SHOWN_VARYING])
    more = f" and {len(varying) - SHOWN_VARYING} more" if len(varying) > SHOWN_VARYING else ""
    notes.append(
        f"note: within each point {len(varying)} uncertain parameter"
        f"{'s' if len(varying) != 1 else ''} still vary across the {reps} replications "
        f"({shown}{more}; manifest.json lists them)"
    )
    return reps
