"""Region and year: the domestic share by segment, year and quota level, and each quota.

"What share will be domestic, year by year, region by region" is answered
here from summary.csv: the national share by year for every quota level
(:func:`share_by_year_table`), the share of each buyer segment (region) by
year and level with its 90% band (:func:`regions_table`), each segment's
quota and the probability it is met (:func:`quotas_table`), and what limits
each segment (:func:`limits_table`). What limits deliveries is measured
(effects.csv) for the nation only, and the tables say so; a segment's own
limits are the scenario's dated rules that name it. Every number is read
from the run.
"""

from __future__ import annotations

import math

from sim.core.metrics import M
from sim.core.names import SEGMENT_NAMES, display, in_sentence
from sim.report.data import Summary
from sim.report.document import Table
from sim.report.figures.market import quota_years
from sim.report.levels import elasticity, reference_level, under
from sim.report.meaning import event_text
from sim.report.readings import and_join
from sim.report.style import chance, level_label, pct
from sim.results.binds import ranking
from sim.results.effects import Effects
from sim.scenario.schema import Scenario

NATIONAL = "national"
LEVEL_COLUMN = "Segment and level"
BAND_NOTE = "median over {reps}, with the 90% band (5th to 95th percentile) below it"


def segments(summary: Summary) -> list[str]:
    """Return the segments (regions) summary.csv holds the share for, in the registry's order."""
    found = [r for r in summary.regions(M.domestic_share_units) if r != NATIONAL]
    order = list(SEGMENT_NAMES)
    return sorted(found, key=lambda s: (s not in order, order.index(s) if s in order else 0, s))


def segment_label(segment: str) -> str:
    """Return a segment's display name, whole ("Guiyang (Guizhou)", "State-funded DCs")."""
    return display(segment, SEGMENT_NAMES)


def share_cell(
    summary: Summary, level: str, year: str, region: str = NATIONAL, one_line: bool = False
) -> str:
    """Write the median share, then its 90% band below it; "n/a" when nothing was delivered.

    ``one_line``: the band in brackets on the same line, for the long region
    tables, whose rows become cards on a phone (a line saved per cell).
    """
    p50, p05, p95 = (
        summary.value(M.domestic_share_units, level, year, region, s) for s in ("p50", "p05", "p95")
    )
    if not math.isfinite(p50):
        return "n/a"
    if one_line:
        return f"{pct(p50)} ({p05 * 100:.0f}\u2013{pct(p95)})"
    return f"{pct(p50)}\n{pct(p05)}\u2013{pct(p95)}"


def over(replications: int | None) -> str:
    """Return "2,000 replications" / "the replications"."""
    return f"{replications:,} replications" if replications else "the replications"


def share_by_year_table(
    summary: Summary, levels: list[str], years: list[str], replications: int | None
) -> Table:
    """Return the national share of chips by year (columns), one row per quota level."""
    rows = [
        [level_label(level), *(share_cell(summary, level, y) for y in years)] for level in levels
    ]
    note = (
        f"National domestic share of the AI chips delivered each year (units): "
        f"{BAND_NOTE.format(reps=over(replications))}."
    )
    return Table(
        "share-by-year",
        "Domestic share of chips by year, every quota level",
        ["Quota level", *years],
        rows,
        note=note,
    )


def regions_table(
    summary: Summary, levels: list[str], years: list[str], replications: int | None
) -> Table:
    """Return the share of chips of each segment by year (columns), one row per segment and level.

    One column per year keeps the table narrow enough for a phone; the level
    is a row (under its segment) because the years are the question.
    """
    rows, anchors = [], []
    for segment in segments(summary):
        for level in levels:
            rows.append(
                [
                    f"{segment_label(segment)}\n{level_label(level)}",
                    *(share_cell(summary, level, y, segment, True) for y in years),
                ]
            )
            anchors.append(f"region-{segment}-{level}")
    note = (
        f"Domestic share of the AI chips each segment (region) receives in the year "
        f"(units): median over {over(replications)}, with the 90% band (5th to 95th "
        "percentile) in brackets. n/a: no chip delivered in any replication."
    )
    return Table(
        "regions",
        "Domestic share by region and year, every quota level",
        [LEVEL_COLUMN, *years],
        rows,
        note=note,
        anchors=anchors,
    )


def quota_cell(summary: Summary, level: str, year: str, segment: str) -> str:
    """Write "quota 50%, met 98%"; "no quota" when none is in force at the year's end."""
    target = summary.value(M.quota_target, level, year, segment, "mean")
    met = summary.value(M.quota_compliance, level, year, segment, "mean")
    if not math.isfinite(target) or target <= 0:
        return "no quota"
    return f"quota {pct(target)}, met {chance(met) if math.isfinite(met) else 'n/a'}"


def quotas_table(summary: Summary, levels: list[str], years: list[str]) -> Table | None:
    """Each quota-bound segment's quota and the probability it is met, by year and level.

    Only years with a quota in force somewhere are shown (the others say nothing).
    """
    bound = [s for s in segments(summary) if s in summary.regions(M.quota_target)]
    years = [y for y in years if y in quota_years(summary, levels)]
    if not bound or not years:
        return None
    rows = [
        [
            f"{segment_label(s)}\n{level_label(level)}",
            *(quota_cell(summary, level, y, s) for y in years),
        ]
        for s in bound
        for level in levels
    ]
    note = (
        "Quota: the segment's quota at the year's end (mean over replications). Met: the "
        "probability that the segment's domestic share that year, counted as its rule "
        "says (chips or compute), reaches the quota times its enforcement. Segments "
        "without a quota, and years without one anywhere, are not listed."
    )
    return Table(
        "region-quotas",
        "Each region's quota and the chance it is met",
        [LEVEL_COLUMN, *years],
        rows,
        note=note,
    )


def segment_rules(scenario: Scenario | None, segment: str) -> list[str]:
    """Return the scenario's dated import rules naming ``segment`` (switched-off ones left out)."""
    if scenario is None:
        return []
    return [
        event_text(e)
        for e in scenario.events.values()
        if e.enabled and segment in (e.segments or ())
    ]


def national_limits(effects: Effects | None, level: str, year: str) -> str:
    """Return "Chinese import rules (1.44) and memory (HBM, HiBL) (0.70)", or why it is unknown."""
    if not effects:
        return "not measured (the run has no effects.csv)"
    binding = [b for b in ranking(effects, level, year) if b.binds]
    if not binding:
        return "no limit binds"
    return and_join([f"{b.label} ({elasticity(b.elasticity)})" for b in binding])


def limits_row(summary: Summary, segment: str, context: tuple) -> list[str]:
    """One segment: its quota path, its chance of meeting it, its own rules, the nation's limits."""
    scenario, effects, level, year = context
    target = summary.value(M.quota_target, level, year, segment, "mean")
    met = summary.value(M.quota_compliance, level, year, segment, "mean")
    quota = (
        f"{pct(target)} in {year}, met with probability {chance(met)}"
        if math.isfinite(target) and target > 0
        else "none"
    )
    if scenario is not None:
        reach = segment in scenario.lever_reach()
        quota += "; quota levels replace it" if reach else "; quota levels do not reach it"
    rules = segment_rules(scenario, segment)
    own = (
        "; ".join(rules)
        if rules
        else (
            "none of its own" if scenario is not None else "unknown (no scenario in the manifest)"
        )
    )
    measured = national_limits(effects, level, year)
    return [
        segment_label(segment),
        quota,
        own,
        f"national only: {measured}" if effects else measured,
    ]


def limits_table(
    summary: Summary,
    levels: list[str],
    year: str,
    scenario: Scenario | None,
    effects: Effects | None,
) -> Table:
    """Per segment: quota and compliance in ``year``, its own dated rules, the limits measured."""
    level = reference_level(levels)
    context = (scenario, effects, level, year)
    rows = [limits_row(summary, s, context) for s in segments(summary)]
    note = (
        f"{under(level).capitalize()}, {year}. Its own rules: the scenario's dated import "
        "rules that name the segment. What limits deliveries is measured (effects.csv: "
        "each limit relaxed on the same draws, elasticity of compute delivered) for the "
        "whole country only, not per segment, so the last column is the same national "
        "measurement for every segment; it is not a regional cause."
    )
    return Table(
        "region-limits",
        f"What limits each region in {year}",
        ["Segment", "Quota", "Its own rules", "What limits deliveries"],
        rows,
        note=note,
    )


def regions_reading(summary: Summary, levels: list[str], years: list[str]) -> str:
    """Highest and lowest segment share in the last year, and how far the levels move each."""
    last, level = years[-1], reference_level(levels)
    shares = {s: summary.value(M.domestic_share_units, level, last, s) for s in segments(summary)}
    shares = {s: v for s, v in shares.items() if math.isfinite(v)}
    if not shares:
        return f"No segment received chips in {last}."
    high, low = max(shares, key=shares.__getitem__), min(shares, key=shares.__getitem__)
    text = (
        f"{level_label(level)}, in {last} the median domestic share is highest for "
        f"{in_sentence(high)} ({pct(shares[high])}) and lowest for {in_sentence(low)} "
        f"({pct(shares[low])}); nationally it is "
        f"{pct(summary.value(M.domestic_share_units, level, last))}."
    )
    spreads = {s: level_spread(summary, levels, last, s) for s in shares}
    moved = max(spreads, key=spreads.__getitem__)
    text += (
        f" Across quota levels a segment's {last} median moves by at most "
        f"{spreads[moved]:.1f} points ({in_sentence(moved)})."
    )
    first = years[0]
    early = [summary.value(M.domestic_share_units, level, first, s) for s in shares]
    text += f" In {first} the shares run from {pct(min(early))} to {pct(max(early))}."
    return text + (
        " Lines: each level's median; band: the 90% band of the first level; "
        "dashes: that level's quota."
    )


def level_spread(summary: Summary, levels: list[str], year: str, segment: str) -> float:
    """Percentage points between the highest and lowest level's median share of a segment."""
    values = [summary.value(M.domestic_share_units, lv, year, segment) for lv in levels]
    values = [v for v in values if math.isfinite(v)]
    return (max(values) - min(values)) * 100 if values else 0.0
