"""Units and descriptions of every output column, so tables carry their own meaning.

Parquet files get them as field metadata (``description`` and ``unit`` on each
field) and the metric registry as schema metadata (``chipsim.metrics``: each
metric's unit, kind, periods and description), because one statistic column
holds many metrics. A run's summary.csv cannot hold metadata, so its manifest
carries the same under ``fields``. Where any reader looks, the tables' tidy
``unit`` column and dictionary.csv (:mod:`sim.results.dictionary`) carry the units.
"""

from __future__ import annotations

import json

from sim.core.metrics import REGISTRY
from sim.model.stats import STAT_NAMES

STAT_WORDS = {
    "mean": "mean over replications",
    "p05": "5th percentile over replications",
    "p25": "25th percentile over replications",
    "p50": "median over replications",
    "p75": "75th percentile over replications",
    "p95": "95th percentile over replications",
}
STAT_UNIT = "the row's unit column (dictionary.csv lists each metric's); null or empty: undefined"
COLUMNS: dict[str, tuple[str, str]] = {
    "point": ("index", "design point (row of points.csv or sample.parquet)"),
    "quota": ("level", '"announced" or a uniform quota level as a decimal ("0.5")'),
    "metric": ("name", "metric name (chipsim.metrics); family members as <family>.<member>"),
    "region": ("name", '"national" or a buyer segment id'),
    "period": (
        "period",
        'a year "2025", a quarter "2025Q2" or a month "2025-06": filter on the form you need',
    ),
    "unit": (
        "name",
        "unit of the row's statistics: the metric's unit from the registry "
        "(share, H100e, units, MW, USD and others; dictionary.csv describes each "
        "metric)",
    ),
    **{name: (STAT_UNIT, STAT_WORDS[name]) for name in STAT_NAMES},
}


def metric_docs() -> list[dict]:
    """Return the registry as plain data: name, unit, kind, label, description, periods/regions."""
    return [
        {
            "name": m.name + (".<member>" if m.family else ""),
            "unit": m.unit,
            "kind": m.kind,
            "label": m.label,
            "description": m.description,
            "emitted": [f"{period}: {regions}" for period, regions in m.emitted],
        }
        for m in REGISTRY
    ]


def column_docs(columns) -> dict[str, dict[str, str]]:
    """``{column: {"unit": ..., "description": ...}}`` for the columns chipsim documents."""
    return {
        c: {"unit": COLUMNS[c][0], "description": COLUMNS[c][1]} for c in columns if c in COLUMNS
    }


def manifest_fields(columns) -> dict:
    """Return the manifest's ``fields`` entry: summary.csv's columns and the metric registry."""
    return {"columns": column_docs(columns), "metrics": metric_docs()}


def documented(schema, extra: dict[str, tuple[str, str]] | None = None):
    """Return an Arrow schema with field and schema metadata added (pyarrow imported here).

    ``extra`` documents columns outside :data:`COLUMNS` (a design's parameters).
    """
    import pyarrow as pa

    known = {**COLUMNS, **(extra or {})}
    fields = []
    for f in schema:
        unit, text = known.get(f.name, ("", ""))
        meta = {
            **(f.metadata or {}),
            **({b"unit": unit.encode(), b"description": text.encode()} if text else {}),
        }
        fields.append(f.with_metadata(meta) if meta else f)
    meta = {**(schema.metadata or {}), b"chipsim.metrics": json.dumps(metric_docs()).encode()}
    return pa.schema(fields, metadata=meta)
