"""sim.results.fields: column and metric documentation, and Arrow schema metadata."""

from __future__ import annotations

import json

import pyarrow as pa

from sim.core.metrics import REGISTRY
from sim.model.stats import STAT_NAMES
from sim.results.fields import COLUMNS, column_docs, documented, manifest_fields, metric_docs


def test_every_statistic_column_is_documented_with_its_words():
    for name in STAT_NAMES:
        assert name in COLUMNS
    assert COLUMNS["p05"][1] == "5th percentile over replications"
    assert COLUMNS["mean"][1] == "mean over replications"


def test_column_docs_keeps_known_columns_in_order_and_drops_unknown_ones():
    docs = column_docs(["quota", "no_such_column", "p50"])
    assert list(docs) == ["quota", "p50"]
    assert docs["quota"] == {"unit": "level", "description": COLUMNS["quota"][1]}


def test_metric_docs_mark_families_and_follow_the_registry():
    docs = metric_docs()
    assert len(docs) == len(REGISTRY)
    for entry, m in zip(docs, REGISTRY, strict=True):
        assert entry["name"] == m.name + (".<member>" if m.family else "")
        assert entry["unit"] == m.unit and entry["kind"] == m.kind
        assert len(entry["emitted"]) == len(m.emitted)


def test_manifest_fields_holds_columns_and_metrics():
    fields = manifest_fields(["metric", "period"])
    assert set(fields) == {"columns", "metrics"}
    assert list(fields["columns"]) == ["metric", "period"]
    assert fields["metrics"] == metric_docs()


def test_documented_adds_field_and_schema_metadata_and_keeps_existing():
    schema = pa.schema(
        [
            pa.field("quota", pa.string()),
            pa.field("x", pa.float64(), metadata={b"keep": b"me"}),
            pa.field("mystery", pa.int64()),
        ],
        metadata={b"other": b"1"},
    )
    out = documented(schema, extra={"x": ("MW", "a design parameter")})
    assert out.field("quota").metadata[b"unit"] == b"level"
    assert out.field("x").metadata == {
        b"keep": b"me",
        b"unit": b"MW",
        b"description": b"a design parameter",
    }
    assert not out.field("mystery").metadata  # undocumented: left bare
    assert out.metadata[b"other"] == b"1"
    assert json.loads(out.metadata[b"chipsim.metrics"]) == metric_docs()
