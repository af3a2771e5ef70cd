"""sim.results.readers: checked reads of manifests, CSV tables and their cells."""

from __future__ import annotations

import json
import math

import pytest

from sim.results.readers import (
    listing,
    number_cell,
    read_csv_rows,
    read_manifest,
    read_summary,
    span,
)
from sim.results.reading import DamagedFile

HEAD = "quota,metric,unit,region,period,mean,p05,p25,p50,p75,p95\n"


def _manifest(tmp_path, data):
    (tmp_path / "manifest.json").write_text(json.dumps(data))
    return tmp_path


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"seed": "1"}, "field 'seed' should be a JSON integer, found str"),
        ({"replications": True}, "field 'replications' should be a JSON integer, found bool"),
        ({"calendar": {"start": "2025-01"}}, "'start' and 'end' months"),
        ({"quota_levels": [0.5]}, "quota levels as strings"),
    ],
)
def test_manifest_fields_are_type_checked(tmp_path, data, says):
    with pytest.raises(DamagedFile, match=says):
        read_manifest(_manifest(tmp_path, data))


def test_sweep_manifests_need_kind_settings_and_parameters(tmp_path):
    good = {"kind": "sweep", "settings": {}, "parameters": [{"path": "a", "kind": "number"}]}
    assert read_manifest(_manifest(tmp_path, good), kind="sweep") == good
    assert read_manifest(_manifest(tmp_path, {"kind": "run"}))["kind"] == "run"
    with pytest.raises(DamagedFile, match="not a sweep's manifest"):
        read_manifest(tmp_path, kind="sweep")
    with pytest.raises(DamagedFile, match="field 'settings' is missing"):
        read_manifest(_manifest(tmp_path, {"kind": "sweep", "parameters": []}), kind="sweep")
    bad = {**good, "parameters": [{"path": "a"}]}
    with pytest.raises(DamagedFile, match="'path' and a 'kind'"):
        read_manifest(_manifest(tmp_path, bad), kind="sweep")


def test_csv_rows_must_be_whole(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n")
    assert read_csv_rows(path, ("a",)) == [{"a": "1", "b": "2"}]
    with pytest.raises(DamagedFile, match="columns missing from the header: c"):
        read_csv_rows(path, ("a", "c"))
    path.write_text("a,b\n1,2\n3\n")
    with pytest.raises(DamagedFile, match="line 3 has fewer cells"):
        read_csv_rows(path)
    path.write_text("a,b\n1,2,3\n")
    with pytest.raises(DamagedFile, match="line 2 has more cells"):
        read_csv_rows(path)
    path.write_text("a,b\n")
    with pytest.raises(DamagedFile, match="no rows"):
        read_csv_rows(path)
    assert read_csv_rows(path, allow_empty=True) == []


def test_summary_cells_are_finite_numbers_or_empty(tmp_path):
    path = tmp_path / "summary.csv"
    path.write_text(HEAD + "announced,m,share,national,2025,0.5,,0.1,0.2,0.3,0.4\n")
    row = read_summary(path)[0]
    assert row["mean"] == 0.5 and math.isnan(row["p05"])
    with pytest.raises(DamagedFile, match="line 7, column p50: 'inf' is not a finite"):
        number_cell("inf", path, 7, "p50")
    with pytest.raises(DamagedFile, match="expected a number, got 'x'"):
        number_cell("x", path, 2, "mean")


def test_listing_and_span():
    assert listing(list(range(3))) == "0, 1, 2"
    assert listing(list(range(10))) == "0, 1, 2, 3, 4, 5 and 4 more"
    assert listing([]) == "none"
    assert span([2025, 2026, 2027]) == "2025-2027" and span([2025]) == "2025"
