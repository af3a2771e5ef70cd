"""dictionary.csv: the data dictionary written beside chipsim's tables.

One row per metric a directory's tables hold (summary.csv, effects.csv,
results.parquet or outputs.parquet): its name, unit, kind, label and
description, all from the metric registry (:mod:`sim.core.metrics`). It is plain
CSV, so pandas, polars and duckdb read it as they read the tables, and join it
on ``metric``; the tables' own ``unit`` column carries the same unit row by row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FILE = "dictionary.csv"
COLUMNS = ("metric", "unit", "kind", "label", "description")


def dictionary_rows(names: Iterable[str]) -> list[tuple[str, str, str, str, str]]:
    """One row per distinct metric of ``names``, in order of first appearance."""
    from sim.core.metrics import describe, metric, unit_of  # here: the file name is imported light

    rows = []
    for name in dict.fromkeys(names):
        label, text = describe(name)
        rows.append((name, unit_of(name), metric(name).kind, label, text))
    return rows


def dictionary_csv(names: Iterable[str]) -> str:
    """Return the CSV text of the data dictionary of the metrics ``names``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(dictionary_rows(names))
    return out.getvalue()
