"""The report's answer to "what does each quota level do?": table, paired differences, readings.

The table has the run table's columns (sim.results.levels) with 90% bands;
the paired differences of the national share come from replications.npz
(replication r of every level drew the same random numbers, so the
per-replication difference isolates the level); what limits deliveries comes
from the counterfactual effects of effects.csv (sim.results.binds). Every
sentence here is generated from those numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.core.metrics import EFFECTS, M, format_value
from sim.core.metrics import metric as metric_entry
from sim.core.names import SEGMENT_NAMES, in_sentence
from sim.report.data import Summary
from sim.report.document import Table
from sim.report.readings import and_join
from sim.report.style import level_label, pct
from sim.results.binds import TARGET, THRESHOLD, Binding, ranking
from sim.results.effects import Effects
from sim.results.levels import AMOUNTS, SHARES, level_rows
from sim.results.why import FLAT_POINTS, chips, pair
from sim.scenario.schema import Scenario

COLUMN_TITLES = {
    M.domestic_share_units: "Share of chips",
    M.domestic_share_compute: "Share of compute",
    M.domestic_share_value: "Share of value",
    M.imports_units: "Imported chips",
    M.domestic_units: "Domestic chips",
    M.unmet_demand_compute: "Unmet demand (H100e)",
    M.offshore_compute: "of it offshore (H100e)",
    M.abandoned_demand_compute: "of it abandoned (H100e)",
    M.deferred_demand_compute: "Orders waiting (H100e)",
    M.power_mw: "Power",
}
REFERENCE = "announced"


def levels_table(
    summary: Summary,
    levels: list[str],
    year: str,
    replications: int | None,
    effects: Effects | None = None,
) -> Table:
    """One body row per quota level: the run table's columns with their 90% bands."""
    rows = []
    for row in level_rows(summary.index, year, levels, effects):
        cells = [level_label(row.level)]
        cells += [
            f"{format_value(m, row.values[m].median)}\n{row.values[m].band(m)}"
            if math.isfinite(row.values[m].median)
            else "n/a"
            for m in (*SHARES, *AMOUNTS)
        ]
        cells.append("n/a" if not math.isfinite(row.compliance) else f"{row.compliance:.0%}")
        cells.append(row.binds)
        rows.append(cells)
    over = f"{replications:,} replications" if replications else "the replications"
    binds = (
        f"Binds: the limits whose relaxation (by 10%, on the same draws) raises the "
        f"compute delivered that year by an elasticity of at least {THRESHOLD:g}, "
        f"strongest first, with that elasticity (none: no limit does; n/a: not measured)."
        if effects
        else "Binds: n/a, the run has no counterfactual effects (effects.csv)."
    )
    note = (
        f"National, {year}. Shares, chips, unmet demand and power: median over {over}, "
        f"with the 90% band (5th to 95th percentile) below it. Unmet demand: orders that "
        f"lapsed after waiting and imports lost, served by compute rented abroad "
        f"(offshore) or abandoned. Orders waiting: domestic orders in backlogs at the "
        f"year's end, met later or lapsing. Power: the system power "
        f"of the chips delivered in the year. Quota met: the mean, over "
        f"the quota-bound segments with a quota that year, of each one's probability of "
        f"meeting it. {binds}"
    )
    columns = [
        "Quota level",
        *(COLUMN_TITLES[m] for m in (*SHARES, *AMOUNTS)),
        "Quota met",
        "Binds",
    ]
    return Table("quota-levels", f"What each quota level does in {year}", columns, rows, note=note)


def headline(summary: Summary, levels: list[str], year: str) -> str:
    """Return the opening sentence: the reference level's share, then the levels' spread."""
    ref = REFERENCE if REFERENCE in levels else levels[0]
    p50, p05, p95 = (
        summary.value(M.domestic_share_units, ref, year, stat=s) for s in ("p50", "p05", "p95")
    )
    who = "Under announced quotas" if ref == REFERENCE else f"Under a {level_label(ref)}"
    text = (
        f"{who} the median domestic share of chips is {pct(p50)} in {year} "
        f"(90% band {pct(p05)}–{pct(p95)})"
    )
    chosen = pair(levels)
    if chosen is None:
        return text
    lo, hi = (summary.value(M.domestic_share_units, lv, year) for lv in chosen)
    points = (hi - lo) * 100
    if not math.isfinite(points):
        return text
    move = "barely moves" if abs(points) < FLAT_POINTS else ("rises" if points > 0 else "falls")
    return (
        text + f"; from the {level_label(chosen[0]).lower()} to the "
        f"{level_label(chosen[1]).lower()} the median {move} ({pct(lo, 1)} to "
        f"{pct(hi, 1)})"
    )


@dataclass(frozen=True)
class Differences:
    """Per level, per year: the paired difference of the national share from the reference.

    ``stats[level]`` is (years, 4): mean, p05, p50, p95 of the per-replication
    differences (percentage points), NaN where no replication is defined.
    """

    reference: str
    years: list[int]
    stats: dict[str, np.ndarray]


def paired_differences(
    replicates: dict | None, levels: list[str], metric: str = M.domestic_share_units
) -> Differences | None:
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
    p05, p50, p95 = (float(q) for q in np.percentile(values, [5, 50, 95]))
    return float(values.mean()), p05, p50, p95


def differences_reading(
    diffs: Differences, summary: Summary, year: str, lever: str | None = None, why: str = ""
) -> str:
    """Say what each level changes against the reference in ``year``: share, imports, domestic.

    ``why``: the sentences on why the levels differ (:func:`sim.results.why.why_levels`),
    appended.
    """
    y = diffs.years.index(int(year))
    ref = level_label(diffs.reference).lower()
    parts = []
    for level, stats in diffs.stats.items():
        mean, low, _, high = stats[y]
        parts.append(
            f"{level_label(level).lower()} {mean:+.1f} points (90% of replications "
            f"between {low:+.1f} and {high:+.1f})"
        )
    text = (
        f"Against {ref}, the {year} national share of chips differs by, on average: "
        + "; ".join(parts)
        + "."
    )
    effects = effects_sentence(summary, list(diffs.stats), year)
    first = first_difference(diffs)
    when = (
        f" The levels first differ (by more than 0.1 points on average) in {first}."
        if first
        else " The levels never differ by more than 0.1 points on average."
    )
    if lever:
        when += f" Before the quota lever ({lever}) every level follows the announced path."
    return (
        text + effects + when + " Paired: replication r of every level drew the same "
        "random numbers, so each difference isolates the level." + (f" {why}" if why else "")
    )


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
    for member, (metric, sign) in EFFECTS.items():
        value = summary.value(f"{M.level_effect}.{member}", level, year, stat="mean")
        if math.isfinite(value):
            parts.append(change_words(metric, sign * value))
    if not parts:
        return ""
    return (
        f" Against announced quotas, at the {level_label(level).lower()} on average "
        + and_join(parts)
        + "."
    )


def change_words(metric: str, change: float) -> str:
    """Say a change of a metric with its direction in words, never a bare sign.

    "imported chips fall by 13.9k", "unmet demand rises by 97.4k H100e",
    "domestic chips do not change" (the change rounds to nothing).
    """
    entry = metric_entry(metric)
    noun = entry.label.lower()
    plural = noun.endswith("s")
    if chips(change) == "0":
        return f"{noun} {'do' if plural else 'does'} not change"
    verb = ("rise" if change > 0 else "fall") + ("" if plural else "s")
    unit = " H100e" if entry.unit == "H100e" else ""
    return f"{noun} {verb} by {chips(change)}{unit}"


NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def reference_level(levels: list[str], effects: Effects | None = None) -> str:
    """Return the level readings refer to: announced, else the first (measured, given effects)."""
    measured = [lv for lv in levels if not effects or lv in effects.levels()]
    measured = measured or (effects.levels() if effects else []) or levels
    return REFERENCE if REFERENCE in measured else measured[0]


def count(n: int, noun: str) -> str:
    """Return "one limit", "four limits" (digits from ten)."""
    word = NUMBERS[n] if n < len(NUMBERS) else str(n)
    return f"{word} {noun}{'' if n == 1 else 's'}"


def elasticity(value: float) -> str:
    """Format an elasticity with two decimals and a true minus sign: "0.89", "−0.07"."""
    return f"{value:.2f}".replace("-", "\u2212")


def interval(b: Binding) -> str:
    """Return "0.52 to 1.77": the elasticity at the 5th and 95th percentiles of the change."""
    return f"{elasticity(b.low)} to {elasticity(b.high)}"


def under(level: str) -> str:
    """Return "under announced quotas" / "at the 50% quota"."""
    return "under announced quotas" if level == REFERENCE else f"at the {level_label(level)}"


def listed(found: list[Binding]) -> str:
    """Name limits with their elasticity and interval, the first one spelt out in full."""
    parts = [
        f"{b.label} at {elasticity(b.elasticity)} ("
        + ("90% of replications: " if i == 0 else "")
        + f"{interval(b)})"
        for i, b in enumerate(found)
    ]
    return and_join(parts)


def limits_reading(effects: Effects, level: str, years: list[str], levels: list[str]) -> str:
    """Which limits bind deliveries in the last year, which lower them, and the other levels."""
    last = years[-1]
    found = ranking(effects, level, last)
    if not found:
        return (
            f"effects.csv holds no elasticity of delivered compute {under(level)} in "
            f"{last}, so nothing here says what limits deliveries."
        )
    amount = shared_amount(effects, level, last, found)
    size = (
        f"by {pct(amount)} on the same draws (a rule: {pct(amount)} of the way to no rule)"
        if amount is not None
        else "by its stated amount on the same draws"
    )
    gain = (
        pct(THRESHOLD * amount, 1).replace(".0%", "%")
        if amount is not None
        else f"an elasticity of {THRESHOLD:g}"
    )
    binding = [b for b in found if b.binds]
    if binding:
        text = (
            f"In {last}, {under(level)}, {count(len(binding), 'limit')} "
            f"{'binds' if len(binding) == 1 else 'bind'} deliveries, by elasticity: "
            f"{listed(binding)}. "
            f"Relaxing {'it' if len(binding) == 1 else 'each'} {size} adds at least "
            f"{gain} to the compute delivered that year (elasticity {THRESHOLD:g} or more)."
        )
    else:
        text = (
            f"In {last}, {under(level)}, no limit binds deliveries: relaxing any one "
            f"{size} adds less than {gain} to the compute delivered that year; the "
            f"largest elasticity is {found[0].label}'s, "
            f"{elasticity(found[0].elasticity)}."
        )
    lowers = [b for b in found if round(b.elasticity, 2) < 0]
    if lowers:
        text += " " + " ".join(
            f"Relaxing {b.label} lowers deliveries (elasticity {elasticity(b.elasticity)}, 90% "
            f"of replications {interval(b)})."
            for b in lowers
        )
    text += earlier_years(effects, level, years[:-1])
    text += other_levels(effects, level, levels, last)
    return text + (
        " Elasticity: the mean paired change in compute delivered, relative to "
        "the baseline's mean and to the relaxation; the interval is the same ratio "
        "for the 5th and 95th percentiles of the paired change."
    )


def shared_amount(effects: Effects, level: str, year: str, found: list[Binding]) -> float | None:
    """Return the relaxation every ranked limit shares (0.1); None when they differ."""
    amounts = {
        row.amount
        for b in found
        if (row := effects.get(level, b.constraint, TARGET, year)) is not None
    }
    amount = amounts.pop() if len(amounts) == 1 else math.nan
    return amount if math.isfinite(amount) and amount > 0 else None


def earlier_years(effects: Effects, level: str, years: list[str]) -> str:
    """One sentence per earlier year shown: the limits that bind, with their elasticity."""
    text = ""
    for year in years:
        found = ranking(effects, level, year)
        binding = [b for b in found if b.binds]
        if not found:
            continue
        if not binding:
            text += f" In {year} no limit binds."
            continue
        names = and_join([f"{b.label} ({elasticity(b.elasticity)})" for b in binding])
        text += f" In {year} {names} {'binds' if len(binding) == 1 else 'bind'}."
    return text


def other_levels(effects: Effects, level: str, levels: list[str], year: str) -> str:
    """Say whether the other measured quota levels have the same binding limits in ``year``."""

    def binding(lv: str) -> list[str]:
        return [b.constraint for b in ranking(effects, lv, year) if b.binds]

    others = [lv for lv in levels if lv != level and ranking(effects, lv, year)]
    if not others:
        return ""
    mine = set(binding(level))
    differ = [lv for lv in others if set(binding(lv)) != mine]
    if not differ:
        names = and_join([level_label(lv).lower() for lv in others])
        return f" The same limits bind in {year} at the other levels measured ({names})."
    parts = []
    for lv in differ:
        found = [b for b in ranking(effects, lv, year) if b.binds]
        parts.append(
            f"{under(lv)} "
            + (
                and_join([f"{b.label} ({elasticity(b.elasticity)})" for b in found])
                if found
                else "none"
            )
        )
    return f" Other levels differ in {year}: " + "; ".join(parts) + "."


def reach_sentence(scenario: Scenario, summary: Summary, level: str, year: str) -> str:
    """Say which segments the uniform level binds and their share of ``year``'s compute demand."""
    order = list(SEGMENT_NAMES)
    segments = sorted(
        scenario.segments, key=lambda s: (s not in order, order.index(s) if s in order else 0, s)
    )
    reach = set(scenario.lever_reach())
    inside = [s for s in segments if s in reach]
    outside = [s for s in segments if s not in reach]
    if not inside:
        return "The level binds no segment."
    demand = {s: summary.value(M.demand_compute, level, year, s, "mean") for s in segments}
    total = sum(demand.values())
    share = (
        f": {pct(sum(demand[s] for s in inside) / total)} of {year} demand (H100e, mean "
        "over replications)"
        if math.isfinite(total) and total > 0
        else ""
    )
    who = and_join([in_sentence(s) for s in inside])
    if not outside:
        return f"The level binds every segment ({who}){share}."
    return (
        f"The level binds {who}{share}; it does not reach "
        f"{and_join([in_sentence(s) for s in outside])}."
    )
