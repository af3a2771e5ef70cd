"""The inverse of loading: a scenario as a plain tree (TOML/JSON-ready), and its hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields, is_dataclass

from sim.core.calendar import format_month
from sim.scenario.dist import KINDS, Dist
from sim.scenario.schema import Scenario


def to_raw(node):
    """Plain dicts, lists, strings and numbers that load back to the same tree."""
    if isinstance(node, Dist):
        return dist_raw(node)
    if is_dataclass(node):
        return {
            f.name: to_raw(getattr(node, f.name))
            for f in fields(node)
            if getattr(node, f.name) is not None
        }
    if isinstance(node, dict):
        return {key: to_raw(value) for key, value in node.items()}
    if isinstance(node, tuple):
        return [to_raw(x) for x in node]
    return node


def dist_raw(dist: Dist) -> dict:
    """Write a parameter table: ``{value, evidence}`` or ``{dist, <args>, evidence}``."""

    def show(name: str, x: float):
        return format_month(int(x)) if dist.is_date and name != "sigma" else x

    names = KINDS[dist.kind]
    out = {} if dist.is_fixed else {"dist": dist.kind}
    out |= {n: show(n, x) for n, x in zip(names, dist.args, strict=True)}
    return out | {"evidence": list(dist.evidence)}


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario's canonical JSON."""
    text = json.dumps(to_raw(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
