"""What an experiment can vary: a scenario's leaves, found by dotted path and checked.

A path names one leaf of the scenario tree, as ``chipsim params`` prints it
(``vendors.huawei.products.ascend_910c.yield_curve.ceiling``,
``events.h200_customs_release.date``). Values are checked against the field's
schema metadata (``min``/``max``, whole numbers, months in the calendar) before
anything runs; a point overrides a parameter by pinning it (``Dist.with_value``),
exactly as ``sim.scenario.load(path, overrides=nested(path, value))`` would.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass, replace

from sim.core.calendar import format_month, parse_month
from sim.scenario.convert import checked, did_you_mean, to_scalar
from sim.scenario.dist import Dist
from sim.scenario.errors import ScenarioError, echo
from sim.scenario.schema import Event, Scenario
from sim.scenario.validate import validate

# Sections an experiment never varies: identity, calendar and run settings that the
# command line controls (seed, replications, quota levels).
NOT_VARIED = (
    "name",
    "description",
    "extends",
    "calendar",
    "run.seed",
    "run.replications",
    "run.quota_levels",
)
KINDS = ("number", "date", "bool", "text")


@dataclass(frozen=True)
class ParamSpec:
    """One variable leaf: its path, kind (number/date/bool/text), current value, metadata."""

    path: str
    kind: str
    current: object
    meta: dict = field(default_factory=dict, compare=False, hash=False)
    scalar_type: type = field(default=float, compare=False)

    @property
    def dist(self) -> Dist | None:
        """The scenario's distribution for this leaf (None for a plain field)."""
        return self.current if isinstance(self.current, Dist) else None

    @property
    def uncertain(self) -> bool:
        """True when the scenario gives this leaf a distribution."""
        return self.dist is not None and not self.dist.is_fixed

    @property
    def declared(self) -> tuple[float, float] | None:
        """The scenario's declared range (a distribution's ``bounds``), if any."""
        if self.dist is None:
            return None
        low, high = self.dist.bounds
        return float(low), float(high)

    @property
    def limits(self) -> tuple[float | None, float | None]:
        """The schema's hard limits (field metadata ``min``/``max``)."""
        return self.meta.get("min"), self.meta.get("max")

    @property
    def is_share(self) -> bool:
        """True for a share in [0, 1] (shown in percent)."""
        return self.limits == (0.0, 1.0)

    def parse(self, text: str, file: str | None = None):
        """Parse a command-line value into this leaf's Python value (months as ordinals)."""
        text = text.strip()
        try:
            if self.kind == "date":
                return float(parse_month(text))
            if self.kind == "bool":
                if text.lower() not in ("true", "false"):
                    raise ValueError(f"expected true or false, got {echo(text)}")
                return text.lower() == "true"
            if self.kind == "text":
                return text
            value = float(text)
            if not math.isfinite(value):
                raise ValueError(f"expected a finite number, got {echo(text)}")
            return value
        except ValueError as exc:
            message = str(exc) if self.kind != "number" else f"expected a number, got {echo(text)}"
            raise ScenarioError(message, self.path, file) from None

    def check(self, value, file: str | None = None) -> None:
        """Refuse a value outside the schema's limits (ScenarioError naming the path)."""
        try:
            if self.dist is not None:
                checked(Dist("fixed", (float(value),), (), self.dist.is_date), self.path, self.meta)
            elif self.kind == "date":
                to_scalar(str, format_month(int(value)), self.path, self.meta)
            elif self.scalar_type is int and not float(value).is_integer():
                raise ScenarioError(f"expected a whole number, got {value:g}", self.path)
            elif self.kind != "bool":
                raw = self.scalar_type(value) if self.kind == "number" else value
                to_scalar(self.scalar_type, raw, self.path, self.meta)
        except ScenarioError as err:
            raise err.in_file(file) if file else err from None

    def outside_declared(self, value) -> bool:
        """Tell whether a number lies outside the scenario's declared range."""
        span = self.declared
        return span is not None and not span[0] - 1e-12 <= float(value) <= span[1] + 1e-12

    def show(self, value) -> str:
        """Format a value as a person writes it: months as YYYY-MM, numbers compactly."""
        if self.kind == "date":
            return format_month(int(round(float(value))))
        if self.kind == "number":
            return f"{float(value):g}"
        return str(value).lower() if self.kind == "bool" else str(value)

    def to_leaf(self, value):
        """Return the tree value that pins this leaf to ``value``."""
        if self.dist is not None:
            return self.dist.with_value(float(value))
        if self.kind == "date":
            return format_month(int(round(float(value))))
        if self.kind == "number":
            return self.scalar_type(value)
        return bool(value) if self.kind == "bool" else value


def leaves(scenario: Scenario) -> Iterator[ParamSpec]:
    """Every variable leaf of ``scenario`` in file order (disabled events skipped)."""
    yield from _walk(scenario, "", {})


def _walk(node, path: str, meta: dict) -> Iterator[ParamSpec]:
    if any(path == p or path.startswith(p + ".") for p in NOT_VARIED):
        return
    if isinstance(node, Dist):
        yield ParamSpec(path, "date" if node.is_date else "number", node, meta)
    elif isinstance(node, Event) and not node.enabled:
        return
    elif is_dataclass(node):
        for f in fields(node):
            child = getattr(node, f.name)
            if child is not None and f.name != "evidence":
                yield from _walk(child, f"{path}.{f.name}" if path else f.name, dict(f.metadata))
    elif isinstance(node, dict):
        for key, child in node.items():
            yield from _walk(child, f"{path}.{key}", meta)
    else:
        spec = _scalar(node, path, meta)
        if spec is not None:
            yield spec


def _scalar(node, path: str, meta: dict) -> ParamSpec | None:
    """Describe a plain field that can be varied: numbers, flags, months, choices."""
    if isinstance(node, bool):
        return ParamSpec(path, "bool", node, meta, bool)
    if isinstance(node, (int, float)):
        return ParamSpec(path, "number", node, meta, type(node))
    if isinstance(node, str) and meta.get("month"):
        return ParamSpec(path, "date", node, meta, str)
    if isinstance(node, str) and (meta.get("choices") or meta.get("rule")):
        return ParamSpec(path, "text", node, meta, str)
    return None


def lookup(scenario: Scenario, path: str, file: str | None = None) -> ParamSpec:
    """Find the leaf at ``path``; an unknown path gets a did-you-mean (exit 2)."""
    found = {spec.path: spec for spec in leaves(scenario)}
    if path not in found:
        hint = did_you_mean(path, found)
        if not hint.startswith(" (did you mean"):
            hint = " (`chipsim params SCENARIO` lists every path)"
        raise ScenarioError("unknown parameter path" + hint, path, file)
    return found[path]


def uncertain(scenario: Scenario, patterns: tuple[str, ...] = ()) -> list[ParamSpec]:
    """List the leaves carrying a distribution (only those matching glob ``patterns``)."""
    specs = [s for s in leaves(scenario) if s.uncertain]
    if patterns:
        specs = [s for s in specs if any(fnmatch.fnmatchcase(s.path, p) for p in patterns)]
    return specs


def apply(scenario: Scenario, values: dict[str, object]) -> Scenario:
    """``scenario`` with each named leaf pinned to its value (``ParamSpec`` or path keys)."""
    specs = {s.path: s for s in leaves(scenario)}
    for path, value in values.items():
        scenario = _replace(scenario, path.split("."), specs[path].to_leaf(value))
    return scenario


def _replace(node, keys: list[str], leaf):
    if not keys:
        return leaf
    head, rest = keys[0], keys[1:]
    if isinstance(node, dict):
        return {**node, head: _replace(node[head], rest, leaf)}
    return replace(node, **{head: _replace(getattr(node, head), rest, leaf)})


def check_point(scenario: Scenario, values: dict[str, object], file: str | None = None) -> None:
    """Refuse a combination of values the scenario's cross-field checks reject."""
    try:
        validate(apply(scenario, values))
    except ScenarioError as err:
        raise err.in_file(file) if file else err from None
