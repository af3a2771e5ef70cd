"""The registry of relaxable constraints: what a counterfactual run changes.

A constraint is a named, documented transformation of a scenario's inputs.
Most act on the draws (same random numbers, transformed values), so a paired
run differs from the baseline only by the relaxation; a few change the
scenario's structure (which segments the quota level binds, which events
exist). Two groups:

- ``limit``: what may hold deliveries back, relaxed by a small stated amount
  (default :data:`AMOUNT`): a capacity or volume grows by that share, a rule
  moves that share of the way to no rule. Their effects rank what binds.
- ``lever``: what may hold the quota level's effect back (its reach, the
  import bars, domestic supply that does not rise), lifted altogether. Their
  effects split what the level could do from what it does.

Every transformation maps (parameter path, drawn values) to new values and
returns the very same array for a path it does not touch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase

import numpy as np

from sim.scenario.schema import Scenario

AMOUNT = 0.1  # a limit is relaxed by 10% (for a rule: 10% of the way to no rule)
ABUNDANT = 10.0  # "domestic supply rises": memory, wafers and packaging x10
LIMIT, LEVER = "limit", "lever"

Transform = Callable[[str, np.ndarray], np.ndarray]

# Paths of the drawn quantities each capacity-like constraint scales (fnmatch patterns).
# A capacity that grows by investment is relaxed with its ceiling, so the
# relaxation raises what can be built as well as what is planned.
MEMORY_PATHS = (
    "memory.stockpile_stacks",
    "memory.rush_stacks",
    "memory.domestic_stacks.*",
    "vendors.*.memory.*.own_stacks.*",
    "memory.ceiling_stacks.*",
)
WAFER_PATHS = (
    "foundries.*.capacity.*",
    "foundries.*.fabs.*.wafers_per_month",
    "foundries.*.ceiling.*",
)
PACKAGING_PATHS = ("packaging.capacity.*", "packaging.ceiling.*")
IMPORT_PATHS = (
    "imports.*.units_per_month.*",
    "imports.*.stockpile_units",
    "grey_market.*.units_per_month.*",
)
# a scenario gives one of the two: its budget (USD) when it has one, else its H100e
DEMAND_PATHS = ("demand.base", "demand.budget_usd")
US_KINDS = ("licence", "cap", "approval")
CHINA_KINDS = ("guidance", "customs", "bar", "bundle")
SHARE_KINDS = ("licence", "guidance", "customs", "bar")  # a share allowed: no rule is 1
AMOUNT_KINDS = ("cap", "approval")  # a quantity allowed: no rule is unlimited
RATIO_KINDS = ("bundle",)  # domestic chips required per import: no rule is 0


def toward_no_rule(kind: str, values: np.ndarray, amount: float) -> np.ndarray:
    """Move a rule's values ``amount`` of the way to no rule (a quantity: up by ``amount``)."""
    values = np.asarray(values, dtype=float)
    if kind in SHARE_KINDS:
        moved: np.ndarray = values + amount * (1.0 - np.minimum(values, 1.0))
        return moved
    if kind in AMOUNT_KINDS:
        return values * (1.0 + amount)
    if kind in RATIO_KINDS:
        return values * (1.0 - min(amount, 1.0))
    raise ValueError(f"unknown rule kind {kind!r}")


def scaled(patterns: tuple[str, ...], factor: float) -> Transform:
    """Multiply the draws of every path matching ``patterns`` by ``factor``."""

    def transform(path: str, values: np.ndarray) -> np.ndarray:
        if any(fnmatchcase(path, p) for p in patterns):
            return np.asarray(values, dtype=float) * factor
        return values

    return transform


def rules_relaxed(scenario: Scenario, kinds: tuple[str, ...], amount: float) -> Transform:
    """Relax the value of every enabled event of ``kinds`` toward no rule."""
    relaxed = {
        f"events.{name}.value": event.kind
        for name, event in scenario.events.items()
        if event.enabled and event.kind in kinds
    }

    def transform(path: str, values: np.ndarray) -> np.ndarray:
        kind = relaxed.get(path)
        return values if kind is None else toward_no_rule(kind, values, amount)

    return transform


def identity(path: str, values: np.ndarray) -> np.ndarray:
    """Change nothing (the paired baseline)."""
    return values


def every_segment(scenario: Scenario) -> Scenario:
    """Make the quota level bind every segment (national guidance)."""
    run = dataclasses.replace(scenario.run, lever_segments=tuple(scenario.segments))
    return dataclasses.replace(scenario, run=run)


def without_bars(scenario: Scenario) -> Scenario:
    """Every import bar dropped (no segment is barred from any import)."""
    events = {
        name: dataclasses.replace(e, enabled=False) if e.kind == "bar" else e
        for name, e in scenario.events.items()
    }
    return dataclasses.replace(scenario, events=events)


def same(scenario: Scenario) -> Scenario:
    """Return the scenario unchanged."""
    return scenario


@dataclass(frozen=True)
class Constraint:
    """One relaxable constraint: its id, words, group and transformation.

    ``draws(scenario, amount)`` gives the transformation of the draws;
    ``structure`` the scenario the paired run uses (unchanged for most).
    ``amount`` is the default relaxation; None for a structural change,
    which has no elasticity.
    """

    id: str
    label: str
    group: str
    relaxation: str  # what the relaxation is, in words ({} takes the amount, as a share)
    description: str
    amount: float | None
    draws: Callable[[Scenario, float], Transform] = lambda scenario, amount: identity
    structure: Callable[[Scenario], Scenario] = same

    def relaxed(self, amount: float | None) -> str:
        """Say what the relaxation is at ``amount`` ("+10% stacks")."""
        return self.relaxation.format(amount if amount is not None else self.amount)


def _scale(patterns: tuple[str, ...]) -> Callable[[Scenario, float], Transform]:
    """Make a draws transformation growing the matched quantities by the amount."""
    return lambda scenario, amount: scaled(patterns, 1.0 + amount)


def _rules(kinds: tuple[str, ...]) -> Callable[[Scenario, float], Transform]:
    """Make a draws transformation moving the rules of ``kinds`` toward no rule."""
    return lambda scenario, amount: rules_relaxed(scenario, kinds, amount)


REGISTRY: tuple[Constraint, ...] = (
    Constraint(
        "memory",
        "memory (HBM, HiBL)",
        LIMIT,
        "+{:.0%} stacks",
        "the HBM stockpile and pre-control rush, CXMT's domestic HBM (and the ceiling "
        "investment may take it to) and Huawei's own HiBL stacks, each grown by the "
        "amount",
        AMOUNT,
        _scale(MEMORY_PATHS),
    ),
    Constraint(
        "wafers",
        "advanced wafers",
        LIMIT,
        "+{:.0%} wafers",
        "every foundry's planned advanced-node capacity, every dedicated fab's "
        "wafers a month and the ceilings investment may reach, grown by the amount",
        AMOUNT,
        _scale(WAFER_PATHS),
    ),
    Constraint(
        "packaging",
        "advanced packaging",
        LIMIT,
        "+{:.0%} chips packaged",
        "national advanced-packaging capacity and the ceiling investment may take it "
        "to, grown by the amount",
        AMOUNT,
        _scale(PACKAGING_PATHS),
    ),
    Constraint(
        "import_supply",
        "import supply",
        LIMIT,
        "+{:.0%} units",
        "vendors' China allocations (units a month), their China inventories and the "
        "grey market's flow, grown by the amount",
        AMOUNT,
        _scale(IMPORT_PATHS),
    ),
    Constraint(
        "us_rules",
        "US rules",
        LIMIT,
        "{:.0%} toward no rule",
        "US licence shares moved the amount of the way to 1, caps and approved "
        "quantities grown by the amount",
        AMOUNT,
        _rules(US_KINDS),
    ),
    Constraint(
        "china_rules",
        "Chinese import rules",
        LIMIT,
        "{:.0%} toward no rule",
        "Chinese guidance, customs and bars moved the amount of the way to allowing "
        "everything, bundling ratios cut by the amount",
        AMOUNT,
        _rules(CHINA_KINDS),
    ),
    Constraint(
        "demand",
        "demand",
        LIMIT,
        "+{:.0%} demand",
        "national demand (the budget in USD when the scenario gives one, else H100e) "
        "grown by the amount in every year",
        AMOUNT,
        _scale(DEMAND_PATHS),
    ),
    Constraint(
        "reach",
        "demand outside the level's reach",
        LEVER,
        "if the level bound every segment",
        "the uniform quota level binds every segment, the private hyperscalers "
        "included (national guidance)",
        None,
        structure=every_segment,
    ),
    Constraint(
        "bars",
        "segments barred from imports",
        LEVER,
        "with every import bar lifted",
        "every import bar dropped, so no segment is barred from any import whatever the level",
        None,
        structure=without_bars,
    ),
    Constraint(
        "domestic_supply",
        "domestic supply that does not rise",
        LEVER,
        "with memory, wafers and packaging ten times larger",
        "memory, advanced wafers and packaging (and their ceilings) ten times the "
        "draws, so domestic supply can rise to meet the orders a stricter level "
        "places",
        None,
        lambda scenario, amount: scaled(MEMORY_PATHS + WAFER_PATHS + PACKAGING_PATHS, ABUNDANT),
    ),
)

CONSTRAINTS: dict[str, Constraint] = {c.id: c for c in REGISTRY}
LIMITS = tuple(c.id for c in REGISTRY if c.group == LIMIT)
LEVERS = tuple(c.id for c in REGISTRY if c.group == LEVER)


def constraint(name: str) -> Constraint:
    """Return the registry entry ``name`` (a KeyError names the known ones)."""
    if name not in CONSTRAINTS:
        raise KeyError(f"unknown constraint {name!r}; known: {', '.join(CONSTRAINTS)}")
    return CONSTRAINTS[name]
