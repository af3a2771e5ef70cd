"""Issue 20: units where people look: a tidy ``unit`` column and dictionary.csv.

Every table chipsim writes with metric rows (summary.csv, a sweep's
results.parquet, a study's outputs.parquet) carries each row's unit, and
each output directory a data dictionary (metric, unit, kind, label,
description), all from the one metric registry, so pandas, polars and duckdb
users see units without pyarrow's metadata.
"""

from __future__ import annotations

import csv
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
from chipsim_testing import BASELINE
from click.testing import CliRunner
from experiments_support import CEILING

from sim.core.metrics import EFFECTS, METRICS, describe, metric, unit_of
from sim.interfaces.cli import main
from sim.results.dictionary import COLUMNS, FILE
from sim.results.marker import FILES


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def read_dictionary(directory) -> dict[str, dict]:
    with open(directory / FILE, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and list(rows[0]) == list(COLUMNS)
    names = [r["metric"] for r in rows]
    assert len(names) == len(set(names))  # one row per metric
    return {r["metric"]: r for r in rows}


def check_dictionary(directory, names: set[str]) -> None:
    """dictionary.csv lists exactly ``names``, each as the registry describes it."""
    entries = read_dictionary(directory)
    assert set(entries) == names
    for name, row in entries.items():
        assert row["unit"] == unit_of(name) and row["kind"] == metric(name).kind
        assert (row["label"], row["description"]) == describe(name) and row["description"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("units") / "run"
    invoke(
        "run",
        BASELINE,
        "--reps",
        4,
        "--explain-reps",
        2,
        "--quota",
        "announced",
        "--quota",
        "0.9",
        "--out",
        out,
    )
    return out


def test_every_metric_has_one_unit_its_registry_gives():
    for name, entry in METRICS.items():
        assert entry.unit and entry.description and unit_of(name) == entry.unit
    # a level effect's unit is the unit of what it differences, never "units or H100e"
    for member, (base, _) in EFFECTS.items():
        assert unit_of(f"level_effect.{member}") == METRICS[base].unit
    assert unit_of("vendor_units.huawei") == METRICS["vendor_units"].unit


def test_summary_rows_carry_their_metric_unit(run_dir):
    table = pd.read_csv(run_dir / "summary.csv", dtype=str)
    assert list(table.columns[:5]) == ["quota", "metric", "unit", "region", "period"]
    assert (table["unit"] == table["metric"].map(unit_of)).all()
    assert table["unit"].notna().all() and "units or H100e" not in set(table["unit"])


def test_the_run_directory_holds_its_data_dictionary(run_dir):
    summary = pd.read_csv(run_dir / "summary.csv", dtype=str)
    check_dictionary(run_dir, set(summary["metric"]))
    manifest = json.loads((run_dir / "manifest.json").read_text("utf-8"))
    assert FILE in manifest["files"] and FILE in FILES["run"]
    assert "unit" in manifest["fields"]["summary.csv"]["columns"]
    # pandas: the dictionary joins the summary on metric, and both units agree
    joined = summary.merge(
        pd.read_csv(run_dir / FILE, dtype=str), on="metric", suffixes=("", "_dictionary")
    )
    assert len(joined) == len(summary) and (joined["unit"] == joined["unit_dictionary"]).all()


def test_force_replaces_a_run_directory_with_its_dictionary(run_dir, tmp_path):
    out = tmp_path / "again"
    invoke("run", BASELINE, "--reps", 2, "--explain-reps", 0, "--out", out)
    (out / "notes.txt").write_text("mine", "utf-8")  # a file of the user's: refused
    refused = CliRunner().invoke(
        main, ["run", str(BASELINE), "--reps", "2", "--out", str(out), "--force"]
    )
    assert refused.exit_code == 2 and "notes.txt" in refused.output
    (out / "notes.txt").unlink()
    invoke("run", BASELINE, "--reps", 2, "--explain-reps", 0, "--out", out, "--force")
    assert (out / FILE).is_file()


def test_a_sweep_results_table_has_units_and_a_dictionary(tmp_path):
    out = tmp_path / "sweep"
    invoke(
        "sweep",
        BASELINE,
        "--set",
        f"{CEILING}=0.5,0.6",
        "--reps",
        2,
        "--quota",
        "announced",
        "--workers",
        1,
        "--out",
        out,
    )
    table = pq.read_table(out / "results.parquet").to_pandas()
    assert list(table.columns[:6]) == ["point", "quota", "metric", "unit", "region", "period"]
    assert (table["unit"] == table["metric"].map(unit_of)).all()
    check_dictionary(out, set(table["metric"]))
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert FILE in manifest["files"] and FILE in FILES["sweep"]


@pytest.mark.slow
def test_a_study_outputs_table_has_its_unit_and_a_dictionary(tmp_path):
    out = tmp_path / "morris"
    invoke(
        "sensitivity",
        BASELINE,
        "--method",
        "morris",
        "--param",
        "memory.*",
        "--n",
        4,
        "--reps",
        2,
        "--workers",
        1,
        "--metric",
        "imports_units",
        "--out",
        out,
    )
    table = pq.read_table(out / "outputs.parquet").to_pandas()
    assert set(table["unit"]) == {unit_of("imports_units")} and len(table) > 0
    check_dictionary(out, {"imports_units"})
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert FILE in manifest["files"] and FILE in FILES["sensitivity"]
