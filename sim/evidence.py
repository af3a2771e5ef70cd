"""The evidence registry (seeds/evidence.toml) and citation checks."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from sim.metrics import format_plain
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario
from sim.scenario.tree import parameters

REGISTRY = Path("seeds") / "evidence.toml"


@dataclass(frozen=True)
class Evidence:
    """One registry entry."""

    id: str
    claim: str
    unit: str
    year: str
    source: str
    kind: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    note: str = ""

    def figure(self) -> str:
        """Return the figure as text: a value, a range, or the note."""
        if self.value is not None:
            return format_plain(self.value)
        if self.low is not None:
            return f"{format_plain(self.low)}-{format_plain(self.high)}"
        return self.note


def registry_path(scenario_file: str | Path | None = None) -> Path:
    """seeds/evidence.toml beside the scenario's folder, else under the cwd."""
    if scenario_file is not None:
        candidate = Path(scenario_file).resolve().parent.parent / REGISTRY
        if candidate.is_file():
            return candidate
    return REGISTRY


def load_registry(path: str | Path = REGISTRY) -> dict[str, Evidence]:
    """Read the registry; a malformed one raises ScenarioError."""
    try:
        raw = tomllib.loads(Path(path).read_text("utf-8"))["evidence"]
        return {key: Evidence(id=key, **entry) for key, entry in raw.items()}
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"cannot read the evidence registry: {exc}", file=str(path)) from None


def citation_problems(scenario: Scenario, registry: dict[str, Evidence]) -> list[str]:
    """One message per parameter citing nothing or an id not in the registry.

    Schema defaults that no file sets are exempt: each switches a mechanism off
    (no banked dies, no stockpile, a yield factor of 1, full enforcement where
    there is no quota) rather than asserting a figure.
    """
    problems = []
    for param in parameters(scenario):
        if param.default:
            continue
        if not param.evidence:
            problems.append(f"{param.path}: cites no evidence")
        for ident in param.evidence:
            if ident not in registry:
                problems.append(f"{param.path}: cites unknown evidence id {ident!r}")
    return problems
