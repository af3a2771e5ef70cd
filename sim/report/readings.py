"""One paragraph per figure, written from the numbers the figure shows.

Every number in a reading comes from the run's outputs; nothing is typed in.
Shares are medians with the replications' 90% band (p05-p95) unless stated.
"""

from __future__ import annotations

import math

import numpy as np

from sim.core.names import PRODUCT_NAMES, VENDOR_NAMES, display, in_sentence
from sim.report.data import Summary
from sim.report.figures.market import compliance_matrix
from sim.report.figures.share import (
    ECDF_TOLERANCE,
    REACH_TARGETS,
    ecdf_distance,
    ecdf_groups,
    reach_probabilities,
)
from sim.report.sources import Target
from sim.report.style import chance, level_label, pct, si_number
from sim.results.levels import mean_compliance

UNITS = "domestic_share_units"


def band(summary: Summary, metric: str, level: str, year: str) -> str:
    """Return "80% (90% band 65-88%)" for a national share."""
    p50, p05, p95 = (summary.value(metric, level, year, stat=s) for s in ("p50", "p05", "p95"))
    return f"{pct(p50)} (90% band {pct(p05)}–{pct(p95)})"


def headline(summary: Summary, level: str, year: str) -> str:
    """Return the sentence the report opens with."""
    p50, p05, p95 = (summary.value(UNITS, level, year, stat=s) for s in ("p50", "p05", "p95"))
    who = "Under announced quotas" if level == "announced" else f"Under a {level_label(level)}"
    return (
        f"{who} the median domestic share of chips is {pct(p50)} in {year} "
        f"(90% band {pct(p05)}–{pct(p95)})"
    )


def fan_reading(
    summary: Summary, levels: list[str], targets: list[Target], years: list[str]
) -> str:
    """Where the share starts and ends, how much the quota level matters, the seed figures."""
    ref, first, last = levels[0], years[0], years[-1]
    text = (
        f"{level_label(ref)}: the median domestic share of chips delivered moves from "
        f"{pct(summary.value(UNITS, ref, first))} in {first} to "
        f"{band(summary, UNITS, ref, last)} in {last}; weighted by compute "
        f"(H100-equivalents) it reaches {band(summary, 'domestic_share_compute', ref, last)}."
    )
    if len(levels) > 1:
        medians = {lv: summary.value(UNITS, lv, last) for lv in levels}
        low, high = min(medians, key=medians.__getitem__), max(medians, key=medians.__getitem__)
        spread = (medians[high] - medians[low]) * 100
        if spread < 0.5:
            text += (
                f" At every quota level the {last} median is about {pct(medians[low])} "
                f"(spread {spread:.1f} percentage points): in this run the quota level "
                "barely moves the national share."
            )
        else:
            text += (
                f" Across quota levels the {last} median runs from {pct(medians[low])} "
                f"({level_label(low).lower()}) to {pct(medians[high])} "
                f"({level_label(high).lower()}), a spread of {spread:.1f} percentage "
                "points."
            )
    return text + target_sentences(summary, ref, targets)


def target_sentences(summary: Summary, level: str, targets: list[Target]) -> str:
    """Each national share target against the model's annual 90% band."""
    out = ""
    for t in targets:
        if t.metric != UNITS or t.region != "national" or not t.period.isdigit():
            continue
        p05, p95 = (summary.value(UNITS, level, t.period, stat=s) for s in ("p05", "p95"))
        if not math.isfinite(p05):
            continue
        lo = t.low if t.low is not None else t.centre
        hi = t.high if t.high is not None else t.centre
        overlap = lo - t.tolerance <= p95 and hi + t.tolerance >= p05
        shown = pct(t.centre) if t.low is None else f"{pct(t.centre)}, range {pct(lo)}–{pct(hi)}"
        out += (
            f" The observed {t.period} figure ({t.label}: {shown}) "
            f"{'overlaps' if overlap else 'lies outside'} the model's {t.period} 90% band "
            f"({pct(p05)}–{pct(p95)})."
        )
    return out


def compliance_reading(summary: Summary, levels: list[str]) -> str:
    """Best and worst segment at the reference level, and the average per level."""
    segments, years, prob, target = compliance_matrix(summary, levels[0])
    if not segments:
        return "No segment in this scenario has a quota."
    last = years[-1]
    final = np.where(target[:, -1] > 0, prob[:, -1], np.nan)
    if np.isnan(final).all():
        return f"No segment has a quota in force in {last}."
    high, low = float(np.nanmax(final)), float(np.nanmin(final))
    count = int(np.isfinite(final).sum())
    if chance(high) == chance(low):
        text = (
            f"{level_label(levels[0])}, in {last} every one of the {count} segments with a "
            f"quota in force has the same chance of meeting it: {chance(high)}."
            if count > 1
            else f"{level_label(levels[0])}, in {last} the only segment with a quota in force, "
            f"{who(segments, final, high)}, meets it with probability {chance(high)}."
        )
    else:
        text = (
            f"{level_label(levels[0])}, in {last} the most likely to meet its quota: "
            f"{who(segments, final, high)} ({chance(high)}); the least likely: "
            f"{who(segments, final, low)} ({chance(low)})."
        )
    averages = [
        f"{pct(mean_compliance(summary.index, level, last)[0])} ({level_label(level).lower()})"
        for level in levels
    ]
    text += (
        f" Averaged over the quota-bound segments, the chance of compliance in {last} is "
        + ", ".join(averages)
        + "."
    )
    return text + (
        " A segment meets its quota when its domestic share of the chips it "
        "receives that year, counted in chips or in compute as its rule says, "
        "reaches the quota in force times the segment's enforcement."
    )


def who(segments: list[str], values: np.ndarray, target: float) -> str:
    """Names of the segments whose value rounds to the same percent as ``target``."""
    return and_join(
        [
            in_sentence(s)
            for s, v in zip(segments, values, strict=True)
            if math.isfinite(v) and chance(v) == chance(target)
        ]
    )


def and_join(names: list[str]) -> str:
    """Join names: ["a"] -> "a"; ["a", "b", "c"] -> "a, b and c"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def yearly_total(summary: Summary, metric: str, level: str, year: str) -> float:
    """Mean annual total of a quarterly metric (the sum of its quarterly means)."""
    series = summary.series(metric, level, kind="quarter")
    return float(
        np.nansum(
            [
                v
                for p, v in zip(series.periods, series.stat("mean"), strict=True)
                if p.startswith(year)
            ]
        )
    )


def supply_reading(summary: Summary, level: str, year: str) -> str:
    """Domestic output and imports in the last year, the largest vendor, unmet demand."""
    vendors = {
        m.split(".", 1)[1]: yearly_total(summary, m, level, year)
        for m in summary.metrics_like("vendor_units")
    }
    imports = {
        m.split(".", 1)[1]: yearly_total(summary, m, level, year)
        for m in summary.metrics_like("import_units")
    }
    dom, imp = sum(vendors.values()), sum(imports.values())
    demand = yearly_total(summary, "demand_compute", level, year)
    unmet = yearly_total(summary, "unmet_demand_compute", level, year)
    lead = max(vendors, key=vendors.__getitem__) if vendors else None
    text = (
        f"{level_label(level)}, in {year} domestic vendors deliver on average "
        f"{si_number(dom)} chips and imports {si_number(imp)}"
    )
    if lead is not None and dom > 0:
        maker = display(lead, VENDOR_NAMES)
        text += f"; {maker} makes {pct(vendors[lead] / dom)} of the domestic chips"
    top_import = max(imports, key=imports.__getitem__) if imports else None
    if top_import is not None and imp > 0:
        text += (
            f", and {display(top_import, PRODUCT_NAMES)} leads imports "
            f"({pct(imports[top_import] / imp)} of them)"
        )
    text += (
        f". Demand is {si_number(demand)} H100-equivalents; on average "
        f"{si_number(unmet)} ({pct(unmet / demand if demand else math.nan)}) of it goes "
        f"unmet{unmet_split(summary, level, year)}. Bars are means over replications, "
        "which add up across vendors and products."
    )
    return text


def unmet_split(summary: Summary, level: str, year: str) -> str:
    """Where unmet demand goes (offshore, abandoned) and what still waits, means in H100e."""
    offshore = summary.value("offshore_compute", level, year, stat="mean")
    abandoned = summary.value("abandoned_demand_compute", level, year, stat="mean")
    waiting = summary.value("deferred_demand_compute", level, year, stat="mean")
    if not all(math.isfinite(v) for v in (offshore, abandoned, waiting)):
        return ""  # a run made before these metrics
    return (
        f" ({si_number(offshore)} served offshore, {si_number(abandoned)} abandoned), "
        f"and orders for {si_number(waiting)} still wait at the year's end"
    )


def ecdf_reading(values: dict[str, np.ndarray], year: int) -> str:
    """Probability of reaching each national target at each level (levels with one curve joined)."""
    groups = ecdf_groups(values)
    parts = []
    for names in groups:
        probs = reach_probabilities(values[names[0]])
        text = ", ".join(
            f"≥{pct(t)} {chance(p)}" for t, p in zip(REACH_TARGETS, probs, strict=True)
        )
        parts.append(f"{and_join([level_label(n).lower() for n in names])}: {text}")
    same = (
        ""
        if len(groups) == len(values)
        else " Levels joined by 'and' have the same distribution (their curves are at most "
        f"{ECDF_TOLERANCE:.0%} apart) and share one curve."
    )
    return (
        f"Probability that the national domestic share of chips delivered in {year} reaches "
        f"each target, by quota level — " + "; ".join(parts) + "." + same + " Each curve "
        "shows, for a share on the horizontal axis, the fraction of replications at or "
        "below it; the bars read the same curves at 50%, 70%, 90% and 100%."
    )


def ecdf_coincide_reading(values: dict[str, np.ndarray], year: int) -> str:
    """Say that every level has the same distribution, with the largest gap and the odds."""
    names = list(values)
    gap = max((ecdf_distance(values[names[0]], values[n]) for n in names[1:]), default=0.0)
    probs = reach_probabilities(values[names[0]])
    odds = ", ".join(f"≥{pct(t)}: {chance(p)}" for t, p in zip(REACH_TARGETS, probs, strict=True))
    return (
        f"The distribution of the {year} national share of chips is the same at every "
        f"quota level: the cumulative curves are at most {gap:.1%} apart, so they are not "
        f"drawn. Probability of reaching each target ({level_label(names[0]).lower()}): "
        f"{odds}."
    )
