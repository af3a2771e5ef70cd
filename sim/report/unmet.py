"""The unmet-demand story: how much demand goes unmet each year, where it goes, what waits.

Unmet demand (``unmet_demand_compute``) is the compute of orders that lapsed
unserved plus imports lost; it is served by compute rented abroad
(``offshore_compute``) or abandoned (``abandoned_demand_compute``), so the two
add up to it in every replication, and so in the means. Orders still waiting
in backlogs at the year's end (``deferred_demand_compute``) are a stock, not
part of it. Means are used because they add up; shares are of the year's mean
demand (``demand_compute``). Every number is read from summary.csv.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.core.metrics import M, format_value
from sim.report.data import Summary
from sim.report.document import Table
from sim.report.levels import reference_level, under
from sim.report.style import level_label, pct

PARTS = (
    M.demand_compute,
    M.unmet_demand_compute,
    M.offshore_compute,
    M.abandoned_demand_compute,
    M.deferred_demand_compute,
)


@dataclass(frozen=True)
class Unmet:
    """One level's year, national means in H100e."""

    level: str
    year: str
    demand: float
    unmet: float
    offshore: float
    abandoned: float
    waiting: float

    def share(self, value: float) -> float:
        """``value`` as a share of the year's demand (NaN without demand)."""
        return value / self.demand if self.demand > 0 else math.nan


def unmet_year(summary: Summary, level: str, year: str) -> Unmet:
    """Return the year's national means: demand, unmet demand and its parts, orders waiting."""
    return Unmet(level, year, *(summary.value(m, level, year, stat="mean") for m in PARTS))


def has_unmet(summary: Summary) -> bool:
    """Whether the run records every part of the story (runs before these metrics do not)."""
    return all(m in summary.metrics for m in PARTS)


def amount(metric: str, value: float) -> str:
    """Return a compute amount as the CLI's run table prints it ("3.34M", "550.3k")."""
    return format_value(metric, value)


def unmet_table(summary: Summary, level: str, years: list[str]) -> Table:
    """One row per year: demand, unmet demand (and its share), offshore, abandoned, waiting."""
    rows = []
    for year in years:
        u = unmet_year(summary, level, year)
        rows.append(
            [
                year,
                amount(M.demand_compute, u.demand),
                f"{amount(M.unmet_demand_compute, u.unmet)}\n{pct(u.share(u.unmet))} of demand",
                amount(M.offshore_compute, u.offshore),
                amount(M.abandoned_demand_compute, u.abandoned),
                amount(M.deferred_demand_compute, u.waiting),
            ]
        )
    note = (
        f"National, {under(level)}; H100-equivalents, means over the replications (means "
        "add up: offshore plus abandoned is the unmet demand). Waiting: orders still in "
        "backlogs at the year's end, met later or lapsing (a stock, not part of unmet)."
    )
    return Table(
        "unmet",
        f"Unmet demand by year, {level_label(level).lower()}",
        ["Year", "Demand", "Unmet", "of it offshore", "of it abandoned", "Waiting"],
        rows,
        note=note,
    )


def unmet_reading(summary: Summary, levels: list[str], years: list[str]) -> str:
    """Say the unmet share of demand by year at the reference level (the figure's reading)."""
    level = reference_level(levels)
    story = [unmet_year(summary, level, y) for y in years]
    by_year = ", ".join(f"{pct(u.share(u.unmet))} in {u.year}" for u in story)
    return (
        f"{under(level).capitalize()}, the share of compute demand that goes unmet is "
        f"{by_year}. Means over replications; bars and lines are shares of the year's mean "
        "demand."
    )


def unmet_story(summary: Summary, levels: list[str], years: list[str]) -> str:
    """Say where the last year's unmet demand goes, what still waits, and every level's share."""
    level = reference_level(levels)
    last = unmet_year(summary, level, years[-1])
    text = (
        f"In {last.year}, {under(level)}, of {amount(M.demand_compute, last.demand)} "
        f"H100-equivalents demanded, {amount(M.unmet_demand_compute, last.unmet)} go unmet: "
        f"{amount(M.offshore_compute, last.offshore)} ({pct(last.share(last.offshore))} of "
        f"demand) served by compute rented abroad and "
        f"{amount(M.abandoned_demand_compute, last.abandoned)} "
        f"({pct(last.share(last.abandoned))}) abandoned; orders for "
        f"{amount(M.deferred_demand_compute, last.waiting)} "
        f"({pct(last.share(last.waiting))} of the year's demand) still wait at its end."
    )
    others = [lv for lv in levels if lv != level]
    if others:
        shown = [unmet_year(summary, lv, last.year) for lv in others]
        parts = [f"{pct(u.share(u.unmet))} ({level_label(u.level).lower()})" for u in shown]
        text += f" In {last.year} the unmet share at the other levels: {', '.join(parts)}."
    return text
