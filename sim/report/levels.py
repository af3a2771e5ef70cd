"""The report's answer to "what does each quota level do?": table, paired differences, readings.

The table has the run table's columns (sim.results.levels) with 90% bands;
the paired differences of the national share come from replications.npz
(replication r of every level drew the same random numbers, so the
per-replication difference isolates the level). Every sentence here is
generated from those numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.metrics import BINDING, BINDING_LABELS, EFFECT_LABELS, EFFECTS, M, format_value
from sim.metrics import metric as metric_entry
from sim.report.data import Summary
from sim.report.document import Table
from sim.report.style import level_label, pct
from sim.results.levels import AMOUNTS, SHARES, level_rows
from sim.results.why import FLAT_POINTS, chips, pair, why_levels

COLUMN_TITLES = {M.domestic_share_units: "Share of chips", M.domestic_share_compute:
                 "Share of compute", M.domestic_share_value: "Share of value",
                 M.imports_units: "Imported chips", M.domestic_units: "Domestic chips",
                 M.unmet_demand_compute: "Unmet demand (H100e)", M.power_mw: "Power"}
REFERENCE = "announced"
DIFFER = 0.05  # binding shares of two levels "differ" by more than 5 points


def levels_table(summary: Summary, levels: list[str], year: str,
                 replications: int | None) -> Table:
    """One body row per quota level: the run table's columns with their 90% bands."""
    rows = []
    for row in level_rows(summary.index, year, levels):
        cells = [level_label(row.level)]
        cells += [f"{format_value(m, row.values[m].median)}\n{row.values[m].band(m)}"
                  if math.isfinite(row.values[m].median) else "n/a" for m in (*SHARES, *AMOUNTS)]
        cells.append("n/a" if not math.isfinite(row.compliance) else f"{row.compliance:.0%}")
        cells.append(row.binds_text())
        rows.append(cells)
    over = f"{replications:,} replications" if replications else "the replications"
    note = (f"National, {year}. Shares, chips, unmet demand and power: median over {over}, "
            f"with the 90% band (5th to 95th percentile) below it. Power: the system power "
            f"of the chips delivered in the year. Quota met: the mean, over "
            f"the quota-bound segments with a quota that year, of each one's probability of "
            f"meeting it. Binds most: the constraint that limits deliveries in the largest "
            f"share of the year's months (mean over replications; several can bind at once).")
    columns = ["Quota level", *(COLUMN_TITLES[m] for m in (*SHARES, *AMOUNTS)), "Quota met",
               "Binds most"]
    return Table("quota-levels", f"What each quota level does in {year}", columns, rows,
                 note=note)


def headline(summary: Summary, levels: list[str], year: str) -> str:
    """Return the opening sentence: the reference level's share, then the levels' spread."""
    ref = REFERENCE if REFERENCE in levels else levels[0]
    p50, p05, p95 = (summary.value(M.domestic_share_units, ref, year, stat=s)
                     for s in ("p50", "p05", "p95"))
    who = "Under announced quotas" if ref == REFERENCE else f"Under a {level_label(ref)}"
    text = (f"{who} the median domestic share of chips is {pct(p50)} in {year} "
            f"(90% band {pct(p05)}–{pct(p95)})")
    chosen = pair(levels)
    if chosen is None:
        return text
    lo, hi = (summary.value(M.domestic_share_units, lv, year) for lv in chosen)
    points = (hi - lo) * 100
    if not math.isfinite(points):
        return text
    move = "barely moves" if abs(points) < FLAT_POINTS else ("rises" if points > 0 else "falls")
    return (text + f"; from the {level_label(chosen[0]).lower()} to the "
            f"{level_label(chosen[1]).lower()} the median {move} ({pct(lo, 1)} to "
            f"{pct(hi, 1)})")



@dataclass(frozen=True)
class Differences:
    """Per level, per year: the paired difference of the national share from the reference.

    ``stats[level]`` is (years, 4): mean, p05, p50, p95 of the per-replication
    differences (percentage points), NaN where no replication is defined.
    """

    reference: str
    years: list[int]
    stats: dict[str, np.ndarray]


def paired_differences(replicates: dict | None, levels: list[str],
                       metric: str = M.domestic_share_units) -> Differences | None:
    """Paired differences of ``metric`` from the reference level (announced, else the first)."""
    key = f"national.{metric}"
    if not replicates or key not in replicates or len(levels) < 2:
        return None
    stored = [str(x) for x in replicates["quota_levels"]]
    if not all(lv in stored for lv in levels):
        return None
    ref = REFERENCE if REFERENCE in levels else levels[0]
    values = np.asarray(replicates[key], dtype=float)
    base = values[stored.index(ref)]
    out = {}
    for level in levels:
        if level == ref:
            continue
        diff = (values[stored.index(level)] - base) * 100  # (reps, years)
        out[level] = np.array([describe(diff[:, y]) for y in range(diff.shape[1])])
    return Differences(ref, [int(y) for y in replicates["years"]], out)


def describe(values: np.ndarray) -> tuple[float, float, float, float]:
    """Mean, 5th, 50th and 95th percentile of the finite values (NaN when none)."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (math.nan,) * 4
    return (float(values.mean()), *(float(q) for q in np.percentile(values, [5, 50, 95])))


def differences_reading(diffs: Differences, summary: Summary, year: str,
                        lever: str | None = None) -> str:
    """Say what each level changes against the reference in ``year``: share, imports, domestic."""
    y = diffs.years.index(int(year))
    ref = level_label(diffs.reference).lower()
    parts = []
    for level, stats in diffs.stats.items():
        mean, low, _, high = stats[y]
        parts.append(f"{level_label(level).lower()} {mean:+.1f} points (90% of replications "
                     f"between {low:+.1f} and {high:+.1f})")
    text = (f"Against {ref}, the {year} national share of chips differs by, on average: "
            + "; ".join(parts) + ".")
    effects = effects_sentence(summary, list(diffs.stats), year)
    first = first_difference(diffs)
    when = (f" The levels first differ (by more than 0.1 points on average) in {first}."
            if first else " The levels never differ by more than 0.1 points on average.")
    if lever:
        when += f" Before the quota lever ({lever}) every level follows the announced path."
    return text + effects + when + (" Paired: replication r of every level drew the same "
                                    "random numbers, so each difference isolates the level.")


def first_difference(diffs: Differences) -> int | None:
    """Return the first year in which some level's mean difference exceeds 0.1 points."""
    for y, year in enumerate(diffs.years):
        if any(abs(s[y, 0]) > 0.1 for s in diffs.stats.values() if math.isfinite(s[y, 0])):
            return year
    return None


def effects_sentence(summary: Summary, levels: list[str], year: str) -> str:
    """Say the level_effect decomposition (means) of the strongest level, when the run has it."""
    numeric = [lv for lv in levels if lv != REFERENCE]
    if not numeric or f"{M.level_effect}.domestic_added" not in summary.metrics:
        return ""
    level = max(numeric, key=float)
    parts = []
    for member, (metric, _) in EFFECTS.items():
        value = summary.value(f"{M.level_effect}.{member}", level, year, stat="mean")
        if math.isfinite(value):
            unit = " H100e" if metric_entry(metric).unit == "H100e" else " chips"
            parts.append(f"{EFFECT_LABELS[member].lower()} {signed(value)}{unit}")
    if not parts:
        return ""
    return (f" Against announced quotas, the {level_label(level).lower()} means on average: "
            + ", ".join(parts) + ".")


def signed(value: float) -> str:
    """"+27.0k" / "−15" (a count of chips or H100e, with its sign)."""
    return ("\u2212" if value < 0 else "+") + chips(value)


def year_ranges(years: list[str]) -> str:
    """["2024", "2025", "2026", "2023"]-style lists as "2023-2026"; gaps split ranges."""
    numbers = sorted(int(y) for y in years)
    runs: list[list[int]] = []
    for y in numbers:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def binding_reading(summary: Summary, levels: list[str], years: list[str]) -> str:
    """When each constraint binds (reference level), how levels differ, and why levels differ."""
    ref = REFERENCE if REFERENCE in levels else levels[0]
    last = years[-1]
    parts = []
    for b in BINDING:
        share = [summary.value(f"{M.binding_share}.{b}", ref, y, stat="mean") for y in years]
        found = [y for y, v in zip(years, share, strict=True) if math.isfinite(v) and v >= 0.5]
        if found:
            parts.append(f"{BINDING_LABELS[b]} in {year_ranges(found)} ({pct(share[-1])} of "
                         f"months in {last})")
    text = (f"{level_label(ref)}, the constraints that bind in most months of a year: "
            + "; ".join(parts) + "." if parts else
            f"{level_label(ref)}: no constraint binds in most months of any year.")
    text += level_spread(summary, levels, last)
    return (text + " " + why_levels(summary.index, last, levels)
            + " Shares are means over replications of the share of a year's months in which "
              "the constraint limits deliveries; several can bind in the same month.")


def level_spread(summary: Summary, levels: list[str], year: str) -> str:
    """Constraints whose binding share differs by more than DIFFER between levels in ``year``."""
    parts = []
    for b in BINDING:
        values = {lv: summary.value(f"{M.binding_share}.{b}", lv, year, stat="mean")
                  for lv in levels}
        values = {lv: v for lv, v in values.items() if math.isfinite(v)}
        if len(values) < 2:
            continue
        low, high = min(values, key=values.get), max(values, key=values.get)
        if values[high] - values[low] > DIFFER:
            parts.append(f"{BINDING_LABELS[b]} from {pct(values[low])} "
                         f"({level_label(low).lower()}) to {pct(values[high])} "
                         f"({level_label(high).lower()})")
    if not parts:
        return (f" In {year} each constraint binds in the same share of months at every quota "
                f"level, to within {DIFFER * 100:.0f} points.") if len(levels) > 1 else ""
    return f" In {year} the levels differ: " + "; ".join(parts) + "."
