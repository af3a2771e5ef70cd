"""summary.csv: one tidy row per quota level, metric, region and period."""

from __future__ import annotations

import csv
import io
import math
import textwrap

from sim.core.metrics import M, SummaryRow, format_number, unit_of
from sim.model.stats import STAT_NAMES
from sim.results.effects import Effects
from sim.results.levels import index_of, run_table, years_of
from sim.results.why import reach_text, why_levels

COLUMNS = ("quota", "metric", "unit", "region", "period", *STAT_NAMES)


def summary_csv(rows: list[SummaryRow]) -> str:
    """Return the CSV text of summary rows; ``unit`` is the row's metric's.

    Units come from :func:`sim.core.metrics.unit_of`.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.quota,
                row.metric,
                unit_of(row.metric),
                row.region,
                row.period,
                *(format_number(x) for x in row.stats),
            ]
        )
    return out.getvalue()


def read_summary(path) -> list[dict]:
    """Rows of a summary.csv as dicts; statistics as floats (NaN where empty)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for name in STAT_NAMES:
            row[name] = float(row[name]) if row[name] != "" else math.nan
    return rows


def headline_table(rows: list[SummaryRow], metric: str = M.domestic_share_units) -> str:
    """National ``metric`` by year and level: p50 with the p05-p95 band, in percent."""
    annual = [
        (r.quota, r.period, r.stats)
        for r in rows
        if r.metric == metric and r.region == "national" and r.period.isdigit()
    ]
    levels = list(dict.fromkeys(q for q, _, _ in annual))
    years = sorted({p for _, p, _ in annual})
    cell = {(q, p): s for q, p, s in annual}
    width = 19
    lines = [
        f"National {metric}: median over replications (5th-95th percentile)",
        "quota".ljust(10) + "".join(y.rjust(width) for y in years),
    ]
    for level in levels:
        line = level.ljust(10)
        for year in years:
            s = cell[(level, year)]
            text = "n/a" if math.isnan(s[3]) else (f"{s[3]:.1%} ({s[1]:.0%}-{s[5]:.0%})")
            line += text.rjust(width)
        lines.append(line)
    return "\n".join(lines)


def level_table(
    rows: list[SummaryRow],
    replications: int | None = None,
    width: int = 100,
    effects: Effects | None = None,
    reach: tuple[str, ...] | None = None,
) -> str:
    """Return the run table of the last calendar year and the sentences on why levels differ.

    The column note and the sentences are wrapped to ``width`` characters;
    ``effects`` (counterfactual) give what binds and the reasons, ``reach``
    the segments a uniform level binds.
    """
    index = index_of(rows)
    years = years_of(index)
    if not years:
        return ""
    table = run_table(index, years[-1], replications, effects).split("\n")
    note = textwrap.fill(
        " ".join(p for p in (table[-1], reach_text(index, years[-1], reach)) if p), width
    )
    why = textwrap.fill(why_levels(index, years[-1], effects=effects), width)
    return "\n".join([*table[:-1], note, "", why])
