"""sim.results.dictionary: the data dictionary beside chipsim's tables."""

from __future__ import annotations

import csv
import io

from sim.core.metrics import describe, unit_of
from sim.results.dictionary import COLUMNS, FILE, dictionary_csv, dictionary_rows


def test_one_row_per_distinct_metric_in_first_order():
    rows = dictionary_rows(["imports_units", "domestic_share_units", "imports_units"])
    assert [r[0] for r in rows] == ["imports_units", "domestic_share_units"]
    assert rows[1] == ("domestic_share_units", "share", "share", *describe("domestic_share_units"))
    assert rows[0][1] == unit_of("imports_units") == "units"


def test_csv_text_parses_back_with_its_header():
    text = dictionary_csv(["domestic_share_units"])
    parsed = list(csv.reader(io.StringIO(text)))
    assert tuple(parsed[0]) == COLUMNS and parsed[1][0] == "domestic_share_units"
    assert len(parsed) == 2 and FILE == "dictionary.csv"
    assert dictionary_csv([]) == ",".join(COLUMNS) + "\n"
