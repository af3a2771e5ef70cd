"""summary.csv: one tidy row per quota level, metric, region and period."""

from __future__ import annotations

import csv
import io
import math
import textwrap

import numpy as np

from sim.metrics import M, SummaryRow
from sim.model.stats import STAT_NAMES
from sim.results.levels import index_of, run_table, years_of
from sim.results.why import why_levels

COLUMNS = ("quota", "metric", "region", "period", *STAT_NAMES)


def format_number(value: float) -> str:
    """Six significant digits, never exponent notation; '' for an undefined value."""
    if not math.isfinite(value):
        return ""
    if value == 0:
        return "0"
    return np.format_float_positional(value, precision=6, unique=False, fractional=False,
                                      trim="-")


def summary_csv(rows: list[SummaryRow]) -> str:
    """Return the CSV text of summary rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.quota, row.metric, row.region, row.period,
                         *(format_number(x) for x in row.stats)])
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
    annual = [(r.quota, r.period, r.stats) for r in rows
              if r.metric == metric and r.region == "national" and r.period.isdigit()]
    levels = list(dict.fromkeys(q for q, _, _ in annual))
    years = sorted({p for _, p, _ in annual})
    cell = {(q, p): s for q, p, s in annual}
    width = 19
    lines = [f"National {metric}: median over replications (5th-95th percentile)",
             "quota".ljust(10) + "".join(y.rjust(width) for y in years)]
    for level in levels:
        line = level.ljust(10)
        for year in years:
            s = cell[(level, year)]
            text = "n/a" if math.isnan(s[3]) else (
                f"{s[3]:.1%} ({s[1]:.0%}-{s[5]:.0%})")
            line += text.rjust(width)
        lines.append(line)
    return "\n".join(lines)


def level_table(rows: list[SummaryRow], replications: int | None = None,
                width: int = 100) -> str:
    """Return the run table of the last calendar year and the sentence on why levels differ.

    The column note and the sentence are wrapped to ``width`` characters.
    """
    index = index_of(rows)
    years = years_of(index)
    if not years:
        return ""
    table = run_table(index, years[-1], replications).split("\n")
    note = textwrap.fill(table[-1], width)
    why = textwrap.fill(why_levels(index, years[-1]), width)
    return "\n".join([*table[:-1], note, "", why])
