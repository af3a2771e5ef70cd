"""The reading of the policy timeline: what happens when, in numbers."""

from __future__ import annotations

from sim.core.calendar import format_month
from sim.report.data import Summary
from sim.report.figures.policy import fab_marks, import_marks, quota_marks
from sim.report.readings import UNITS, pct
from sim.scenario.schema import Scenario


def timeline_reading(scenario: Scenario, summary: Summary) -> str:
    """Count of import decisions, the last one, fab dates, deadlines, and the share then."""
    events, fabs, quotas = import_marks(scenario), fab_marks(scenario), quota_marks(scenario)
    parts = []
    if events:
        last = events[-1]
        parts.append(
            f"The scenario dates {len(events)} import decisions; the last, "
            f"{format_month(int(last.month))}, sets {last.text.replace(' →', ' to')}."
        )
    if fabs:
        dates = ", ".join(
            f"{format_month(int(f.month))} (range {format_month(int(f.low))} to "
            f"{format_month(int(f.high))})"
            for f in fabs
        )
        parts.append(f"{len(fabs)} dedicated fabs start at central dates {dates}.")
    if quotas:
        final = max(quotas, key=lambda q: q.month)
        year = format_month(int(final.month))[:4]
        share = summary.value(UNITS, "announced", year)
        parts.append(
            f"The last quota deadline is {format_month(int(final.month))}; that year "
            f"the median national domestic share of chips is {pct(share)}."
        )
    parts.append(
        "Dates are central values; brackets span uncertain dates. Numbers on the "
        "markers refer to the list under the chart."
    )
    return " ".join(parts)
