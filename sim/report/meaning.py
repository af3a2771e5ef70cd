"""What a scenario path means, in words: for diff drivers and the changed-parameter table.

A path such as ``events.h200_customs_release`` or ``imports.h200.units_per_month.2026``
is walked through the resolved scenario's dataclasses: mapping keys become
display names (products, segments, vendors), the last field's unit from the
schema says what the number is, and an event is put in words by the policy
timeline's own rule text. Values are shown as the assumptions table shows them.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

from sim.core.calendar import format_month
from sim.core.names import NAMES, PRODUCT_NAMES, display, in_sentence
from sim.report.assumptions import value_range
from sim.report.figures.policy import rule_text
from sim.scenario.dist import Dist
from sim.scenario.schema import Event, QuotaPath, Scenario

ABSENT = object()


def walk_path(scenario: Scenario | None, path: str) -> tuple[Any, list[str], str, str]:
    """Walk ``path``: (object or ABSENT, mapping keys passed, last field's unit, year key)."""
    node: Any = scenario
    keys: list[str] = []
    unit, year = "", ""
    for i, key in enumerate(path.split(".")):
        if node is ABSENT or node is None:
            return ABSENT, keys, unit, year
        if is_dataclass(node):
            match = next((f for f in fields(node) if f.name == key), None)
            if match is None:
                return ABSENT, keys, unit, year
            node, unit = getattr(node, key), match.metadata.get("unit", unit)
        elif hasattr(node, "keys"):
            if i and key.isdigit():
                year = key
            elif i:
                keys.append(key)
            node = node[key] if key in node else ABSENT
        else:
            return ABSENT, keys, unit, year
    return node, keys, unit, year


def resolve(scenario: Scenario | None, path: str) -> Any:
    """Return the object at ``path`` in the resolved scenario (ABSENT when it has none)."""
    return walk_path(scenario, path)[0] if scenario is not None else ABSENT


def section_name(key: str) -> str:
    """Return the schema's name of a top-level section: "events" -> "Import timeline"."""
    match = next((f for f in fields(Scenario) if f.name == key), None)
    text = match.metadata.get("unit", key) if match is not None else key.replace("_", " ")
    return text[:1].upper() + text[1:]


def path_name(path: str, scenario: Scenario | None) -> str:
    """Put a path in words: "Import products: H200 – units per month ..., 2026"."""
    parts = path.split(".")
    head = section_name(parts[0])
    if len(parts) == 1:
        return head
    node, keys, unit, year = walk_path(scenario, path)
    if isinstance(node, Event):
        return f"{head}: {event_text(node)} ({parts[-1]})"
    names = " ".join(display(k, NAMES) for k in keys)
    field_part = "" if len(parts) == 2 and keys else (unit or parts[-1].replace("_", " "))
    text = " – ".join(t for t in (names, field_part) if t)
    return f"{head}: {text}" + (f", {year}" if year else "")


def event_text(event: Event) -> str:
    """Return "H200: Chinese customs → 0% from 2026-01" (the timeline's wording)."""
    product = "Every import" if event.product == "*" else display(event.product, PRODUCT_NAMES)
    date = event.date
    when = (
        format_month(int(date.args[0]))
        if date.is_fixed
        else f"a date drawn from {value_range(date)[0]}"
    )
    return f"{product}: {rule_text(event)} from {when}"


def value_text(node) -> str:
    """Write a value as the assumptions table writes it (distributions with their range)."""
    if node is ABSENT:
        return "absent"
    if isinstance(node, Dist):
        text, span = value_range(node)
        if node.is_date and node.is_fixed:
            return format_month(int(node.args[0]))
        return text + (f" (range {span})" if span else "")
    if isinstance(node, Event):
        return (
            event_text(node)
            + ("" if node.enabled else " — switched off")
            + (
                f", for {', '.join(in_sentence(s) for s in node.segments)}"
                if node.segments and "(" not in rule_text(node)
                else ""
            )
        )
    if isinstance(node, QuotaPath):
        return (
            ", ".join(f"{v:.0%} by {k}" for k, v in sorted(node.points.items()))
            + f" ({node.basis})"
        )
    if isinstance(node, bool):
        return "yes" if node else "no"
    if isinstance(node, dict) or hasattr(node, "keys"):
        return ", ".join(f"{k}: {value_text(v)}" for k, v in node.items()) or "none"
    if isinstance(node, (tuple, list)):
        return ", ".join(str(x) for x in node) or "none"
    if is_dataclass(node):
        return "present (a whole entry)"
    return str(node)


def change_text(a, b) -> tuple[str, str]:
    """Both sides of a change in words; for two events only what differs between them."""
    if isinstance(a, Event) and isinstance(b, Event) and a.enabled != b.enabled:
        return (
            value_text(a) if a.enabled else "switched off",
            value_text(b) if b.enabled else "switched off",
        )
    return value_text(a), value_text(b)


def group_name(group: str, paths: list[str], scenario: Scenario | None) -> str:
    """Name a driver group in words, with how many changes it holds."""
    base = path_name(group, scenario)
    return (
        base
        if len(paths) == 1 and paths[0] == group
        else f"{base} ({len(paths)} change{'s' if len(paths) != 1 else ''})"
    )
