"""The metric registry: every output metric, its unit, periods, regions and format.

One entry per metric (or per family, such as ``vendor_units.<vendor>``). The
recorder emits exactly these, the summary writer, report, paired comparison
and calibration read them from here, and docs/outputs.md lists them (a test
keeps the two in step). Adding a metric is one entry here, its computation in
:mod:`sim.model.recorder`, and its test.

Also here: the typed summary row every layer passes around.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np

from sim.core.names import NAMES, display

YEAR, QUARTER, MONTH = "year", "quarter", "month"
ALL, NATIONAL, BOUND = "all", "national", "bound"  # which regions carry a metric


class SummaryRow(NamedTuple):
    """One summary.csv row: the six statistics of a metric over replications."""

    quota: str
    metric: str
    region: str
    period: str
    stats: np.ndarray  # mean, p05, p25, p50, p75, p95 (see sim.model.stats.STAT_NAMES)


@dataclass(frozen=True)
class Metric:
    """What a metric measures and how it is shown.

    ``kind``: ``share`` (a ratio in [0, 1]), ``flow`` (summed over the
    period), ``stock`` (a level at the period's end), ``indicator`` (1 or 0
    per replication, so its mean is a probability), ``target`` (an input
    echoed) or ``ratio`` (a unitless ratio of changes). ``emitted`` pairs
    each period kind with the regions that carry it there. ``fmt`` names a
    formatter in :data:`FORMATS`.
    """

    name: str
    unit: str
    kind: str
    emitted: tuple[tuple[str, str], ...]
    fmt: str
    label: str
    description: str
    family: bool = False  # ``name`` is a prefix: ``<name>.<member>``
    headline: bool = False  # compared between runs and shown in headline tables


SHARE_EMITTED = ((YEAR, ALL), (MONTH, NATIONAL))
FLOW_EMITTED = ((YEAR, ALL), (QUARTER, NATIONAL))

REGISTRY: tuple[Metric, ...] = (
    Metric(
        "domestic_share_units",
        "share",
        "share",
        SHARE_EMITTED,
        "percent",
        "Domestic share of chips",
        "domestic units / all units delivered in the period",
        headline=True,
    ),
    Metric(
        "domestic_share_compute",
        "share",
        "share",
        SHARE_EMITTED,
        "percent",
        "Domestic share of compute",
        "the same weighted by H100-equivalents",
        headline=True,
    ),
    Metric(
        "domestic_share_installed",
        "share",
        "share",
        SHARE_EMITTED,
        "percent",
        "Domestic share of installed base",
        "domestic share of the installed base (units) at the period's end",
        headline=True,
    ),
    Metric(
        "domestic_share_value",
        "share",
        "share",
        ((YEAR, ALL),),
        "percent",
        "Domestic share of value",
        "the same weighted by unit prices (USD)",
        headline=True,
    ),
    Metric(
        "unmet_demand_compute",
        "H100e",
        "flow",
        FLOW_EMITTED,
        "compute",
        "Unmet demand",
        "H100e of orders that lapsed unserved, plus imports lost: "
        "offshore_compute + abandoned_demand_compute",
        headline=True,
    ),
    Metric(
        "imports_units",
        "units",
        "flow",
        FLOW_EMITTED,
        "count",
        "Imported chips",
        "imported units delivered",
        headline=True,
    ),
    Metric(
        "domestic_units",
        "units",
        "flow",
        FLOW_EMITTED,
        "count",
        "Domestic chips",
        "domestic units delivered",
        headline=True,
    ),
    Metric(
        "power_mw",
        "MW",
        "flow",
        ((YEAR, ALL),),
        "power",
        "Power of chips delivered",
        "system power of the chips delivered in the period",
        headline=True,
    ),
    Metric(
        "demand_compute",
        "H100e",
        "flow",
        FLOW_EMITTED,
        "compute",
        "Demand",
        "H100e needed in the period",
    ),
    Metric(
        "delivered_compute",
        "H100e",
        "flow",
        ((YEAR, ALL),),
        "compute",
        "Compute delivered",
        "H100e delivered in the period",
    ),
    Metric(
        "wafer_starts",
        "wafers/month",
        "stock",
        ((QUARTER, NATIONAL),),
        "count",
        "Advanced wafer starts",
        "advanced-node wafer starts a month over every foundry "
        "open to Chinese designers, before the AI share: the quarter's mean month",
    ),
    Metric(
        "deferred_demand_compute",
        "H100e",
        "stock",
        ((YEAR, ALL), (QUARTER, NATIONAL)),
        "compute",
        "Orders waiting",
        "H100e of domestic orders waiting in backlogs at the period's end",
    ),
    Metric(
        "served_late_compute",
        "H100e",
        "flow",
        FLOW_EMITTED,
        "compute",
        "Orders served late",
        "H100e of domestic orders delivered after waiting a month or more",
    ),
    Metric(
        "offshore_compute",
        "H100e",
        "flow",
        FLOW_EMITTED,
        "compute",
        "Offshore compute",
        "H100e of unmet orders served by compute rented abroad",
    ),
    Metric(
        "abandoned_demand_compute",
        "H100e",
        "flow",
        FLOW_EMITTED,
        "compute",
        "Abandoned demand",
        "H100e of unmet orders neither met at home nor offshore",
    ),
    Metric(
        "vendor_units",
        "units",
        "flow",
        ((QUARTER, NATIONAL),),
        "count",
        "Units by vendor",
        "domestic units delivered by vendor",
        family=True,
    ),
    Metric(
        "import_units",
        "units",
        "flow",
        ((QUARTER, NATIONAL),),
        "count",
        "Units by import product",
        "imported units delivered by product",
        family=True,
    ),
    Metric(
        "vendor_revenue",
        "USD",
        "flow",
        ((QUARTER, NATIONAL),),
        "usd",
        "Revenue by vendor",
        "domestic units delivered by vendor x each product's price (USD)",
        family=True,
    ),
    Metric(
        "level_effect",
        "units or H100e",
        "flow",
        ((YEAR, NATIONAL),),
        "count",
        "What the quota level changes",
        "paired difference from the announced quotas (members: see EFFECTS)",
        family=True,
    ),
    Metric(
        "counterfactual_effect",
        "the changed metric's unit",
        "flow",
        (),
        "count",
        "Counterfactual effect",
        "paired change of a metric when one constraint is relaxed "
        "on the same draws, in effects.csv (members: see COUNTERFACTUAL)",
        family=True,
    ),
    Metric(
        "elasticity",
        "ratio",
        "ratio",
        (),
        "ratio",
        "Elasticity",
        "a counterfactual's mean change over the baseline's mean, divided by the relative "
        "size of the relaxation, in effects.csv",
    ),
    Metric(
        "quota_target",
        "share",
        "target",
        ((YEAR, BOUND),),
        "percent",
        "Quota target",
        "the segment's quota share in the year's last month",
    ),
    Metric(
        "quota_compliance",
        "probability",
        "indicator",
        ((YEAR, BOUND),),
        "percent",
        "Quota met",
        "1 when the segment's annual share, counted on its quota's basis, "
        "reached the target times enforcement (undefined when nothing was delivered); "
        "the mean is the probability",
    ),
)

METRICS: dict[str, Metric] = {m.name: m for m in REGISTRY}
# members of the level_effect family (metric they difference, sign): level minus announced
EFFECTS = {
    "imports_displaced": ("imports_units", -1.0),
    "domestic_added": ("domestic_units", 1.0),
    "unmet_added": ("unmet_demand_compute", 1.0),
}
EFFECT_LABELS = {
    "imports_displaced": "Imports displaced",
    "domestic_added": "Domestic chips added",
    "unmet_added": "Unmet demand added",
}
# what every counterfactual of effects.csv reports the change of (national, per year)
COUNTERFACTUAL = (
    "domestic_units",
    "imports_units",
    "delivered_compute",
    "unmet_demand_compute",
    "domestic_share_units",
)
M = SimpleNamespace(**{m.name: m.name for m in REGISTRY})  # M.imports_units: a checked name


def metric(name: str) -> Metric:
    """Return the registry entry of ``name`` (``vendor_units.huawei`` -> the family's entry)."""
    if name in METRICS:
        return METRICS[name]
    family = METRICS.get(name.split(".", 1)[0])
    if family is None or not family.family:
        raise KeyError(f"unknown metric {name!r}")
    return family


def unit_of(name: str) -> str:
    """Return the unit of metric ``name``, a family member's included.

    A ``level_effect`` member has the unit of the metric it differences
    (:data:`EFFECTS`); every other member has its family's unit.
    """
    family, _, member = name.partition(".")
    if family == M.level_effect and member in EFFECTS:
        return metric(EFFECTS[member][0]).unit
    return metric(name).unit


def describe(name: str) -> tuple[str, str]:
    """Return the label and description of metric ``name``, a family member's included."""
    entry = metric(name)
    family, _, member = name.partition(".")
    if not member or not entry.family:
        return entry.label, entry.description
    if family == M.level_effect and member in EFFECTS:
        base, sign = EFFECTS[member]
        first, second = (
            ("the announced quotas", "the level")
            if sign < 0
            else ("the level", "the announced quotas")
        )
        return EFFECT_LABELS[member], (
            f"{base} at {first} minus {base} at {second}: the paired difference over the same draws"
        )
    shown = display(member) if member in NAMES else member  # a segment, vendor or product
    return f"{entry.label}: {shown}", f"{entry.description}: {member}"


def names(period: str, regions: str, family: bool = False) -> tuple[str, ...]:
    """Names of the metrics emitted for ``period`` in ``regions``, in registry order."""
    return tuple(m.name for m in REGISTRY if (period, regions) in m.emitted and m.family == family)


def families(period: str) -> tuple[str, ...]:
    """Prefixes of the metric families emitted for ``period`` (``vendor_units`` ...)."""
    return tuple(m.name for m in REGISTRY if m.family and any(p == period for p, _ in m.emitted))


def is_share(name: str) -> bool:
    """Whether ``name`` is a share or probability (shown in percent)."""
    return metric(name).fmt == "percent"


def headline() -> tuple[str, ...]:
    """Names of the headline metrics (compared between runs), in registry order."""
    return tuple(m.name for m in REGISTRY if m.headline)


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _compact(value: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:.2f}M"
    return f"{value / 1e3:.1f}k" if abs(value) >= 1e3 else f"{value:.1f}"


def _usd(value: float) -> str:
    if abs(value) >= 1e9:
        return f"USD {value / 1e9:.2f}bn"
    return f"USD {value / 1e6:.1f}m"


def _power(value: float) -> str:
    return f"{value:,.0f} MW"


def _ratio(value: float) -> str:
    return f"{value:.2f}"


FORMATS = {
    "ratio": _ratio,
    "percent": _percent,
    "count": _compact,
    "compute": _compact,
    "power": _power,
    "usd": _usd,
}


def format_plain(value: float) -> str:
    """Write a number as the CLI prints one: "13,986", "0.5", "2.25"; never "1.399e+04".

    Four significant digits below 1,000, whole numbers with thousands
    separators from there; tiny values positionally ("0.00012").
    """
    if not math.isfinite(value):
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if value != 0 and abs(value) < 1e-3:
        return np.format_float_positional(
            value, precision=4, unique=False, fractional=False, trim="-"
        )
    return f"{value:.4g}"


def format_value(name: str, value: float) -> str:
    """``value`` of metric ``name`` as text, ``n/a`` when undefined."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return FORMATS[metric(name).fmt](value)


def format_number(value: float) -> str:
    """Six significant digits, never exponent notation; '' for an undefined value."""
    if not math.isfinite(value):
        return ""
    if value == 0:
        return "0"
    return np.format_float_positional(value, precision=6, unique=False, fractional=False, trim="-")
