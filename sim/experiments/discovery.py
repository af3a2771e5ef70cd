"""Scenario discovery over a finished sweep: where in the inputs a target fails.

Reads points.csv (inputs) and results.parquet (outputs), marks each point
where the target is missed (or met), and runs PRIM with covering: the first
box, then a second among the points the first leaves out, and so on. Boxes
are told in plain words and written to discover.csv.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.calendar import format_month, parse_month
from sim.experiments import prim
from sim.experiments.targets import Target
from sim.results.readers import check_sweep_manifest, read_csv_rows, read_manifest, read_results
from sim.results.reading import DamagedFile
from sim.scenario.convert import did_you_mean

LABEL_DROP = {"vendors", "products", "foundries", "fabs", "segments", "imports", "events",
              "grey_market", "memory", "yield_curve"}
MIN_CASES = 5  # covering stops when fewer cases of interest are left uncovered


class DiscoverError(ValueError):
    """A bad RUN_DIR, target, quota level or region."""


@dataclass
class Inputs:
    """A sweep's varied parameters as numbers (months as ordinals, flags as 0/1)."""

    paths: list[str]
    kinds: list[str]
    shares: list[bool]
    x: np.ndarray
    skipped: list[str]


@dataclass
class Found:
    """One discovered box, with its statistics over all points."""

    box: prim.Box
    trajectory: list[prim.Box]


def read_inputs(run_dir: str | Path) -> Inputs:
    """Read points.csv as numbers, using the manifest's parameter kinds."""
    run_dir = Path(run_dir)
    if not (run_dir / "manifest.json").is_file():
        raise DiscoverError(f"{run_dir}: not a finished sweep (no manifest.json); run "
                            "`chipsim sweep` (or finish it with --resume) first")
    manifest = read_manifest(run_dir)
    if manifest.get("kind") != "sweep":
        raise DiscoverError(f"{run_dir}: manifest.json is not a sweep's")
    check_sweep_manifest(run_dir / "manifest.json", manifest)  # bounded, checked reads
    params = manifest["parameters"]
    keep = [p for p in params if p["kind"] != "text"]
    rows = read_csv_rows(run_dir / "points.csv", tuple(p["path"] for p in keep))
    x = np.array([[_cell(row[p["path"]], p["kind"], run_dir, n) for p in keep]
                  for n, row in enumerate(rows, 2)], dtype=float).reshape(len(rows), len(keep))
    shares = [bool(p.get("share")) for p in keep]
    return Inputs([p["path"] for p in keep], [p["kind"] for p in keep], shares, x,
                  [p["path"] for p in params if p["kind"] == "text"])


def _cell(text: str, kind: str, run_dir: Path, line: int) -> float:
    """One points.csv cell as a number; DamagedFile naming the line when it is not one."""
    try:
        return _number(text, kind)
    except ValueError:
        raise DamagedFile(run_dir / "points.csv", f"line {line}: expected a {kind} value, got "
                          f"{text[:40]!r}") from None


def _number(text: str, kind: str) -> float:
    if kind == "date":
        return float(parse_month(text))
    if kind == "bool":
        return 1.0 if text == "true" else 0.0
    return float(text)


def read_outputs(run_dir: str | Path, target: Target, quota: str, region: str,
                 points: int) -> np.ndarray:
    """Read the target's statistic at every point (NaN where undefined)."""
    import pyarrow.compute as pc

    path = Path(run_dir) / "results.parquet"
    table = read_results(run_dir, ["point", "quota", "metric", "region", "period", target.stat])
    for column, value in (("metric", target.metric), ("period", target.period),
                          ("quota", quota), ("region", region)):
        known = set(pc.unique(table[column]).to_pylist())
        if value not in known:
            raise DiscoverError(f"{path}: no {column} {value!r}" + did_you_mean(value, known))
        table = table.filter(pc.equal(table[column], value))
    out = np.full(points, np.nan)
    values = table[target.stat].to_numpy(zero_copy_only=False).astype(float)
    index = table["point"].to_numpy(zero_copy_only=False)
    if table["point"].null_count or len(index) and not (0 <= index.min() <= index.max() < points):
        raise DamagedFile(path, f"column 'point' does not match points.csv ({points} points)")
    out[index] = np.where(np.isfinite(values), values, np.nan)
    return out


def discover(inputs: Inputs, cases: np.ndarray, boxes: int = 2,
             min_density: float | None = None) -> list[Found]:
    """PRIM with covering: up to ``boxes`` boxes, each over the points still uncovered.

    Without ``min_density`` a box must reach halfway from the base rate (the
    share of cases among the points searched) to 1.
    """
    x, found = inputs.x, []
    left = np.ones(len(cases), dtype=bool)
    while len(found) < boxes and cases[left].sum() >= MIN_CASES and not cases[left].all():
        base = cases[left].mean()
        wanted = min_density if min_density is not None else base + (1 - base) / 2
        trajectory, chosen = prim.find(x[left], cases[left], wanted)
        kept = chosen.restricted(x[left])
        if not kept:
            break
        low, high = x.min(axis=0), x.max(axis=0)  # limits the search did not cut stay open
        low[kept], high[kept] = chosen.low[kept], chosen.high[kept]
        stats = prim.box(x, cases, low, high)
        if found and stats.density <= cases.mean():
            break  # no better than the base rate: covering has run out of structure
        found.append(Found(stats, trajectory))
        left &= ~stats.inside(x)
    return found


def label(path: str) -> str:
    """Shorten a parameter path for prose: ``ascend 910c yield ceiling``."""
    words = [w for w in path.split(".") if w not in LABEL_DROP]
    return " ".join(words).replace("_", " ")


def conditions(inputs: Inputs, found: prim.Box) -> list[str]:
    """One clause per restricted parameter, e.g. ``fab1 commission comes before 2026-03``."""
    return [clause(inputs, j, found) for j in found.restricted(inputs.x)]


def clause(inputs: Inputs, j: int, found: prim.Box) -> str:
    """Say how the box limits parameter ``j``.

    A number's limit is shown halfway to the nearest point outside the box; a
    month limit is the first month outside (``before``) or the last inside.
    """
    name, kind = label(inputs.paths[j]), inputs.kinds[j]
    values = np.unique(inputs.x[:, j])
    if kind == "bool":
        return f"{name} is {'true' if found.low[j] >= 1 else 'false'}"
    outside_high = values[values > found.high[j]]
    outside_low = values[values < found.low[j]]
    if kind == "date":
        high = format_month(int(outside_high[0])) if outside_high.size else ""
        low = format_month(int(found.low[j]))
        if outside_low.size and outside_high.size:
            return f"{name} comes in {low} or later and before {high}"
        return f"{name} comes before {high}" if outside_high.size else \
            f"{name} comes in {low} or later"
    share = inputs.shares[j]
    high = _value((found.high[j] + outside_high[0]) / 2, share) if outside_high.size else ""
    low = _value((found.low[j] + outside_low[-1]) / 2, share) if outside_low.size else ""
    if low and high:
        return f"{name} is between {low} and {high}"
    return f"{name} stays below {high}" if high else f"{name} is above {low}"


def _value(value: float, share: bool) -> str:
    if share:
        return f"{value:.0%}" if abs(value * 100 - round(value * 100)) < 0.05 else f"{value:.1%}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def sentence(target: Target, verb: str, inputs: Inputs, found: prim.Box) -> str:
    """Tell a box in plain words."""
    clauses = conditions(inputs, found)
    joined = clauses[0] if len(clauses) == 1 else ", ".join(clauses[:-1]) + " and " + clauses[-1]
    return (f"{target.words()} is {verb} in {found.density:.0%} of points where {joined} "
            f"(these points hold {found.coverage:.0%} of all points where it is {verb}, and "
            f"{found.mass:.0%} of all points)")


def csv_text(inputs: Inputs, found: list[Found]) -> str:
    """discover.csv: the boxes (one row per restricted parameter) and the first trajectory."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kind", "box", "coverage", "density", "mass", "parameter", "low", "high"])
    for number, item in enumerate(found, 1):
        b = item.box
        for j in b.restricted(inputs.x) or [None]:
            low = high = ""
            if j is not None:
                low = _limit(inputs, j, b.low[j]) if b.low[j] > inputs.x[:, j].min() else ""
                high = _limit(inputs, j, b.high[j]) if b.high[j] < inputs.x[:, j].max() else ""
            writer.writerow(["box", number, f"{b.coverage:.6g}", f"{b.density:.6g}",
                             f"{b.mass:.6g}", inputs.paths[j] if j is not None else "", low, high])
    for step, b in enumerate(found[0].trajectory if found else []):
        writer.writerow(["trajectory", step, f"{b.coverage:.6g}", f"{b.density:.6g}",
                         f"{b.mass:.6g}", ";".join(inputs.paths[j] for j in b.restricted(
                             inputs.x)), "", ""])
    return out.getvalue()


def _limit(inputs: Inputs, j: int, value: float) -> str:
    return format_month(int(value)) if inputs.kinds[j] == "date" else repr(float(value))
