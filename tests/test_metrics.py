"""sim.core.metrics: the registry is what the recorder emits and what docs/outputs.md lists."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from sim.core.metrics import METRICS, REGISTRY, SummaryRow, format_value, headline, is_share, metric

DOCS = Path(__file__).resolve().parents[1] / "docs" / "outputs.md"


def test_every_metric_the_recorder_emits_is_registered(small_run):
    for row in small_run.rows:
        assert isinstance(row, SummaryRow)
        entry = metric(row.metric)
        kind = "year" if row.period.isdigit() else "quarter" if "Q" in row.period else "month"
        regions = {m for p, m in entry.emitted if p == kind}
        assert regions, f"{row.metric} emitted for a {kind} it is not registered for"
        if row.region == "national":
            continue
        assert regions & {"all", "bound"}, f"{row.metric} emitted for a segment"


def test_every_registered_metric_is_emitted(small_run):
    # metrics without summary periods (effects.csv's) are written by sim.experiments.explain instead
    emitted = {row.metric.split(".")[0] for row in small_run.rows}
    assert emitted == {name for name, m in METRICS.items() if m.emitted}


def test_families_resolve_to_their_entry_and_unknown_names_fail():
    assert metric("vendor_units.huawei") is METRICS["vendor_units"]
    with pytest.raises(KeyError):
        metric("domestic_share_unitz")
    with pytest.raises(KeyError):
        metric("power_mw.extra")  # not a family


def test_values_are_formatted_by_their_metric():
    assert format_value("domestic_share_units", 0.4567) == "45.7%"
    assert format_value("imports_units", 1_234_567) == "1.23M"
    assert format_value("power_mw", 1234.4) == "1,234 MW"
    assert format_value("domestic_units", math.nan) == "n/a"
    assert is_share("quota_compliance") and not is_share("demand_compute")
    assert headline()[0] == "domestic_share_units"


def metrics_table(text: str) -> str:
    """Return the rows of the docs' metric table: from its header to the first non-row."""
    start = text.index("| metric | periods, regions |")
    rows = []
    for line in text[start:].splitlines():
        if not line.startswith("|"):
            break
        rows.append(line)
    return "\n".join(rows)


def test_docs_list_every_metric():
    table = metrics_table(DOCS.read_text("utf-8"))
    listed = set(re.findall(r"^\| `([a-z_]+)(?:\.<[a-z]+>)?` \|", table, flags=re.MULTILINE))
    assert listed == {m.name for m in REGISTRY}
