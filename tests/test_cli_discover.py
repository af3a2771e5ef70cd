"""``chipsim discover`` on a small sweep where HBM supply decides the 2027 share."""

import csv
import re

import pytest
from click.testing import CliRunner
from experiments_support import BASELINE, STACKS

from sim.interfaces.cli import main

pytestmark = pytest.mark.slow  # measured: see the README's Tests section


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("discover") / "sweep"
    result = invoke(
        "sweep",
        BASELINE,
        "--param",
        STACKS,
        "--param",
        "memory.stockpile_stacks",
        "--n",
        48,
        "--reps",
        8,
        "--quota",
        "announced",
        "--metric",
        "domestic_share_units",
        "--workers",
        1,
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    return out


def median_share(sweep_dir):
    import numpy as np
    import pyarrow.parquet as pq

    table = pq.read_table(sweep_dir / "results.parquet").to_pandas()
    rows = table[(table.period == "2027") & (table.region == "national")]
    return float(np.median(rows["mean"]))


def test_discover_names_the_parameter_that_decides(sweep_dir):
    threshold = median_share(sweep_dir)  # about half the points miss it
    result = invoke("discover", sweep_dir, "--target", f"domestic_share_units@2027 >= {threshold}")
    assert result.exit_code == 0, result.output
    assert "Box 1 (step " in result.output and "): domestic_share_units in 2027 >=" in result.output
    assert "domestic stacks 2027 is at most" in result.output
    rows = list(csv.DictReader((sweep_dir / "discover.csv").open()))
    boxes = [r for r in rows if r["kind"] == "box" and r["box"] == "1"]
    assert STACKS in {r["parameter"] for r in boxes}
    assert any(r["kind"] == "trajectory" for r in rows)
    assert {r["parameter"] for r in rows if r["kind"] == "feature"} == {
        STACKS,
        "memory.stockpile_stacks",
    }


def test_the_text_shows_the_limits_of_discover_csv(sweep_dir):
    """Each printed limit is the stored one, rounded for reading (never moved to a point)."""
    threshold = median_share(sweep_dir)
    result = invoke("discover", sweep_dir, "--target", f"domestic_share_units@2027 >= {threshold}")
    rows = [r for r in csv.DictReader((sweep_dir / "discover.csv").open()) if r["kind"] == "box"]
    for row in rows:
        for side, sign in (("low", ">="), ("high", "<=")):
            if row[side]:
                assert f"{sign} {float(row[side]):,.0f}" in result.output


def test_box_n_picks_another_step_and_a_bad_step_exits_2(sweep_dir):
    threshold = median_share(sweep_dir)
    target = f"domestic_share_units@2027 >= {threshold}"
    default = invoke("discover", sweep_dir, "--target", target)
    steps = [m.groups() for m in re.finditer(r"^ +(\d+)(\*?) +[\d.]+%", default.output, re.M)]
    chosen, last = next(n for n, star in steps if star), steps[-1][0]
    assert chosen != last
    result = invoke("discover", sweep_dir, "--target", target, "--box", last)
    assert result.exit_code == 0, result.output
    assert f"Box 1 (step {last}):" in result.output and f"{last}*" in result.output
    rows = [r for r in csv.DictReader((sweep_dir / "discover.csv").open()) if r["kind"] == "box"]
    assert {r["step"] for r in rows if r["box"] == "1"} == {last}
    result = invoke("discover", sweep_dir, "--target", target, "--box", 999)
    assert result.exit_code == 2 and "--box 999: the trajectory has steps 0 to" in result.output


@pytest.mark.parametrize(
    "target,message",
    [
        ("domestic_share_units 2027 >= 0.7", "expected METRIC[:STAT]@PERIOD OP VALUE"),
        ("domestic_share_units@2027 >= lots", "is not a number"),
        ("domestic_share_units:p42@2027 >= 0.7", "unknown statistic"),
        ("domestic_share@2027 >= 0.7", "did you mean 'domestic_share_units'"),
        ("domestic_share_units@2031 >= 0.7", "no period '2031'"),
        (
            "domestic_share_units@2027Q4 >= 0.7",
            "national values per year unless run with --keep all",
        ),
    ],
)
def test_bad_targets_exit_2(sweep_dir, target, message):
    result = invoke("discover", sweep_dir, "--target", target)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_bad_run_dirs_and_levels_exit_2(sweep_dir, tmp_path):
    result = invoke("discover", tmp_path, "--target", "domestic_share_units@2027 >= 0.7")
    assert result.exit_code == 2 and "not a finished sweep" in result.output
    result = invoke(
        "discover", sweep_dir, "--target", "domestic_share_units@2027 >= 0.7", "--quota", "0.5"
    )
    assert result.exit_code == 2 and "no quota '0.5'" in result.output


def test_discover_checks_its_output_before_any_work(sweep_dir, monkeypatch):
    import sim.interfaces.cli.discover as command

    def never(options):
        raise AssertionError("PRIM ran before the output was checked")

    monkeypatch.setattr(command, "execute", never)
    blocker = sweep_dir / "discover.csv"
    existed = blocker.exists()
    if existed:
        saved = blocker.read_bytes()
        blocker.unlink()
    blocker.mkdir()  # discover.csv is a directory: it cannot be written
    try:
        result = invoke("discover", sweep_dir, "--target", "domestic_share_units@2027 >= 0.7")
        assert result.exit_code == 2, result.output
        assert "discover.csv" in result.output and "is a directory" in result.output
        assert "Traceback" not in result.output
    finally:
        blocker.rmdir()
        if existed:
            blocker.write_bytes(saved)
