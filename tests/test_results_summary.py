"""sim.results.summary: summary.csv text, its reading back, and the terminal tables."""

from __future__ import annotations

import math

import numpy as np

from sim.core.metrics import M, SummaryRow
from sim.results.summary import COLUMNS, headline_table, level_table, read_summary, summary_csv


def _row(quota, metric, period, stats, region="national"):
    return SummaryRow(quota, metric, region, period, np.array(stats, dtype=float))


ROWS = [
    _row("announced", M.domestic_share_units, "2025", [0.5, 0.4, 0.45, 0.5, 0.55, 0.6]),
    _row("announced", M.domestic_share_units, "2026", [0.6, 0.5, 0.55, 0.612345, 0.65, 0.7]),
    _row("announced", M.domestic_share_units, "2026Q1", [0.6] * 6),
    _row("0.5", M.domestic_share_units, "2025", [math.nan] * 6),
    _row("0.5", M.domestic_share_units, "2026", [0.7] * 6),
    _row("0.5", M.imports_units, "2026", [1234567.891, 0, 0, 0, 0, 0]),
]


def test_csv_round_trip_with_units_six_digits_and_empty_undefined(tmp_path):
    text = summary_csv(ROWS)
    lines = text.splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert (
        lines[2] == "announced,domestic_share_units,share,national,2026,0.6,0.5,0.55,"
        "0.612345,0.65,0.7"
    )
    assert lines[4] == "0.5,domestic_share_units,share,national,2025,,,,,,"
    assert lines[6].split(",")[5:7] == ["1234570", "0"]
    path = tmp_path / "summary.csv"
    path.write_text(text)
    back = read_summary(path)
    assert len(back) == len(ROWS)
    assert back[1]["p50"] == 0.612345 and back[1]["unit"] == "share"
    assert math.isnan(back[3]["mean"])


def test_headline_table_shows_annual_national_medians_and_bands():
    lines = headline_table(ROWS).split("\n")
    assert lines[0].startswith(f"National {M.domestic_share_units}: median")
    assert lines[1].split() == ["quota", "2025", "2026"]
    assert lines[2].split() == ["announced", "50.0%", "(40%-60%)", "61.2%", "(50%-70%)"]
    assert lines[3].split() == ["0.5", "n/a", "70.0%", "(70%-70%)"]


def test_level_table_of_the_last_year_and_nothing_without_years():
    text = level_table(ROWS, replications=10, width=60)
    assert text.startswith("2026 by quota level, national")
    assert all(len(line) <= 60 for line in text.split("\n")[4:])  # wrapped prose
    assert level_table([_row("a", M.imports_units, "2026", [1] * 6)]) == ""
