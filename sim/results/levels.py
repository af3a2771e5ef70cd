"""What each quota level does in one year: the rows of the run table.

Pure arithmetic on summary statistics (no plotting), shared by ``chipsim run``
and the report. The input is an *index*: ``(quota, metric, region, period)``
-> the six statistics in :data:`sim.model.stats.STAT_NAMES` order (mean,
p05, p25, p50, p75, p95), as summary.csv holds them.

Every number a row carries says what it is: shares and amounts are medians
over replications with the 5th-95th percentile band; compliance is a mean
probability; what binds is ranked by measured counterfactual effects
(:mod:`sim.results.binds`), never by flags.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.core.metrics import M, SummaryRow, format_value
from sim.core.metrics import metric as metric_entry
from sim.model.stats import STAT_NAMES
from sim.results.binds import THRESHOLD, binds_text
from sim.results.effects import Effects

Index = Mapping[tuple[str, str, str, str], Sequence[float] | np.ndarray]
NATIONAL = "national"
SHARES = (M.domestic_share_units, M.domestic_share_compute, M.domestic_share_value)
# unmet = offshore + abandoned (flows); waiting: orders in backlogs at the year's end (a stock)
AMOUNTS = (
    M.imports_units,
    M.domestic_units,
    M.unmet_demand_compute,
    M.offshore_compute,
    M.abandoned_demand_compute,
    M.deferred_demand_compute,
    M.power_mw,
)
SHORT = {
    M.domestic_share_units: "chips",
    M.domestic_share_compute: "compute",
    M.domestic_share_value: "value",
    M.imports_units: "imports",
    M.domestic_units: "domestic",
    M.unmet_demand_compute: "unmet H100e",
    M.offshore_compute: "offshore",
    M.abandoned_demand_compute: "abandoned",
    M.deferred_demand_compute: "waiting",
    M.power_mw: "power",
}


def index_of(rows: Iterable[SummaryRow]) -> dict[tuple[str, str, str, str], np.ndarray]:
    """Index summary rows by (quota, metric, region, period)."""
    return {(r.quota, r.metric, r.region, r.period): r.stats for r in rows}


def stat(
    index: Index, quota: str, metric: str, period: str, region: str = NATIONAL, name: str = "p50"
) -> float:
    """One statistic, NaN when the row is absent or the value undefined."""
    row = index.get((quota, metric, region, period))
    if row is None:
        return math.nan
    value = float(row[STAT_NAMES.index(name)])
    return value if math.isfinite(value) else math.nan


@dataclass(frozen=True)
class Band:
    """A median over replications with its 90% band (5th to 95th percentile)."""

    median: float
    low: float
    high: float

    def text(self, metric: str) -> str:
        """Return "66.8% (52.4%-83.1%)", in the metric's own format."""
        if not math.isfinite(self.median):
            return "n/a"
        return f"{format_value(metric, self.median)} ({self.band(metric)})"

    def band(self, metric: str) -> str:
        """Return "52.4–83.1%": the 90% band, the unit written once when both ends share it."""
        low, high = format_value(metric, self.low), format_value(metric, self.high)
        for unit in ("%", " MW"):
            if low.endswith(unit) and high.endswith(unit):
                low = low[: -len(unit)]
        return f"{low}\u2013{high}"


@dataclass(frozen=True)
class LevelRow:
    """One quota level in one year, nationally."""

    level: str
    values: dict[str, Band]  # SHARES and AMOUNTS -> median and 90% band
    compliance: float  # mean over the bound segments of P(meets its quota); NaN: none bound
    segments: int  # bound segments with a quota in force that year
    binds: str  # the binding limits with their elasticity ("n/a": no effects measured)


def levels_of(index: Index) -> list[str]:
    """Quota levels in the order the index holds them."""
    return list(dict.fromkeys(k[0] for k in index))


def years_of(index: Index) -> list[str]:
    """Calendar years with a national share of chips, in order."""
    return sorted(
        {
            k[3]
            for k in index
            if k[1] == M.domestic_share_units and k[2] == NATIONAL and k[3].isdigit()
        }
    )


def bound_segments(index: Index, level: str, year: str) -> list[str]:
    """Segments with a quota in force in ``year`` at ``level`` (target above zero)."""
    regions = dict.fromkeys(
        k[2] for k in index if k[1] == M.quota_compliance and k[0] == level and k[3] == year
    )
    return [r for r in regions if stat(index, level, M.quota_target, year, r, "mean") > 0]


def mean_compliance(index: Index, level: str, year: str) -> tuple[float, int]:
    """Mean over the bound segments of their probability of meeting the quota, and how many."""
    values = [
        stat(index, level, M.quota_compliance, year, r, "mean")
        for r in bound_segments(index, level, year)
    ]
    values = [v for v in values if math.isfinite(v)]
    return (sum(values) / len(values) if values else math.nan), len(values)


def level_row(index: Index, level: str, year: str, effects: Effects | None = None) -> LevelRow:
    """Return the run table's row of ``level`` in ``year`` (what binds from ``effects``)."""
    values = {
        m: Band(*(stat(index, level, m, year, name=s) for s in ("p50", "p05", "p95")))
        for m in (*SHARES, *AMOUNTS)
    }
    compliance, count = mean_compliance(index, level, year)
    binds = binds_text(effects, level, year) if effects else "n/a"
    return LevelRow(level, values, compliance, count, binds)


def level_rows(
    index: Index, year: str, levels: list[str] | None = None, effects: Effects | None = None
) -> list[LevelRow]:
    """One row per quota level (the index's order unless ``levels`` is given)."""
    return [level_row(index, level, year, effects) for level in (levels or levels_of(index))]


def column_note(rows: list[LevelRow], replications: int | None) -> str:
    """Say what every column's number is (mean or median, of what)."""
    counts = sorted({r.segments for r in rows if r.segments})
    segs = "/".join(str(c) for c in counts) if counts else "no"
    over = f" over {replications:,} replications" if replications else " over replications"
    return (
        f"Shares (of chips, compute and value), imports, domestic chips, unmet demand and "
        f"power: medians{over}. Unmet demand (H100e) is served offshore or abandoned; "
        f"waiting: H100e of orders still in backlogs at the year's end. Quota met: the "
        f"mean over the {segs} quota-bound segments of each one's probability of meeting "
        f"its quota. Binds: the limits whose 10% relaxation (same draws) raises compute "
        f"delivered by an elasticity of at least {THRESHOLD:g}, strongest first, with that "
        f"elasticity (n/a: not measured)."
    )


def run_table(
    index: Index, year: str, replications: int | None = None, effects: Effects | None = None
) -> str:
    """Return the terminal table: a row per quota level in ``year``, then what columns hold."""
    rows = level_rows(index, year, effects=effects)
    head = ["quota", *(SHORT[m] for m in (*SHARES, *AMOUNTS)), "quota met", "binds"]
    body = [
        [
            r.level,
            *(format_value(m, r.values[m].median) for m in (*SHARES, *AMOUNTS)),
            "n/a" if not math.isfinite(r.compliance) else f"{r.compliance:.0%}",
            r.binds,
        ]
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
    lines = [f"{year} by quota level, national"]
    for line in [head, *body]:
        cells = [line[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(line[1:-1], widths[1:-1], strict=True)]
        lines.append("  ".join([*cells, line[-1]]).rstrip())
    return "\n".join(lines + [column_note(rows, replications)])


def unit_of(metric: str) -> str:
    """Return the registry's unit of ``metric`` (for table headers)."""
    return metric_entry(metric).unit
