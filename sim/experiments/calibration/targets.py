"""Calibration targets: observed figures the model should reproduce (seeds/targets.toml).

Grammar of one target, a table ``[targets.<name>]``:

- ``metric``: a national model metric, or a sum of them joined by ``+``
  (``"vendor_units.huawei + vendor_units.cambricon"``). Shares
  (``domestic_share_*``) stand alone.
- ``per`` (optional): a denominator in the same form; the target is then the
  ratio of the two sums, computed replication by replication.
- ``region``: ``"national"`` (the only region kept per replication).
- ``period``: ``"YYYY"`` or ``"YYYYQn"``. A quarterly metric (``vendor_units.*``,
  ``vendor_revenue.*``, ``import_units.*``) over ``"YYYY"`` is the sum of that
  year's quarters, per replication; ``wafer_starts`` (a quarter's mean month)
  takes quarter periods only.
- ``value`` and/or ``low`` + ``high``: the observed figure (its central reading)
  and/or the range the sources span; ``value`` must lie in the range.
- ``tolerance``: slack (metric units, >= 0) added on both sides of the value or
  range. The acceptance interval is ``[low - tolerance, high + tolerance]``; its
  half-width, the unit distances are measured in, must be at least a millionth
  of the figure (of 1 for a figure below 1), or it would be lost in rounding.
- ``evidence``: ids in seeds/evidence.toml; ``note``: free text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from sim.model.recorder import ANNUAL, QUARTERLY
from sim.scenario.convert import did_you_mean
from sim.scenario.errors import ScenarioError, echo
from sim.scenario.loader import read_toml
from sim.scenario.schema import Scenario

TARGETS = Path("seeds") / "targets.toml"
KEYS = (
    "metric",
    "per",
    "region",
    "period",
    "value",
    "low",
    "high",
    "tolerance",
    "evidence",
    "note",
)
YEAR = re.compile(r"^\d{4}$")
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
RATES = ("wafer_starts",)  # quarterly means, not sums: only quarter periods make sense
NARROWEST = 1e-6  # least half-width of an acceptance interval, relative to the figure (>= 1)


@dataclass(frozen=True)
class Target:
    """One observed figure and the interval of model values that agree with it."""

    name: str
    terms: tuple[str, ...]
    per: tuple[str, ...]
    region: str
    period: str
    value: float
    low: float
    high: float
    tolerance: float
    evidence: tuple[str, ...]
    note: str = ""

    @property
    def accept_low(self) -> float:
        """Lower end of the acceptance interval."""
        return self.low - self.tolerance

    @property
    def accept_high(self) -> float:
        """Upper end of the acceptance interval."""
        return self.high + self.tolerance

    @property
    def scale(self) -> float:
        """Half-width of the acceptance interval: the unit distances are measured in."""
        return (self.accept_high - self.accept_low) / 2.0

    @property
    def metric(self) -> str:
        """The metric expression as written."""
        top = " + ".join(self.terms)
        return f"({top}) / ({' + '.join(self.per)})" if self.per else top

    @property
    def year(self) -> int:
        """Calendar year of the period."""
        return int(self.period[:4])


def default_targets(scenario_file: str | Path | None = None) -> Path:
    """seeds/targets.toml beside the scenario's folder, else under the cwd."""
    if scenario_file is not None:
        candidate = Path(scenario_file).resolve().parent.parent / TARGETS
        if candidate.is_file():
            return candidate
    return TARGETS


def metric_names(scenario: Scenario | None) -> tuple[set[str], set[str]]:
    """Metrics with annual per-replication values, and with quarterly ones."""
    quarterly = set(QUARTERLY)
    if scenario is not None:
        quarterly |= {f"vendor_units.{v}" for v in scenario.vendors}
        quarterly |= {f"vendor_revenue.{v}" for v in scenario.vendors}
        quarterly |= {f"import_units.{p}" for p in (*scenario.imports, *scenario.grey_market)}
    return set(ANNUAL), quarterly


def load_targets(
    path: str | Path, scenario: Scenario | None = None, registry: dict | None = None
) -> list[Target]:
    """Read and check a targets file; raise ScenarioError naming the file and key."""
    path = Path(path)
    try:
        raw = read_toml(path)
        for key in raw:
            if key != "targets":
                raise ScenarioError("unknown key" + did_you_mean(key, ["targets"]), key)
        table = raw.get("targets")
        if not isinstance(table, dict) or not table:
            raise ScenarioError("expected a table of targets ([targets.<name>])", "targets")
        names = metric_names(scenario)
        years = scenario_years(scenario)
        return [parse_target(name, entry, names, years, registry) for name, entry in table.items()]
    except ScenarioError as err:
        raise err.in_file(str(path)) from None


def scenario_years(scenario: Scenario | None) -> range | None:
    """Calendar years of the scenario (None: do not check)."""
    if scenario is None:
        return None
    return range(int(scenario.calendar.start[:4]), int(scenario.calendar.end[:4]) + 1)


def parse_target(
    name: str, raw, names: tuple[set[str], set[str]], years: range | None, registry: dict | None
) -> Target:
    """Check one ``[targets.<name>]`` table and build its Target."""
    here = f"targets.{name}"
    if not isinstance(raw, dict):
        raise ScenarioError("expected a table", here)
    for key in raw:
        if key not in KEYS:
            raise ScenarioError("unknown key" + did_you_mean(key, KEYS), f"{here}.{key}")
    for key in ("metric", "period", "tolerance", "evidence"):
        if key not in raw:
            raise ScenarioError(f"missing required key {key!r}", f"{here}.{key}")
    region = text(raw.get("region", "national"), f"{here}.region")
    if region != "national":
        raise ScenarioError(
            'only "national" targets are supported (per-replication values '
            "are kept for national totals)",
            f"{here}.region",
        )
    period = parse_period(raw["period"], f"{here}.period", years)
    terms = parse_terms(raw["metric"], f"{here}.metric", names, period)
    per = parse_terms(raw["per"], f"{here}.per", names, period) if "per" in raw else ()
    if any(t.startswith("domestic_share_") for t in terms + per) and (per or len(terms) > 1):
        raise ScenarioError(
            "a share cannot be summed or divided; use unit metrics instead", f"{here}.metric"
        )
    value, low, high, tolerance = parse_figure(raw, here)
    evidence = parse_evidence(raw["evidence"], f"{here}.evidence", registry)
    note = text(raw.get("note", ""), f"{here}.note")
    return Target(name, terms, per, region, period, value, low, high, tolerance, evidence, note)


def parse_period(raw, path: str, years: range | None) -> str:
    """``"YYYY"`` or ``"YYYYQn"`` inside the scenario's calendar."""
    period = text(raw, path)
    if not (YEAR.match(period) or QUARTER.match(period)):
        raise ScenarioError(f'expected a period like "2024" or "2025Q3", got {echo(period)}', path)
    if years is not None and int(period[:4]) not in years:
        raise ScenarioError(
            f"period {period} is outside the calendar ({years[0]}-{years[-1]})", path
        )
    return period


def parse_terms(raw, path: str, names: tuple[set[str], set[str]], period: str) -> tuple:
    """Metric names joined by ``+``, each available for ``period``."""
    annual, quarterly = names
    terms = tuple(t.strip() for t in text(raw, path).split("+"))
    for term in terms:
        if term not in annual | quarterly:
            raise ScenarioError(
                f"unknown metric {echo(term)}" + did_you_mean(term, sorted(annual | quarterly)),
                path,
            )
        if QUARTER.match(period) and term not in quarterly:
            raise ScenarioError(f"{term} has no quarterly values; use a year period", path)
        if YEAR.match(period) and term in RATES:
            raise ScenarioError(
                f"{term} is a rate (a quarter's mean month): its quarters "
                'cannot be summed over a year; use a quarter ("2026Q1")',
                path,
            )
    return terms


def parse_figure(raw: dict, here: str) -> tuple[float, float, float, float]:
    """Value, range and tolerance; the value defaults to the range's midpoint."""
    value = number(raw["value"], f"{here}.value") if "value" in raw else None
    if ("low" in raw) != ("high" in raw):
        missing = "high" if "low" in raw else "low"
        raise ScenarioError("a range needs both low and high", f"{here}.{missing}")
    if "low" not in raw and value is None:
        raise ScenarioError("expected a value or a low/high range", f"{here}.value")
    low = number(raw["low"], f"{here}.low") if "low" in raw else value
    high = number(raw["high"], f"{here}.high") if "high" in raw else value
    assert low is not None and high is not None  # a value or both bounds, checked above
    if low > high:
        raise ScenarioError(f"low ({low:g}) exceeds high ({high:g})", f"{here}.low")
    value = (low + high) / 2.0 if value is None else value
    if not low <= value <= high:
        raise ScenarioError(
            f"value {value:g} lies outside low-high ({low:g}-{high:g})", f"{here}.value"
        )
    tolerance = number(raw["tolerance"], f"{here}.tolerance")
    if tolerance < 0 or (tolerance == 0 and low == high):
        raise ScenarioError(
            "tolerance must be positive (zero only with a low/high range)", f"{here}.tolerance"
        )
    check_width(low, high, tolerance, f"{here}.tolerance")
    return value, low, high, tolerance


def check_width(low: float, high: float, tolerance: float, path: str) -> None:
    """Refuse an acceptance interval too narrow (or too wide) to measure distances in.

    Distances are scaled by its half-width, which must be at least NARROWEST
    of the figure: a tolerance of 1e-300 on a figure of 1e6 is lost in
    rounding (a zero-width interval, and divisions by zero).
    """
    least = NARROWEST * max(1.0, abs(low), abs(high))
    width = (high + tolerance) - (low - tolerance)
    if not math.isfinite(width):
        raise ScenarioError(
            "the acceptance interval [low - tolerance, high + tolerance] is "
            "too wide to compute: use a smaller tolerance",
            path,
        )
    if width / 2.0 < least:
        lost = " (the tolerance is lost in rounding)" if tolerance and width == high - low else ""
        raise ScenarioError(
            f"tolerance {tolerance:g} is too small: the acceptance interval "
            f"[low - tolerance, high + tolerance] is {width:g} wide{lost}, and "
            "distances are measured in its half-width, which must be at least a "
            f"millionth of the figure; use a tolerance of at least {least:g}",
            path,
        )


def parse_evidence(raw, path: str, registry: dict | None) -> tuple[str, ...]:
    """Check a non-empty array of ids, each in the registry when one is given."""
    if not isinstance(raw, list) or not raw or not all(isinstance(x, str) for x in raw):
        raise ScenarioError("expected a non-empty array of evidence ids", path)
    for ident in raw:
        if registry is not None and ident not in registry:
            raise ScenarioError(
                f"unknown evidence id {echo(ident)}" + did_you_mean(ident, registry), path
            )
    return tuple(raw)


def text(raw, path: str) -> str:
    """Return ``raw`` if it is a string, else raise a ScenarioError."""
    if not isinstance(raw, str):
        raise ScenarioError(f"expected a string, got {type(raw).__name__}", path)
    return raw


def number(raw, path: str) -> float:
    """Return ``raw`` as a finite float (not a boolean), else raise a ScenarioError."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw != raw:
        raise ScenarioError(f"expected a number, got {echo(raw)}", path)
    if abs(raw) == float("inf"):
        raise ScenarioError("expected a finite number", path)
    return float(raw)
