"""Turn a raw TOML tree into the scenario dataclasses, checking as it goes.

Conversion is driven by type hints and field metadata (see ``schema``); every
error names the dotted key path and what was expected.
"""

from __future__ import annotations

import collections.abc
import difflib
import math
import re
import types
import typing
from dataclasses import MISSING, fields, is_dataclass, replace

from sim.core.calendar import check_year, model_month
from sim.scenario.dist import KINDS, Dist
from sim.scenario.errors import ScenarioError

_HINTS: dict[type, dict] = {}
# Far above any quantity in the model, so sums and products of inputs stay finite.
MAX_MAGNITUDE = 1e15
MAX_SIGMA = 5.0  # a log-normal spread of 5 already spans ten decades (1-99%)
NAME = re.compile(r"[\w-]+")


def hints(cls: type) -> dict:
    """Return the resolved type hints of a dataclass (cached)."""
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def join(path: str, key: str) -> str:
    """Dotted key path."""
    return f"{path}.{key}" if path else str(key)


def did_you_mean(key: str, choices) -> str:
    """Suggest a close name for an unknown one, or list the valid names."""
    close = difflib.get_close_matches(str(key), list(choices), n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (expected one of: {', '.join(sorted(choices))})" if choices else ""


def convert(tp, raw, path: str, meta: dict):
    """Convert ``raw`` to type ``tp``; ``meta`` is the field's metadata."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)][0]
        return None if raw is None else convert(inner, raw, path, meta)
    if tp is Dist:
        return to_dist(raw, path, meta)
    if is_dataclass(tp):
        return to_dataclass(typing.cast(type, tp), raw, path)
    if origin in (collections.abc.Mapping, dict):
        return to_mapping(typing.get_args(tp)[1], raw, path, meta)
    if origin is tuple:
        return to_tuple(typing.get_args(tp)[0], raw, path, meta)
    return to_scalar(tp, raw, path, meta)


def to_dataclass(cls: type, raw, path: str):
    """Build dataclass ``cls`` from a table, refusing unknown keys."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"expected a table, got {type_name(raw)}", path or "(top level)")
    known = {f.name: f for f in fields(cls)}
    for key in raw:
        if key not in known:
            raise ScenarioError("unknown key" + did_you_mean(key, known), join(path, key))
    values = {}
    for name, f in known.items():
        if name in raw:
            values[name] = convert(hints(cls)[name], raw[name], join(path, name), dict(f.metadata))
        elif f.default is MISSING and f.default_factory is MISSING:
            raise ScenarioError(
                f"missing required key ({f.metadata.get('unit', '')})", join(path, name)
            )
    return cls(**values)


def fill_defaults(scenario):
    """Return ``scenario`` with the defaults that depend on other sections filled in.

    ``run.lever_segments`` absent means the segments with an announced quota;
    the resolved list is written into the scenario, so a run's manifest
    records which segments its uniform quota levels bound.
    """
    if scenario.run.lever_segments is not None:
        return scenario
    run = replace(scenario.run, lever_segments=scenario.lever_reach())
    return replace(scenario, run=run)


def to_mapping(value_type, raw, path: str, meta: dict) -> dict:
    """Convert a table whose keys are names (or years / months, per ``meta['keys']``)."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"expected a table, got {type_name(raw)}", path)
    out = {}
    for key, item in raw.items():
        check_key(key, join(path, key), meta.get("keys"))
        out[key] = convert(value_type, item, join(path, key), meta)
    return out


def check_key(key: str, path: str, kind: str | None) -> None:
    """Year keys are "YYYY"; month keys "YYYY-MM"; other keys are names (ids)."""
    if kind is None and not NAME.fullmatch(key):
        raise ScenarioError(f"expected a name of letters, digits, '_' or '-', got {key!r}", path)
    if kind == "year" and not (key.isascii() and key.isdigit() and len(key) == 4):
        raise ScenarioError(f'expected a year key like "2025", got {key!r}', path)
    if kind == "year":
        month(f"{key}-01", path)  # its first month: the model's years, as for every date
    if kind == "month":
        month(key, path)  # exactly like a month written as a value


def to_tuple(item_type, raw, path: str, meta: dict) -> tuple:
    """Convert a TOML array; quota levels are normalised to strings."""
    if not isinstance(raw, list):
        raise ScenarioError(f"expected an array, got {type_name(raw)}", path)
    if meta.get("quota"):
        levels = tuple(quota_level(x, f"{path}[{i}]") for i, x in enumerate(raw))
        if not levels or len(set(levels)) < len(levels):
            raise ScenarioError("expected at least one quota level, each listed once", path)
        return levels
    return tuple(to_scalar(item_type, x, f"{path}[{i}]", {}) for i, x in enumerate(raw))


def quota_level(raw, path: str) -> str:
    """``"announced"`` or a share in [0, 1], returned in canonical text form."""
    if raw == "announced":
        return "announced"
    try:
        value = float(raw) if not isinstance(raw, bool) else math.nan
    except (TypeError, ValueError, OverflowError):
        value = math.nan
    if not 0.0 <= value <= 1.0:
        raise ScenarioError(f'expected "announced" or a share in [0, 1], got {shown(raw)}', path)
    return repr(round(value, 6) + 0.0)  # + 0.0: -0.0 is the level 0.0, written once


def to_scalar(tp, raw, path: str, meta: dict):
    """str, int, float or bool, checked against the field's bounds."""
    if tp is bool:
        if not isinstance(raw, bool):
            raise ScenarioError(f"expected true or false, got {type_name(raw)}", path)
        return raw
    if tp is str:
        if not isinstance(raw, str):
            raise ScenarioError(f"expected a string, got {type_name(raw)}", path)
        if meta.get("month"):
            month(raw, path)
        choices = meta.get("choices")
        if choices and raw not in choices:
            raise ScenarioError(f"unknown value {raw!r}" + did_you_mean(raw, choices), path)
        return raw
    if tp is int and (not isinstance(raw, int) or isinstance(raw, bool)):
        raise ScenarioError(f"expected an integer, got {type_name(raw)}", path)
    if tp is float:
        raw = number(raw, path)
    check_bounds(raw, path, meta)
    return tp(raw)


def month(raw, path: str) -> int:
    """Parse a "YYYY-MM" value (or key) exactly, or raise a ScenarioError naming ``path``.

    Every date a scenario file writes (month values and keys, date bounds, year
    keys) comes through here, so the model's years (``sim.core.calendar.FIRST_YEAR``
    to ``LAST_YEAR``, one rule: ``check_year``) are checked here for all of
    them; ``checked`` applies the same rule to dates set on a command line.

    Nothing around the digits: " 2025-06" or "2025-06<TAB>" would otherwise be a
    second key for the same month, and the later one would silently win.
    """
    if isinstance(raw, str) and raw != raw.strip():
        raise ScenarioError(f"expected a month written YYYY-MM without spaces, got {raw!r}", path)
    try:
        return model_month(raw)
    except ValueError as exc:
        raise ScenarioError(str(exc), path) from None


def number(raw, path: str) -> float:
    """Return a finite number (ints allowed, bools not)."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise ScenarioError(f"expected a number, got {type_name(raw)}", path)
    if isinstance(raw, float) and not math.isfinite(raw):
        raise ScenarioError(f"expected a finite number, got {raw}", path)
    if abs(raw) > MAX_MAGNITUDE:
        raise ScenarioError(
            f"expected a number of magnitude at most {MAX_MAGNITUDE:g}, got {shown(raw)}", path
        )
    return float(raw)


def check_bounds(value: float, path: str, meta: dict) -> None:
    """Refuse values outside the field's ``min``/``max``."""
    low, high = meta.get("min"), meta.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"[{low if low is not None else '-inf'}, {high if high is not None else 'inf'}]"
        raise ScenarioError(f"value {shown(value)} is outside the allowed range {span}", path)


def to_dist(raw, path: str, meta: dict) -> Dist:
    """Convert a plain value, ``{value, evidence}`` or ``{dist, <args>, evidence}``."""
    is_date = bool(meta.get("date"))
    if not isinstance(raw, dict):
        return checked(Dist("fixed", (dist_arg(raw, path, is_date),), (), is_date), path, meta)
    kind = raw.get("dist", "fixed")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ScenarioError(
            f"unknown distribution {kind!r}" + did_you_mean(kind, KINDS), join(path, "dist")
        )
    allowed = set(KINDS[kind]) | {"dist", "evidence"}
    for key in raw:
        if key not in allowed:
            raise ScenarioError(
                f"unknown key for a {kind} parameter" + did_you_mean(key, allowed), join(path, key)
            )
    args = []
    for name in KINDS[kind]:
        if name not in raw:
            raise ScenarioError(f"a {kind} parameter needs {name!r}", join(path, name))
        args.append(dist_arg(raw[name], join(path, name), is_date and name != "sigma"))
    evidence = to_tuple(str, raw.get("evidence", []), join(path, "evidence"), {})
    return checked(Dist(kind, tuple(args), evidence, is_date), path, meta)


def dist_arg(raw, path: str, is_date: bool) -> float:
    """One argument: a month for date parameters, else a finite number."""
    if is_date:
        if not isinstance(raw, str):
            raise ScenarioError(f"expected a month written YYYY-MM, got {type_name(raw)}", path)
        return float(month(raw, path))
    return number(raw, path)


def checked(dist: Dist, path: str, meta: dict) -> Dist:
    """Check a distribution's shape and that its support respects the bounds."""
    names = KINDS[dist.kind]
    a = dict(zip(names, dist.args, strict=True))
    if "low" in a and "high" in a and a["low"] > a["high"]:
        raise ScenarioError(f"low ({a['low']:g}) exceeds high ({a['high']:g})", path)
    if "mode" in a and not a["low"] <= a["mode"] <= a["high"]:
        raise ScenarioError("mode must lie between low and high", join(path, "mode"))
    for name in ("a", "b", "median", "sigma"):
        if name in a and a[name] <= 0:
            raise ScenarioError(f"{name} must be positive", join(path, name))
    if dist.kind == "lognormal" and meta.get("max") is not None:
        raise ScenarioError(
            f"a log-normal is unbounded above but this value must stay at most "
            f"{meta['max']:g}: use uniform, triangular or beta",
            path,
        )
    if dist.kind == "lognormal" and a["sigma"] > MAX_SIGMA:
        raise ScenarioError(f"sigma must be at most {MAX_SIGMA:g}", join(path, "sigma"))
    if dist.is_date and dist.kind in ("lognormal", "beta"):
        raise ScenarioError("a date takes a fixed, uniform or triangular value", path)
    for ordinal in dist.bounds if dist.is_date else ():  # also dates set on a command line
        try:
            check_year(int(ordinal) // 12)
        except ValueError as exc:
            raise ScenarioError(str(exc), path) from None
    if meta.get("integer") and not (dist.is_fixed and float(dist.args[0]).is_integer()):
        raise ScenarioError("expected a fixed whole number", path)
    if not dist.is_date:
        for value in dist.bounds:
            check_bounds(value, path, meta)
    return dist


def type_name(raw) -> str:
    """Name a raw value's type the TOML way."""
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
    }
    if type(raw) not in names and hasattr(raw, "isoformat"):
        return f'a TOML date/time ({raw.isoformat()}; months are strings like "2025-06")'
    return names.get(type(raw), type(raw).__name__)


def shown(raw) -> str:
    """Show a value in a message; huge integers abbreviated (they overflow ``:g``)."""
    if isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) > 1e300:
        return ">1e300" if raw > 0 else "<-1e300"
    return f"{raw:g}" if isinstance(raw, (int, float)) and not isinstance(raw, bool) else repr(raw)
