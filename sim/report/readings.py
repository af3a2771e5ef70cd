"""One paragraph per figure, written from the numbers the figure shows.

Every number in a reading comes from the run's outputs; nothing is typed in.
Shares are medians with the replications' 90% band (p05-p95) unless stated.
"""

from __future__ import annotations

import math

import numpy as np

from sim.report.data import Summary, Target
from sim.report.figures.market import SEGMENT_NAMES, compliance_matrix, pretty
from sim.report.figures.share import REACH_TARGETS, reach_probabilities
from sim.report.style import level_label, si_number

UNITS = "domestic_share_units"


def pct(x: float, decimals: int = 0) -> str:
    """0.423 -> "42%"; NaN -> "n/a"."""
    return "n/a" if not math.isfinite(x) else f"{x * 100:.{decimals}f}%"


def band(summary: Summary, metric: str, level: str, year: str) -> str:
    """"80% (90% band 65-88%)" for a national share."""
    p50, p05, p95 = (summary.value(metric, level, year, stat=s) for s in ("p50", "p05", "p95"))
    return f"{pct(p50)} (90% band {pct(p05)}–{pct(p95)})"


def headline(summary: Summary, level: str, year: str) -> str:
    """Return the sentence the report opens with."""
    p50, p05, p95 = (summary.value(UNITS, level, year, stat=s) for s in ("p50", "p05", "p95"))
    who = "Under announced quotas" if level == "announced" else f"Under a {level_label(level)}"
    return (f"{who} the domestic share reaches {pct(p50)} in {year} "
            f"(90% band {pct(p05)}–{pct(p95)})")


def fan_reading(summary: Summary, levels: list[str], targets: list[Target],
                years: list[str]) -> str:
    """Where the share starts and ends, how much the quota level matters, the seed figures."""
    ref, first, last = levels[0], years[0], years[-1]
    text = (f"{level_label(ref)}: the median domestic share of chips delivered moves from "
            f"{pct(summary.value(UNITS, ref, first))} in {first} to "
            f"{band(summary, UNITS, ref, last)} in {last}; weighted by compute "
            f"(H100-equivalents) it reaches {band(summary, 'domestic_share_compute', ref, last)}.")
    if len(levels) > 1:
        medians = {lv: summary.value(UNITS, lv, last) for lv in levels}
        low, high = min(medians, key=medians.get), max(medians, key=medians.get)
        spread = (medians[high] - medians[low]) * 100
        if spread < 0.5:
            text += (f" At every quota level the {last} median is about {pct(medians[low])} "
                     f"(spread {spread:.1f} percentage points): in this run the quota level "
                     "barely moves the national share.")
        else:
            text += (f" Across quota levels the {last} median runs from {pct(medians[low])} "
                     f"({level_label(low).lower()}) to {pct(medians[high])} "
                     f"({level_label(high).lower()}), a spread of {spread:.1f} percentage "
                     "points.")
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
        out += (f" The observed {t.period} figure ({t.label}: {shown}) "
                f"{'overlaps' if overlap else 'lies outside'} the model's {t.period} 90% band "
                f"({pct(p05)}–{pct(p95)}).")
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
    text = (f"{level_label(levels[0])}, in {last} the most likely to meet its quota: "
            f"{who(segments, final, np.nanmax(final))} ({pct(np.nanmax(final))}); the least "
            f"likely: {who(segments, final, np.nanmin(final))} ({pct(np.nanmin(final))}).")
    averages = []
    for level in levels:
        _, _, p, t = compliance_matrix(summary, level)
        averages.append(f"{pct(float(np.nanmean(np.where(t[:, -1] > 0, p[:, -1], np.nan))))} "
                        f"({level_label(level).lower()})")
    text += (f" Averaged over the {len(segments)} quota-bound segments, the chance of "
             f"compliance in {last} is " + ", ".join(averages) + ".")
    return text + (" A segment meets its quota when the compute-weighted domestic share of "
                   "the chips it receives that year reaches the quota in force.")


def who(segments: list[str], values: np.ndarray, target: float) -> str:
    """Names of the segments whose value rounds to the same percent as ``target``."""
    return and_join([pretty(s, SEGMENT_NAMES) for s, v in zip(segments, values, strict=True)
                     if math.isfinite(v) and pct(v) == pct(target)])


def and_join(names: list[str]) -> str:
    """Join names: ["a"] -> "a"; ["a", "b", "c"] -> "a, b and c"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def yearly_total(summary: Summary, metric: str, level: str, year: str) -> float:
    """Mean annual total of a quarterly metric (the sum of its quarterly means)."""
    series = summary.series(metric, level, kind="quarter")
    return float(np.nansum([v for p, v in zip(series.periods, series.stat("mean"), strict=True)
                            if p.startswith(year)]))


def supply_reading(summary: Summary, level: str, year: str) -> str:
    """Domestic output and imports in the last year, the largest vendor, unmet demand."""
    vendors = {m.split(".", 1)[1]: yearly_total(summary, m, level, year)
               for m in summary.metrics_like("vendor_units")}
    imports = {m.split(".", 1)[1]: yearly_total(summary, m, level, year)
               for m in summary.metrics_like("import_units")}
    dom, imp = sum(vendors.values()), sum(imports.values())
    demand = yearly_total(summary, "demand_compute", level, year)
    unmet = yearly_total(summary, "unmet_demand_compute", level, year)
    lead = max(vendors, key=vendors.get) if vendors else None
    text = (f"{level_label(level)}, in {year} domestic vendors deliver on average "
            f"{si_number(dom)} chips and imports {si_number(imp)}")
    if lead is not None and dom > 0:
        text += f"; {lead.capitalize()} makes {pct(vendors[lead] / dom)} of the domestic chips"
    top_import = max(imports, key=imports.get) if imports else None
    if top_import is not None and imp > 0:
        text += f", and {top_import.upper() if len(top_import) < 5 else top_import} leads imports"
    text += (f". Demand is {si_number(demand)} H100-equivalents; on average "
             f"{si_number(unmet)} ({pct(unmet / demand if demand else math.nan)}) of it goes "
             f"unmet. Bars are means over replications, which add up across vendors and products.")
    return text


def ecdf_reading(values: dict[str, np.ndarray], year: int) -> str:
    """Probability of reaching each national target at each level."""
    groups: dict[str, list[str]] = {}
    for level, shares in values.items():
        probs = reach_probabilities(shares)
        text = ", ".join(f"≥{pct(t)} {pct(p)}" for t, p in zip(REACH_TARGETS, probs, strict=True))
        groups.setdefault(text, []).append(level_label(level).lower())
    parts = [f"{and_join(names)}: {text}" for text, names in groups.items()]
    return (f"Probability that the national domestic share of chips delivered in {year} reaches "
            f"each target, by quota level — " + "; ".join(parts) + ". Each curve shows, for a "
            "share on the horizontal axis, the fraction of replications at or below it; "
            "the bars read the same curves at 50%, 70%, 90% and 100%.")
