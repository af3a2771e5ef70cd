"""sim.results.levels: the run table's rows computed from a hand-made summary index."""

from __future__ import annotations

import math

from sim.core.metrics import M, SummaryRow
from sim.results.levels import (
    Band,
    bound_segments,
    index_of,
    level_row,
    levels_of,
    mean_compliance,
    run_table,
    stat,
    years_of,
)

NAN = math.nan


def _stats(p50, p05=None, p95=None, mean=None):
    return [
        p50 if mean is None else mean,
        p05 if p05 is not None else p50,
        p50,
        p50,
        p50,
        p95 if p95 is not None else p50,
    ]


INDEX = {
    ("announced", M.domestic_share_units, "national", "2026"): _stats(0.6, 0.5, 0.7),
    ("announced", M.domestic_share_units, "national", "2025"): _stats(0.4),
    ("announced", M.domestic_share_units, "national", "2025Q1"): _stats(0.4),
    ("announced", M.domestic_share_units, "cloud", "2027"): _stats(0.4),
    ("announced", M.quota_target, "cloud", "2026"): _stats(0.5, mean=0.5),
    ("announced", M.quota_target, "labs", "2026"): _stats(0.0, mean=0.0),
    ("announced", M.quota_target, "gov", "2026"): _stats(0.3, mean=0.3),
    ("announced", M.quota_compliance, "cloud", "2026"): _stats(1.0, mean=0.8),
    ("announced", M.quota_compliance, "labs", "2026"): _stats(1.0, mean=0.1),
    ("announced", M.quota_compliance, "gov", "2026"): _stats(1.0, mean=0.4),
    ("0.5", M.domestic_share_units, "national", "2026"): _stats(NAN),
}


def test_index_of_and_stat():
    rows = [SummaryRow("announced", "m", "national", "2025", _stats(1.0, 0.5, 2.0))]
    index = index_of(rows)
    assert stat(index, "announced", "m", "2025") == 1.0
    assert stat(index, "announced", "m", "2025", name="p95") == 2.0
    assert math.isnan(stat(index, "announced", "m", "2030"))
    assert math.isnan(stat(INDEX, "0.5", M.domestic_share_units, "2026"))


def test_levels_and_years_in_order():
    assert levels_of(INDEX) == ["announced", "0.5"]
    assert years_of(INDEX) == ["2025", "2026"]  # national, annual periods only


def test_compliance_averages_only_segments_with_a_quota():
    assert bound_segments(INDEX, "announced", "2026") == ["cloud", "gov"]
    mean, count = mean_compliance(INDEX, "announced", "2026")
    assert count == 2 and abs(mean - 0.6) < 1e-12
    mean, count = mean_compliance(INDEX, "0.5", "2026")
    assert count == 0 and math.isnan(mean)


def test_band_texts_write_a_shared_unit_once():
    band = Band(0.668, 0.524, 0.831)
    assert band.text(M.domestic_share_units) == "66.8% (52.4\u201383.1%)"
    assert Band(NAN, 0, 1).text(M.domestic_share_units) == "n/a"


def test_level_row_and_run_table():
    row = level_row(INDEX, "announced", "2026")
    assert row.values[M.domestic_share_units] == Band(0.6, 0.5, 0.7)
    assert row.segments == 2 and row.binds == "n/a"
    table = run_table(INDEX, "2026", replications=1000).split("\n")
    assert table[0] == "2026 by quota level, national"
    assert table[1].split()[:2] == ["quota", "chips"]
    assert table[2].startswith("announced") and "60.0%" in table[2] and "60%" in table[2]
    assert table[3].startswith("0.5") and "n/a" in table[3]
    assert "over 1,000 replications" in table[-1] and "the 2 quota-bound" in table[-1]
