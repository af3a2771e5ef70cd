"""``chipsim sweep`` through click's CliRunner: a small sweep, and every refusal (exit 2)."""

import json

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from experiments_support import BASELINE, CEILING, STACKS

from sim.experiments import evaluators
from sim.interfaces.cli import main


def sweep(*args):
    return CliRunner().invoke(main, ["sweep", BASELINE, *[str(a) for a in args]])


@pytest.mark.slow
def test_a_grid_sweep_over_two_parameters(tmp_path):
    out = tmp_path / "grid"
    args = (
        "--set",
        f"{CEILING}=0.5,0.7",
        "--set",
        "events.h200_allowed.date=2025-12,2026-06",
        "--reps",
        5,
        "--quota",
        "announced",
        "--workers",
        1,
        "--out",
        out,
    )
    result = sweep(*args)
    assert result.exit_code == 0, result.output
    assert "4 points x 1 quota levels x 5 replications" in result.output
    lines = (out / "points.csv").read_text().splitlines()
    assert lines[0] == f"point,{CEILING},events.h200_allowed.date"
    assert lines[1:] == ["0,0.5,2025-12", "1,0.5,2026-06", "2,0.7,2025-12", "3,0.7,2026-06"]
    table = pq.read_table(out / "results.parquet")
    assert set(table["point"].to_pylist()) == {0, 1, 2, 3}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["sample"] == "grid" and manifest["replications"] == 5
    again = sweep(*args, "--resume")
    assert again.exit_code == 0 and "already complete" in again.output


@pytest.mark.slow
def test_an_lhs_sweep_defaults_and_metric_filter(tmp_path):
    out = tmp_path / "lhs"
    result = sweep(
        "--n",
        5,
        "--param",
        "memory.*",
        "--reps",
        4,
        "--quota",
        "0.9",
        "--metric",
        "domestic_share_units",
        "--workers",
        1,
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    header = (out / "points.csv").read_text().splitlines()[0].split(",")
    assert header == [
        "point",
        "memory.stockpile_stacks",
        "memory.rush_stacks",
        "memory.domestic_stacks.2025",
        "memory.domestic_stacks.2026",
        STACKS,
        "memory.ceiling_stacks.2026",
        "memory.ceiling_stacks.2027",
        "memory.lead_months",
        "memory.ration_months",
    ]
    table = pq.read_table(out / "results.parquet")
    assert set(table["metric"].to_pylist()) == {"domestic_share_units"}
    assert set(table["quota"].to_pylist()) == {"0.9"}


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--set", CEILING.replace("yield_curve", "yeild_curve") + "=0.5"],
            f"did you mean '{CEILING}'",
        ),
        (["--set", f"{CEILING}=0.5,1.5"], "outside the allowed range [0.0, 1.0]"),
        (["--set", f"{CEILING}=abc"], "expected a number, got 'abc'"),
        (["--set", f"{CEILING}"], "expected PATH=VALUE"),
        (["--set", "foundries.huawei_fabs.fabs.fab1.commission=2031-01"], "outside the calendar"),
        (["--set", "market.backlog_months=2.5"], "expected a fixed whole number"),
        (["--set", f"{CEILING}=0.5,0.5"], "listed twice"),
        (["--sample", "grid"], "a grid sweep needs at least one --set"),
        (["--param", "nothing.*"], "matches no uncertain parameter"),
        (["--metric", "domestic_share"], "did you mean"),
        (
            ["--metric", "wafer_starts"],
            "no national annual value (only quarterly or regional rows); pass --keep all",
        ),
        (["--keep", "some"], "'some' is not one of 'annual', 'all'"),
        (["--resume", "--force"], "choose one"),
        (["--scheduler", "tcp://127.0.0.1:1"], "cannot reach the Dask scheduler"),
    ],
)
def test_bad_input_is_refused_before_anything_runs(tmp_path, monkeypatch, args, message):
    monkeypatch.setattr(evaluators, "CONNECT_TIMEOUT", "1s")
    out = tmp_path / "never"
    result = sweep(*args, "--workers", 1, "--out", out)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_an_existing_directory_needs_resume_or_force(tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    result = sweep("--set", f"{CEILING}=0.5", "--workers", 1, "--out", out)
    assert result.exit_code == 2 and "pass --resume to continue it or --force" in result.output


@pytest.mark.slow
def test_resume_with_other_settings_is_refused(tmp_path):
    out = tmp_path / "sweep"
    first = sweep(
        "--set",
        f"{CEILING}=0.5,0.6",
        "--reps",
        3,
        "--quota",
        "announced",
        "--workers",
        1,
        "--out",
        out,
    )
    assert first.exit_code == 0, first.output
    result = sweep(
        "--set",
        f"{CEILING}=0.5,0.6",
        "--reps",
        4,
        "--quota",
        "announced",
        "--workers",
        1,
        "--out",
        out,
        "--resume",
    )
    assert result.exit_code == 2
    assert "cannot --resume" in result.output and "replications: 3 there, 4 now" in result.output
    not_a_sweep = tmp_path / "other"
    not_a_sweep.mkdir()
    result = sweep("--set", f"{CEILING}=0.5", "--workers", 1, "--out", not_a_sweep, "--resume")
    assert result.exit_code == 2 and "not a sweep directory" in result.output


@pytest.mark.slow
def test_default_directory_and_worker_cap_notes(tmp_path, monkeypatch):
    from sim.experiments import evaluators as ev

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(ev, "cpu_count", lambda: 1)
    result = sweep(
        "--set", f"{CEILING}=0.5,0.6", "--reps", 2, "--quota", "announced", "--workers", 8
    )
    assert result.exit_code == 0, result.output
    assert "note: --workers 8 is more than the 1 CPUs here: using 1" in result.output
    assert (tmp_path / "outputs" / "baseline-sweep" / "manifest.json").is_file()


@pytest.mark.slow
def test_by_default_a_sweep_keeps_annual_national_values_and_says_its_size(tmp_path):
    out = tmp_path / "default"
    result = sweep(
        "--set",
        f"{CEILING}=0.5,0.6",
        "--reps",
        2,
        "--quota",
        "announced",
        "--quota",
        "0.7",
        "--workers",
        1,
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    rows = 2 * 17 * 5  # levels x metrics with a national annual value (3 level effects) x years
    assert f"sweep: keeps 2 points x {rows} rows x <= 30 B: results.parquet up to" in result.output
    table = pq.read_table(out / "results.parquet")
    assert table.num_rows == 2 * rows and set(table["region"].to_pylist()) == {"national"}
    assert set(table["period"].to_pylist()) == {"2023", "2024", "2025", "2026", "2027"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["keep"] == "annual" and "--keep" not in manifest["command"]
    every = sweep(
        "--set",
        f"{CEILING}=0.5,0.6",
        "--reps",
        2,
        "--quota",
        "announced",
        "--metric",
        "wafer_starts",
        "--keep",
        "all",
        "--workers",
        1,
        "--out",
        tmp_path / "all",
    )
    assert every.exit_code == 0, every.output
    assert pq.read_table(tmp_path / "all" / "results.parquet")["period"][0].as_py() == "2023Q1"
    assert json.loads((tmp_path / "all" / "manifest.json").read_text())["command"].endswith(
        "--keep all"
    )


def test_a_sweep_the_disk_cannot_hold_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    from sim.experiments import footprint

    monkeypatch.setattr(footprint, "free_bytes", lambda path: 50_000.0)
    out = tmp_path / "never"
    result = sweep(
        "--set", f"{CEILING}=0.5,0.6", "--reps", 2, "--keep", "all", "--workers", 1, "--out", out
    )
    assert result.exit_code == 2, result.output
    error = result.output.splitlines()[-1]
    assert error.startswith("Error: ") and ": --keep: a sweep of 2 points x" in error
    assert "more than the 50 kB free there" in error and "Traceback" not in result.output
    assert not out.exists() and not list(tmp_path.iterdir())
