"""Where a report's outside facts come from: the evidence registry and calibration targets.

Both live under seeds/ in the repository. A run directory records the scenario
file it was made from, so the registry is looked up beside that file first,
then under the working directory, then beside the installed package.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import sim
from sim.evidence import Evidence, load_registry
from sim.report.data import Target
from sim.scenario.errors import ScenarioError

SEEDS = Path("seeds")


def seeds_file(name: str, scenario_file: str | None) -> Path | None:
    """Return the first existing seeds/<name> among the candidate repository roots."""
    roots = [Path.cwd(), Path(sim.__file__).resolve().parent.parent]
    if scenario_file:
        roots.insert(0, Path(scenario_file).resolve().parent.parent)
    for root in roots:
        candidate = root / SEEDS / name
        if candidate.is_file():
            return candidate
    return None


def registry_for(manifest: dict) -> dict[str, Evidence]:
    """Return the evidence registry for a run, or {} when none can be found or read."""
    path = seeds_file("evidence.toml", manifest.get("scenario_file"))
    if path is None:
        return {}
    try:
        return load_registry(path)
    except ScenarioError:
        return {}


def targets_for(manifest: dict, registry: dict[str, Evidence]) -> list[Target]:
    """Calibration points: seeds/targets.toml when present, else derived from S1-S3."""
    path = seeds_file("targets.toml", manifest.get("scenario_file"))
    if path is not None:
        try:
            found = parse_targets(tomllib.loads(path.read_text("utf-8")))
        except (OSError, tomllib.TOMLDecodeError):
            found = []
        if found:
            return found
    return seed_targets(registry)


def parse_targets(tree) -> list[Target]:
    """Every table in the tree with a metric and a value or low/high range.

    The label is the table's key, or its evidence ids when it cites any.
    """
    found: list[Target] = []
    visit(tree, "", found)
    return found


def visit(node, key: str, found: list[Target]) -> None:
    """Depth-first search for target tables (tables and arrays of tables)."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            visit(item, f"{key}[{i}]", found)
    elif isinstance(node, dict):
        target = as_target(node, key)
        if target is not None:
            found.append(target)
            return
        for child_key, child in node.items():
            visit(child, str(child_key), found)


def as_target(table: dict, key: str) -> Target | None:
    """Return a Target from one table, or None when it is not one."""
    metric, period = table.get("metric"), table.get("period")
    value, low, high = (number(table.get(k)) for k in ("value", "low", "high"))
    if not isinstance(metric, str) or period is None or table.get("per"):
        return None
    if value is None and (low is None or high is None):
        return None
    evidence = table.get("evidence") or []
    label = ", ".join(evidence) if isinstance(evidence, list) and evidence else key
    return Target(label, metric.strip(), str(table.get("region", "national")), str(period),
                  value, low, high, number(table.get("tolerance")) or 0.0)


def number(raw) -> float | None:
    """Return a finite float, or None."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        return None
    return float(raw)


def seed_targets(registry: dict[str, Evidence]) -> list[Target]:
    """Domestic shares implied by the seed figures: 1 - S1 (2024), S3 / (S2 + S3) (2025)."""
    out = []
    s1, s2, s3 = (registry.get(k) for k in ("S1", "S2", "S3"))
    if s1 is not None and s1.value is not None:
        out.append(Target("S1", "domestic_share_units", "national", s1.year, 1 - s1.value))
    if s2 is not None and s3 is not None and s2.value and s3.value:
        out.append(Target("S2, S3", "domestic_share_units", "national", s3.year,
                          s3.value / (s2.value + s3.value)))
    return out
