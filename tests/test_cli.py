"""``chipsim run`` / ``chipsim params`` through click's CliRunner (issue 2, sections 5 and 7)."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import numpy as np
import pytest
from chipsim_testing import BASELINE, PRIORS, ROOT
from click.testing import CliRunner

from sim.interfaces.cli import main
from sim.results.run_dir import read_manifest, read_replicates
from sim.results.summary import COLUMNS, read_summary
from sim.scenario import load
from sim.scenario.dump import scenario_hash
from sim.scenario.tree import parameters

REPS = 40
HEADLINE = (
    "domestic_share_units",
    "domestic_share_compute",
    "domestic_share_installed",
    "unmet_demand_compute",
    "imports_units",
    "domestic_units",
    "power_mw",
)
YEARS = ["2023", "2024", "2025", "2026", "2027"]
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")  # plain decimal, never exponent notation


def invoke(*args):
    """Run the CLI in-process; unexpected exceptions surface as exit code 1."""
    return CliRunner().invoke(main, [str(a) for a in args])


def error_lines(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("Error:")]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """One small run of the baseline written by ``chipsim run``."""
    out = tmp_path_factory.mktemp("cli") / "baseline-run"
    result = invoke("run", BASELINE, "--reps", REPS, "--seed", 7, "--out", out)
    assert result.exit_code == 0, result.output
    return result, out


# -------------------------------------------------------------------- outputs ----


@pytest.mark.slow
def test_run_writes_exactly_its_five_files(finished):
    _, out = finished
    assert sorted(p.name for p in out.iterdir()) == [
        ".chipsim-output",
        "dictionary.csv",
        "effects.csv",
        "manifest.json",
        "replications.npz",
        "summary.csv",
    ]
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no staging leftovers


def test_summary_has_exactly_the_columns_in_order(finished):
    _, out = finished
    header = (out / "summary.csv").read_text("utf-8").splitlines()[0]
    assert (
        header.split(",")
        == list(COLUMNS)
        == [
            "quota",
            "metric",
            "unit",
            "region",
            "period",
            "mean",
            "p05",
            "p25",
            "p50",
            "p75",
            "p95",
        ]
    )


def test_summary_rows_cover_levels_metrics_regions_and_years(finished, baseline):
    _, out = finished
    rows = read_summary(out / "summary.csv")
    levels = list(dict.fromkeys(r["quota"] for r in rows))
    assert levels == ["announced", "0.5", "0.7", "0.9", "1.0"]
    keys = {(r["quota"], r["metric"], r["region"], r["period"]) for r in rows}
    assert len(keys) == len(rows), "duplicate summary rows"
    regions = ["national", *baseline.segments]
    for level in levels:
        for metric in HEADLINE:
            for region in regions:
                for year in YEARS:
                    assert (level, metric, region, year) in keys
    assert ("announced", "domestic_share_units", "national", "2025-06") in keys


def test_summary_numbers_are_plain_and_quantiles_ordered(finished):
    _, out = finished
    lines = (out / "summary.csv").read_text("utf-8").splitlines()[1:]
    for line in lines:
        cells = line.split(",")[5:]  # after quota, metric, unit, region, period
        assert len(cells) == 6
        for cell in cells:
            assert cell == "" or NUMBER.match(cell), line
            digits = cell.lstrip("-").replace(".", "").lstrip("0")
            if "." not in cell:  # trailing zeros of a rounded integer are not significant
                digits = digits.rstrip("0")
            assert len(digits) <= 6, line
    for row in read_summary(out / "summary.csv"):
        q = [row[k] for k in ("p05", "p25", "p50", "p75", "p95")]
        if not any(math.isnan(x) for x in q):
            assert q == sorted(q), row


def test_manifest_records_what_reproduces_the_run(finished):
    _, out = finished
    manifest = read_manifest(out)
    assert manifest["seed"] == 7 and manifest["replications"] == REPS
    assert manifest["quota_levels"] == ["announced", "0.5", "0.7", "0.9", "1.0"]
    assert manifest["calendar"] == {"start": "2023-01", "end": "2027-12"}
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["scenario_hash"])
    assert {"chipsim", "numpy", "scipy", "simpy", "click"} <= set(manifest["versions"])
    assert "git_commit" in manifest and manifest["wall_time_s"] >= 0
    again = load(BASELINE, manifest["scenario"])
    assert scenario_hash(again) == manifest["scenario_hash"] == scenario_hash(load(BASELINE))


def test_replications_npz_holds_national_values_per_replication(finished):
    _, out = finished
    arrays = read_replicates(out)
    assert arrays["quota_levels"].tolist() == ["announced", "0.5", "0.7", "0.9", "1.0"]
    assert arrays["years"].tolist() == [2023, 2024, 2025, 2026, 2027]
    values = arrays["national.domestic_share_units"]
    assert values.shape == (5, REPS, 5) and values.dtype == np.float32
    rows = read_summary(out / "summary.csv")
    p50 = {
        r["period"]: r["p50"]
        for r in rows
        if r["quota"] == "announced"
        and r["metric"] == "domestic_share_units"
        and r["region"] == "national"
    }
    for y, year in enumerate(YEARS):
        assert np.median(values[0, :, y]) == pytest.approx(p50[year], rel=1e-5)


def test_run_prints_the_headline_table(finished):
    result, out = finished
    lines = result.output.splitlines()
    assert lines[0] == (
        "National domestic_share_units: median over replications (5th-95th percentile)"
    )
    assert lines[1].split() == ["quota", *YEARS]
    table = {line.split()[0]: line for line in lines[2:7]}
    assert list(table) == ["announced", "0.5", "0.7", "0.9", "1.0"]
    rows = read_summary(out / "summary.csv")
    cell = next(
        r
        for r in rows
        if r["quota"] == "0.7"
        and r["metric"] == "domestic_share_units"
        and r["region"] == "national"
        and r["period"] == "2027"
    )
    assert f"{cell['p50']:.1%} ({cell['p05']:.0%}-{cell['p95']:.0%})" in table["0.7"]
    assert f"Wrote {out}/" in result.output


@pytest.mark.slow
def test_quota_option_restricts_and_normalises_levels(tmp_path):
    out = tmp_path / "two-levels"
    result = invoke(
        "run", BASELINE, "--reps", 20, "--quota", "0.50", "--quota", "announced", "--out", out
    )
    assert result.exit_code == 0, result.output
    levels = list(dict.fromkeys(r["quota"] for r in read_summary(out / "summary.csv")))
    assert levels == ["0.5", "announced"] == read_manifest(out)["quota_levels"]


# ------------------------------------------------------------------ bad input ----

BAD_FILES = {
    "syntax error": ('name = "x"\n\n[demand\nbase = 1\n', ["TOML syntax error", "line 3"]),
    "unknown key": ("[demand]\nbsae = 1\n", ["demand.bsae", "did you mean 'base'?"]),
    "wrong type": ('[run]\nreplications = "many"\n', ["run.replications", "expected an integer"]),
    "quota above 1": (
        '[segments.beijing.quota.points]\n"2027-12" = 1.5\n',
        ["segments.beijing.quota.points.2027-12", "[0.0, 1.0]"],
    ),
    "negative capacity": (
        '[foundries.smic.capacity]\n"2025" = -5\n',
        ["foundries.smic.capacity.2025", "outside the allowed range"],
    ),
    "low above high": (
        '[demand]\nbase = { dist = "uniform", low = 5, high = 1 }\n',
        ["demand.base", "low (5) exceeds high (1)"],
    ),
    "date outside calendar": (
        '[foundries.huawei_fabs.fabs.fab1]\ncommission = "2030-01"\n',
        ["foundries.huawei_fabs.fabs.fab1.commission", "outside the calendar"],
    ),
    "missing extends target": ('extends = "gone.toml"\n', ["extends", "'gone.toml' not found"]),
    "extends cycle": ('extends = "bad.toml"\n', ["extends", "cycle"]),
}


def check_refused(result, tmp_path, fragments, before):
    """Exit 2, one Error line naming what is wrong, no traceback, nothing written."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    errors = error_lines(result)
    assert len(errors) == 1 and result.output.rstrip().splitlines()[-1] == errors[0]
    for fragment in fragments:
        assert fragment in errors[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no output dir, no staging


@pytest.mark.parametrize("body, fragments", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_scenario_file_exits_2_and_writes_nothing(tmp_path, body, fragments):
    path = tmp_path / "bad.toml"
    extends = "" if body.startswith(("extends", 'name = "x"')) else f"extends = {str(BASELINE)!r}\n"
    path.write_text(extends + body, encoding="utf-8")
    result = invoke("run", path, "--reps", 10, "--out", tmp_path / "out")
    check_refused(result, tmp_path, [str(path), *fragments], ["bad.toml"])
    assert len(result.output.strip().splitlines()) == 1  # the whole message is one line


def test_binary_scenario_file_is_refused(tmp_path):
    path = tmp_path / "image.toml"
    path.write_bytes(bytes(range(256)))
    result = invoke("run", path, "--out", tmp_path / "out")
    check_refused(result, tmp_path, [str(path), "not a UTF-8 text file"], ["image.toml"])


def test_missing_scenario_file_is_refused(tmp_path):
    result = invoke("run", tmp_path / "absent.toml", "--out", tmp_path / "out")
    check_refused(result, tmp_path, ["absent.toml", "file not found"], [])


BAD_OPTIONS = {
    "negative reps": (["--reps", "-1"], ["--reps", "-1"]),
    "zero reps": (["--reps", "0"], ["--reps", "0"]),
    "non-numeric reps": (["--reps", "many"], ["--reps", "many"]),
    "negative seed": (["--seed", "-3"], ["--seed", "-3"]),
    "non-numeric seed": (["--seed", "abc"], ["--seed", "abc"]),
    "quota above 1": (["--quota", "1.5"], ["--quota", "1.5", "[0, 1]"]),
    "negative quota": (["--quota", "-0.1"], ["--quota", "-0.1"]),
    "non-numeric quota": (["--quota", "most"], ["--quota", "most"]),
}


@pytest.mark.parametrize("args, fragments", BAD_OPTIONS.values(), ids=BAD_OPTIONS.keys())
def test_bad_cli_values_exit_2_and_write_nothing(tmp_path, args, fragments):
    """Click reports usage errors with a usage hint above the single Error line."""
    result = invoke("run", BASELINE, *args, "--out", tmp_path / "out")
    check_refused(result, tmp_path, fragments, [])


def test_bad_input_creates_no_default_output_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_text("[demand\n", encoding="utf-8")
    result = invoke("run", "bad.toml")
    check_refused(result, tmp_path, ["bad.toml", "line 1"], ["bad.toml"])


@pytest.mark.slow
def test_default_output_directory_is_named_after_the_scenario(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("run", BASELINE, "--reps", 10, "--quota", "0.5")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "outputs" / "baseline" / "manifest.json").is_file()


@pytest.mark.slow
def test_existing_run_directory_needs_force(tmp_path):
    out = tmp_path / "run"
    assert invoke("run", BASELINE, "--reps", 10, "--seed", 1, "--out", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    refused = invoke("run", BASELINE, "--reps", 10, "--seed", 2, "--out", out)
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert len(error_lines(refused)) == 1 and "--force" in error_lines(refused)[0]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    replaced = invoke("run", BASELINE, "--reps", 10, "--seed", 2, "--out", out, "--force")
    assert replaced.exit_code == 0, replaced.output
    assert read_manifest(out)["seed"] == 2
    assert (out / "summary.csv").read_bytes() != before["summary.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


# ----------------------------------------------------------- params and entry ----


@pytest.mark.parametrize("path", [BASELINE, PRIORS], ids=lambda p: p.name)
def test_params_lists_every_parameter_with_its_evidence(path):
    result = invoke("params", path)
    assert result.exit_code == 0, result.output
    lines = {x.split()[0]: x for x in result.stdout.splitlines() if x.strip()}
    params = parameters(load(path))
    assert set(lines) == {p.path for p in params}
    for param in params:
        line = lines[param.path]
        cited = "default: mechanism off" if param.default else ", ".join(param.evidence)
        assert param.describe() in line and f"[{cited}]" in line


def test_params_refuses_a_bad_scenario(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(f"extends = {str(BASELINE)!r}\n[demand]\nbsae = 1\n", encoding="utf-8")
    result = invoke("params", path)
    assert result.exit_code == 2 and error_lines(result) == [
        f"Error: {path}: demand.bsae: unknown key (did you mean 'base'?)"
    ]


@pytest.mark.slow
@pytest.mark.parametrize("args", [["--help"], ["run", "--help"]])
def test_python_dash_m_sim_help(args):
    done = subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: chipsim")
    assert ("run" in done.stdout) and ("--reps" in done.stdout or args == ["--help"])


def test_manifest_lists_the_run_files(finished):
    _, out = finished
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["files"] == [
        "summary.csv",
        "dictionary.csv",
        "replications.npz",
        "effects.csv",
        "manifest.json",
    ]
    assert manifest["explain"]["replications"] == REPS  # the run's, when below 1,000
