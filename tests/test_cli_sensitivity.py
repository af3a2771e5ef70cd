"""``chipsim sensitivity`` through click's CliRunner."""

import csv
import json

import pytest
from click.testing import CliRunner
from experiments_support import BASELINE

from sim.interfaces.cli import main


def sensitivity(*args):
    return CliRunner().invoke(main, ["sensitivity", BASELINE, *[str(a) for a in args]])


@pytest.mark.slow
def test_sobol_writes_ranked_indices(tmp_path):
    out = tmp_path / "sobol"
    result = sensitivity(
        "--param",
        "memory.*",
        "--group",
        "hbm_later=memory.domestic_stacks.2026,memory.domestic_stacks.2027",
        "--n",
        8,
        "--reps",
        4,
        "--workers",
        1,
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((out / "sensitivity.csv").open()))
    assert list(rows[0]) == ["parameter", "S1", "S1_conf", "ST", "ST_conf", "warnings"]
    assert {r["parameter"] for r in rows} == {
        "memory.stockpile_stacks",
        "memory.rush_stacks",
        "memory.domestic_stacks.2025",
        "memory.ceiling_stacks.2026",
        "memory.ceiling_stacks.2027",
        "memory.lead_months",
        "memory.ration_months",
        "hbm_later",
    }
    totals = [float(r["ST"]) for r in rows]
    assert totals == sorted(totals, reverse=True)
    assert "rank  parameter" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["output"]["metric"] == "domestic_share_units"
    assert manifest["output"]["period"] == "2027" and manifest["output"]["quota"] == "announced"


@pytest.mark.slow
def test_morris_writes_mu_star_and_sigma(tmp_path):
    out = tmp_path / "morris"
    result = sensitivity(
        "--method",
        "morris",
        "--param",
        "memory.*",
        "--n",
        4,
        "--reps",
        3,
        "--period",
        "2026",
        "--workers",
        1,
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    header = (out / "sensitivity.csv").read_text().splitlines()[0]
    assert header == "parameter,mu_star,mu_star_conf,sigma,warnings"


@pytest.mark.parametrize(
    "args,message",
    [
        (["--metric", "domestic_share_unit"], "did you mean 'domestic_share_units'"),
        (["--period", "2031"], "unknown value '2031'"),
        (["--region", "bejing"], "did you mean 'beijing'"),
        (["--param", "nothing.*"], "matches no uncertain parameter"),
        (["--group", "broken"], "expected NAME=GLOB"),
        (["--group", "g=nothing.*"], "matches none of the analysed parameters"),
        (["--set", "demand.growth.2026=0.5,0.6"], "one value per --set"),
        (["--stat", "p42"], "unknown statistic"),
        (["--quota", "1.2"], "share in [0, 1]"),
    ],
)
def test_bad_input_exits_2(tmp_path, args, message):
    result = sensitivity(*args, "--workers", 1, "--out", tmp_path / "never")
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "never").exists()


@pytest.mark.slow
def test_a_local_dask_cluster_gives_the_same_indices(tmp_path):
    args = ("--param", "memory.*", "--n", 8, "--reps", 4)
    local = sensitivity(*args, "--workers", 1, "--out", tmp_path / "local")
    dask = sensitivity(*args, "--scheduler", "local", "--workers", 2, "--out", tmp_path / "dask")
    assert local.exit_code == 0 and dask.exit_code == 0, dask.output
    assert (tmp_path / "local" / "sensitivity.csv").read_bytes() == (
        tmp_path / "dask" / "sensitivity.csv"
    ).read_bytes()
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    evaluator = manifest["evaluator"]
    assert evaluator["kind"] == "dask" and evaluator["workers"] == 2
    assert 1 <= len(evaluator["workers_used"]) <= 2 and evaluator["workers_lost"] == []


@pytest.mark.slow
def test_the_cli_the_table_and_the_report_carry_the_same_warnings(tmp_path):
    """A tiny design is weak: its warnings read the same on stdout, in the files, in the report."""
    from sim.experiments import diagnostics
    from sim.report.data import load
    from sim.report.experiments import outcome_label, sensitivity_reading

    out = tmp_path / "weak"
    result = sensitivity("--param", "memory.*", "--n", 4, "--reps", 2, "--workers", 1, "--out", out)
    assert result.exit_code == 0, result.output
    stored = list(csv.DictReader((out / diagnostics.WARNINGS_FILE).open()))
    assert stored and [list(r) for r in stored][0] == list(diagnostics.WARNINGS_COLUMNS)
    printed = [line[4:] for line in result.stdout.splitlines() if line.startswith("  - ")]
    assert printed == [r["sentence"] for r in stored]
    data = load(out)
    reading = sensitivity_reading(data.sensitivity, outcome_label(data, "2027"), data.manifest["n"])
    assert all(r["sentence"] in reading for r in stored)
    flagged = {name for r in stored for name in r["parameters"].split()}
    rows = list(csv.DictReader((out / "sensitivity.csv").open()))
    assert {r["parameter"] for r in rows if r["warnings"]} == flagged
    assert diagnostics.WARNINGS_FILE in json.loads((out / "manifest.json").read_text())["files"]
