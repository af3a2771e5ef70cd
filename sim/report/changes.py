"""Why the national share moves: its largest monthly jump, and the change over the last year.

Both readings are measured from summary.csv and tied to the scenario's dated
import rules (the events of ``[events]``): a jump of the monthly median is
put beside the rules that close an import route in its month and those that
open one as it ends; the change between the last two years beside the
import product whose deliveries grow most and the dated rules that let it in.
The causal claims are checked by rerunning the model without those rules
(tests/test_report_regions.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.core.calendar import parse_month
from sim.core.metrics import M, format_value
from sim.core.names import PRODUCT_NAMES, display
from sim.report.data import Summary
from sim.report.figures.policy import opens_route
from sim.report.levels import under
from sim.report.meaning import event_text
from sim.report.readings import and_join, yearly_total
from sim.report.style import pct
from sim.scenario.schema import Event, Scenario

JUMP = 0.2  # a rise of the monthly median by at least 20 points is a jump worth explaining
LEAD = 2  # months before a jump's end in which an opening rule counts (deliveries lag)


@dataclass(frozen=True)
class Jump:
    """The largest monthly rise of the median share, and where it ends (indices into periods)."""

    periods: list[str]
    median: np.ndarray
    start: int  # first month of the high share
    peak: int
    end: int | None  # first month back near the level before the jump (None: never)


def find_jump(summary: Summary, level: str) -> Jump | None:
    """Return the largest month-on-month rise of the national median share (None under JUMP)."""
    series = summary.series(M.domestic_share_units, level, kind="month")
    median = series.stat("p50")
    if median.size < 2 or not np.isfinite(median).any():
        return None
    rises = np.nan_to_num(np.diff(median), nan=-np.inf)
    before = int(np.argmax(rises))
    if rises[before] < JUMP:
        return None
    start = before + 1
    back = [j for j in range(start + 1, median.size) if median[j] <= median[before] + JUMP / 2]
    end = back[0] if back else None
    stop = end if end is not None else median.size
    peak = start + int(np.nanargmax(median[start:stop]))
    return Jump(series.periods, median, start, peak, end)


def dated(event: Event) -> tuple[int, int]:
    """Return the first and last month an event's date can take (equal for a fixed date)."""
    low, high = event.date.bounds if not event.date.is_fixed else (event.date.central,) * 2
    return int(low), int(high)


def rules_in(
    scenario: Scenario, first: int, last: int, opening: bool, product: str | None = None
) -> list[Event]:
    """Return the enabled import rules dated (possibly) in months first..last, of one kind."""
    found = []
    for event in scenario.events.values():
        low, high = dated(event)
        if (
            event.enabled
            and low <= last
            and high >= first
            and opens_route(event) == opening
            and (product is None or event.product in (product, "*"))
        ):
            found.append(event)
    return found


def jump_reading(summary: Summary, scenario: Scenario | None, level: str) -> str:
    """Say the largest monthly jump of the national share in numbers, and the rules behind it."""
    jump = find_jump(summary, level)
    if jump is None:
        return ""
    p, m = jump.periods, jump.median
    text = (
        f"The monthly national share of chips ({under(level)}, median) jumps from "
        f"{pct(m[jump.start - 1])} in {p[jump.start - 1]} to {pct(m[jump.start])} in "
        f"{p[jump.start]}"
        + (f", peaks at {pct(m[jump.peak])} in {p[jump.peak]}" if jump.peak != jump.start else "")
    )
    text += (
        f" and falls back to {pct(m[jump.end])} in {p[jump.end]}."
        if jump.end is not None
        else " and stays high."
    )
    text += import_drop(summary, level, p[jump.start])
    if scenario is None:
        return text
    month = parse_month(p[jump.start])
    closing = rules_in(scenario, month - 1, month, opening=False)
    if closing:
        text += (
            " The scenario dates what closes the import route that month: "
            + and_join([event_text(e) for e in closing])
            + "."
        )
    if jump.end is not None:
        end = parse_month(p[jump.end])
        opening = rules_in(scenario, end - LEAD, end, opening=True)
        if opening:
            text += (
                " The share falls back once licensed replacements arrive: "
                + and_join([event_text(e) for e in opening])
                + "."
            )
    return text


def import_drop(summary: Summary, level: str, month: str) -> str:
    """Say imports in the jump's quarter against the quarter before (means), when recorded."""
    series = summary.series(M.imports_units, level, kind="quarter")
    quarter = f"{month[:4]}Q{(int(month[5:7]) - 1) // 3 + 1}"
    if quarter not in series.periods or series.periods.index(quarter) == 0:
        return ""
    i = series.periods.index(quarter)
    before, now = series.stat("mean")[i - 1], series.stat("mean")[i]
    return (
        f" Imports delivered fall from {format_value(M.imports_units, before)} chips in "
        f"{series.periods[i - 1]} to {format_value(M.imports_units, now)} in {quarter} "
        "(means)."
    )


def growth(a: float, b: float) -> str:
    """Return "rise by 47% (1.62M to 2.38M)" for chip counts (means)."""
    if not (math.isfinite(a) and math.isfinite(b)) or a <= 0:
        return f"go from {format_value(M.imports_units, a)} to {format_value(M.imports_units, b)}"
    change = b / a - 1
    word = "rise" if change >= 0 else "fall"
    return (
        f"{word} by {pct(abs(change))} ({format_value(M.imports_units, a)} to "
        f"{format_value(M.imports_units, b)})"
    )


def top_import(summary: Summary, level: str, first: str, last: str) -> tuple[str, float, float]:
    """Return the import product whose yearly deliveries (means) grow most, with both totals."""
    totals = {
        m.split(".", 1)[1]: (
            yearly_total(summary, m, level, first),
            yearly_total(summary, m, level, last),
        )
        for m in summary.metrics_like("import_units")
    }
    if not totals:
        return "", math.nan, math.nan
    product = max(totals, key=lambda k: totals[k][1] - totals[k][0])
    return (product, *totals[product])


def year_change_reading(
    summary: Summary, scenario: Scenario | None, level: str, first: str, last: str
) -> str:
    """Say how the national share changes from ``first`` to ``last`` and which imports drive it."""

    def median(metric: str, year: str) -> str:
        return pct(summary.value(metric, level, year), 1)

    def mean(metric: str, year: str) -> float:
        return summary.value(metric, level, year, stat="mean")

    text = (
        f"From {first} to {last} ({under(level)}) the median national share of chips goes "
        f"from {median(M.domestic_share_units, first)} to "
        f"{median(M.domestic_share_units, last)} and the share of compute from "
        f"{median(M.domestic_share_compute, first)} to "
        f"{median(M.domestic_share_compute, last)}. Domestic chips delivered "
        f"{growth(mean(M.domestic_units, first), mean(M.domestic_units, last))} and imports "
        f"{growth(mean(M.imports_units, first), mean(M.imports_units, last))}, means"
    )
    product, a, b = top_import(summary, level, first, last)
    if not product or not b > a:
        return text + "."
    name = display(product, PRODUCT_NAMES)
    rise = mean(M.imports_units, last) - mean(M.imports_units, first)
    lead = (
        "most of the growth in imports is"
        if rise > 0 and b - a >= rise / 2
        else "the import that grows most is"
    )
    text += (
        f"; {lead} {name}, from {format_value(M.imports_units, a)} to "
        f"{format_value(M.imports_units, b)} chips."
    )
    if scenario is not None:
        opening = rules_in(
            scenario,
            parse_month(f"{first}-01"),
            parse_month(f"{last}-12"),
            opening=True,
            product=product,
        )
        if opening:
            text += (
                f" The scenario dates what lets {name} in over these years: "
                + and_join([event_text(e) for e in opening])
                + "."
            )
    return text
