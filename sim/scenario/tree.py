"""Walking a scenario tree: every parameter with its dotted key path."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass

from sim.scenario.dist import Dist
from sim.scenario.schema import Event, QuotaPath, Scenario


@dataclass(frozen=True)
class Parameter:
    """One cited input: its key path, its value or distribution, its evidence."""

    path: str
    value: Dist | QuotaPath | Event
    evidence: tuple[str, ...]
    unit: str
    default: bool = False  # a schema default no file set: it switches a mechanism off

    def describe(self) -> str:
        """Return the value as text: a number, a distribution, a path or an event."""
        if isinstance(self.value, Dist):
            return self.value.describe()
        if isinstance(self.value, QuotaPath):
            return ", ".join(f"{v:g} by {k}" for k, v in sorted(self.value.points.items()))
        event = self.value
        who = f" for {', '.join(event.segments)}" if event.segments else ""
        when = event.date.describe()
        if event.announced is not None:
            when += f" (announced {event.announced.describe()})"
        return f"{event.product} {event.kind} -> {event.value.describe()}{who} on {when}"


def parameters(scenario: Scenario) -> list[Parameter]:
    """Every parameter of the scenario, in file order."""
    return list(walk(scenario, ""))


def walk(node, path: str, unit: str = "", default=None) -> Iterator[Parameter]:
    """Depth-first walk yielding parameters; events and quota paths are leaves.

    ``default`` is the schema's default for ``node``'s field, if it has one.
    """
    if isinstance(node, Dist):
        yield Parameter(path, node, node.evidence, unit, default=node == default)
    elif isinstance(node, (QuotaPath, Event)):
        if not (isinstance(node, Event) and not node.enabled):
            yield Parameter(
                path, node, node.evidence, "share" if isinstance(node, QuotaPath) else "event"
            )
    elif is_dataclass(node):
        for f in fields(node):
            child = getattr(node, f.name)
            yield from walk(
                child, f"{path}.{f.name}" if path else f.name, f.metadata.get("unit", ""), f.default
            )
    elif isinstance(node, dict):
        for key, child in node.items():
            yield from walk(child, f"{path}.{key}", unit)


def uncertain(scenario: Scenario) -> list[Parameter]:
    """Return the parameters that carry a distribution (what samplers vary)."""
    return [p for p in parameters(scenario) if isinstance(p.value, Dist) and not p.value.is_fixed]


def nested(path: str, value) -> dict:
    """``"a.b.c", v`` -> ``{"a": {"b": {"c": v}}}`` for use as loader overrides."""
    out: dict = value
    for key in reversed(path.split(".")):
        out = {key: out}
    return out
