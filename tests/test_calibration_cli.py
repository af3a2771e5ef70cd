"""``chipsim calibrate`` through click's CliRunner: outputs, reports and bad input."""

from __future__ import annotations

import re
import shutil

import pytest
from chipsim_testing import REGISTRY, ROOT
from click.testing import CliRunner

from sim.interfaces.cli import main
from sim.scenario import load

PRIORS = ROOT / "scenarios" / "priors.toml"
QUICK = ["--n", "400", "--accept", "0.05", "--reps", "40"]
MOVED = (
    '[targets.moved]\nmetric = "demand_compute"\nperiod = "2024"\nvalue = 450000\n'
    'tolerance = 50000\nevidence = ["A14"]\n'
)
STUCK = (
    '[targets.stuck]\nmetric = "import_units.legacy"\nperiod = "2023"\nvalue = 300000\n'
    'tolerance = 50000\nevidence = ["I2"]\n'
)


@pytest.fixture
def root(tmp_path):
    """A scratch project with the priors (extending the shipped file) and the registry."""
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "seeds").mkdir()
    shutil.copy(REGISTRY, tmp_path / "seeds" / "evidence.toml")
    (tmp_path / "scenarios" / "priors.toml").write_text(f'extends = "{PRIORS}"\n')
    return tmp_path


def invoke(root, targets_text, *args):
    (root / "seeds" / "targets.toml").write_text(targets_text)
    return CliRunner().invoke(main, ["calibrate", str(root / "scenarios" / "priors.toml"), *args])


@pytest.mark.slow
def test_calibrate_writes_a_scenario_and_reports_an_unmovable_target(root, monkeypatch):
    monkeypatch.setenv("CHIPSIM_PROGRESS", "lines")  # progress shown, whatever the time taken
    out = root / "scenarios" / "fitted.toml"
    figure = root / "hindcast.png"
    result = invoke(
        root,
        MOVED + STUCK,
        "--params",
        "demand.growth.2024",
        *QUICK,
        "--out",
        str(out),
        "--figure",
        str(figure),
    )
    assert result.exit_code == 0, result.output
    assert "NOT FITTED: no chosen parameter moves target stuck" in result.output
    assert "inside the 90% band" in result.output and "after calibration" in result.output
    assert "demand.growth.2024" in result.output
    text = out.read_text()
    assert "--params demand.growth.2024" in text and "fitted to targets: moved" in text
    # every target before and after, in the file as on the terminal
    assert "# Every target, model p50 (p05-p95) before -> after calibration:" in text
    assert re.search(r"#   moved 2024: figure .* -> ", text)
    assert re.search(r"#   stuck 2023: figure .* -> ", text)
    assert load(out).demand.growth["2024"].kind in ("uniform", "triangular")
    assert figure.read_bytes().startswith(b"\x89PNG")
    accepted = int(re.search(r"\((\d+) of 400 draws accepted", result.output).group(1))
    assert ("warning: only" in result.output) == (accepted < 100)
    assert "calibration: 400/400 draws (100%)" in result.output  # the progress line
    assert "calibration: 1/1 parameters (100%)" in result.stderr  # the screening's
    assert "effective sample size" in result.output


@pytest.mark.slow
def test_adjust_none_is_plain_rejection_and_is_spelled_in_the_file(root):
    out = root / "scenarios" / "plain.toml"
    result = invoke(
        root, MOVED, "--params", "demand.growth.2024", *QUICK, "--adjust", "none", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "plain rejection: regression adjustment off (--adjust none)" in result.output
    assert "--adjust none" in out.read_text()


@pytest.mark.slow
def test_nothing_movable_exits_2_and_writes_nothing(root):
    out = root / "scenarios" / "fitted.toml"
    result = invoke(root, STUCK, "--params", "demand.growth.2026", *QUICK, "--out", str(out))
    assert result.exit_code == 2
    assert "no chosen parameter moves any target (stuck)" in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (MOVED.replace("tolerance = 50000\n", ""), "targets.moved.tolerance: missing required key"),
        (MOVED.replace('"2024"', '"2024H1"'), "targets.moved.period: expected a period"),
        (MOVED.replace("value = 450000", "value = [1]"), "targets.moved.value: expected a number"),
        ("[targets.moved\n", "TOML syntax error"),
    ],
)
def test_malformed_targets_exit_2_naming_file_and_key(root, text, key):
    out = root / "scenarios" / "fitted.toml"
    result = invoke(root, text, *QUICK, "--out", str(out))
    assert result.exit_code == 2
    assert str(root / "seeds" / "targets.toml") in result.output and key in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--params", "demand.growht.2024"],
            "unknown parameter (did you mean 'demand.growth.2024'?)",
        ),
        (["--params", "market.backlog_months"], "has no distribution to calibrate"),
        (["--out", "{root}/scenarios/priors.toml"], "--out must differ from the scenario"),
        (["--out", "{root}/seeds/evidence.toml"], "file exists; pass --force"),
        (["--figure", "{root}/plot.gif"], "--figure expects a .png, .svg or .pdf"),
        (["--n", "10"], "Invalid value for '--n'"),
        (["--accept", "0"], "Invalid value for '--accept'"),
        (["--targets", "{root}/missing.toml"], "missing.toml: file not found"),
    ],
)
def test_bad_arguments_exit_2(root, args, message):
    args = [a.format(root=root) for a in args]
    result = invoke(root, MOVED, *QUICK, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_few_accepted_draws_are_warned(root):
    result = invoke(
        root,
        MOVED.replace("tolerance = 50000", "tolerance = 1000"),
        "--params",
        "demand.growth.2024",
        "--n",
        "400",
        "--accept",
        "0.05",
        "--reps",
        "40",
        "--out",
        str(root / "scenarios" / "few.toml"),
    )
    assert result.exit_code == 0, result.output
    assert (
        "warning: only 20 draws accepted (fewer than 100): the posterior is rough" in result.output
    )
