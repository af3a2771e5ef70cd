"""Where a report's outside facts come from: the evidence registry and calibration targets.

Both live under seeds/ in the repository. A run directory records the scenario
file it was made from, so the registry is looked up beside that file first,
then under the working directory, then beside the installed package.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.experiments.calibration.targets import Target as CalibrationTarget
from sim.experiments.calibration.targets import load_targets
from sim.scenario.convert import to_dataclass
from sim.scenario.errors import ScenarioError
from sim.scenario.evidence import Evidence, load_registry
from sim.scenario.schema import Scenario

SEEDS = Path("seeds")


@dataclass(frozen=True)
class Target:
    """An observed calibration figure: a value or a low-high range."""

    label: str
    metric: str
    region: str
    period: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    tolerance: float = 0.0

    @property
    def centre(self) -> float:
        """The value, or the middle of the range."""
        if self.value is not None:
            return self.value
        assert self.low is not None and self.high is not None  # a target is a value or a range
        return (self.low + self.high) / 2


def seeds_file(name: str, scenario_file: str | None) -> Path | None:
    """Return the first existing seeds/<name> among the candidate repository roots."""
    roots = [Path.cwd(), Path(__file__).resolve().parents[2]]
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
    """Calibration points: seeds/targets.toml when present, else derived from S1-S3.

    The file is read by the calibration's own loader (so both agree on what a
    target is); targets over a sum or a ratio of metrics are not drawn.
    """
    path = seeds_file("targets.toml", manifest.get("scenario_file"))
    found = []
    if path is not None:
        try:
            scenario = to_dataclass(Scenario, manifest.get("scenario", {}), "")
            found = [
                as_target(t)
                for t in load_targets(path, scenario)
                if not t.per and len(t.terms) == 1
            ]
        except ScenarioError:
            found = []
    return found or seed_targets(registry)


def as_target(target: CalibrationTarget) -> Target:
    """Convert a calibration target for the report, labelled by its evidence ids."""
    label = ", ".join(target.evidence) or target.name
    return Target(
        label,
        target.terms[0],
        target.region,
        target.period,
        target.value,
        target.low,
        target.high,
        target.tolerance,
    )


def seed_targets(registry: dict[str, Evidence]) -> list[Target]:
    """Domestic shares implied by the seed figures: 1 - S1 (2024), S3 / (S2 + S3) (2025)."""
    out = []
    s1, s2, s3 = (registry.get(k) for k in ("S1", "S2", "S3"))
    if s1 is not None and s1.value is not None:
        out.append(Target("S1", "domestic_share_units", "national", s1.year, 1 - s1.value))
    if s2 is not None and s3 is not None and s2.value and s3.value:
        out.append(
            Target(
                "S2, S3",
                "domestic_share_units",
                "national",
                s3.year,
                s3.value / (s2.value + s3.value),
            )
        )
    return out
