"""``chipsim run --explain-reps`` and ``chipsim explain`` through click's CliRunner."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from chipsim_testing import BASELINE
from click.testing import CliRunner

from sim.interfaces.cli import main
from sim.model.constraints import CONSTRAINTS
from sim.results.effects import COLUMNS

REPS = 30


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """A run without an explanation."""
    out = tmp_path_factory.mktemp("explain") / "plain"
    result = invoke(
        "run",
        BASELINE,
        "--reps",
        REPS,
        "--quota",
        "0.5",
        "--quota",
        "1.0",
        "--explain-reps",
        0,
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    return result, out


def test_a_run_without_explanation_names_no_reason_and_no_binding(plain):
    result, out = plain
    assert not (out / "effects.csv").exists()
    assert "no reason is given" in result.output
    assert "bound by" not in result.output and "held back" not in result.output
    assert json.loads((out / "manifest.json").read_text())["files"][-1] == "manifest.json"


@pytest.mark.slow
def test_explain_adds_effects_to_a_finished_run_and_refreshes_them_identically(plain):
    _, out = plain
    first = invoke("explain", out, "--reps", 20)
    assert first.exit_code == 0, first.output
    text = (out / "effects.csv").read_text()
    frame = pd.read_csv(out / "effects.csv")
    assert list(frame.columns) == list(COLUMNS)
    assert set(frame.constraint) == set(CONSTRAINTS)
    assert set(frame.quota.astype(str)) == {"0.5", "1.0"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["files"][-2:] == ["effects.csv", "manifest.json"]
    assert manifest["explain"]["replications"] == 20
    assert "held back most by" in first.output and "binds" in first.output
    again = invoke("explain", out, "--reps", 20)
    assert again.exit_code == 0 and (out / "effects.csv").read_text() == text


def test_the_relaxation_amount_is_recorded(plain, tmp_path):
    _, out = plain
    result = invoke("explain", out, "--reps", 10, "--amount", 0.25)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out / "effects.csv")
    assert set(frame[frame.constraint == "memory"].relaxation) == {"+25% stacks"}
    assert (
        json.loads((out / "manifest.json").read_text())["explain"]["constraints"]["memory"]
        == "+25% stacks"
    )


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["run", BASELINE, "--explain-reps", -1], "--explain-reps"),
        (["explain", "{tmp}", "--reps", 0], "--reps"),
        (["explain", "{tmp}", "--amount", 0], "--amount"),
        (["explain", "{tmp}"], "expected a run directory"),
    ],
)
def test_bad_input_exits_2_with_one_error_line(tmp_path, args, fragment):
    result = invoke(*[str(a).format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and fragment in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_explaining_later_writes_the_bytes_a_run_writes(plain, tmp_path):
    _, out = plain
    direct = tmp_path / "direct"
    result = invoke(
        "run", BASELINE, "--reps", REPS, "--quota", "0.5", "--quota", "1.0", "--out", direct
    )
    assert result.exit_code == 0, result.output
    assert invoke("explain", out, "--reps", REPS).exit_code == 0
    assert (out / "effects.csv").read_bytes() == (direct / "effects.csv").read_bytes()
