"""Replay the regression corpus (tests/corpus/index.toml): inputs that once broke chipsim."""

from __future__ import annotations

import contextlib
import csv
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hardening_support import (
    BASELINE,
    check_finite_outputs,
    check_outcome,
    check_run_dir,
    error_line,
)

from sim.cli import main
from sim.scenario import ScenarioError, load

CORPUS = Path(__file__).parent / "corpus"
INDEX = tomllib.loads((CORPUS / "index.toml").read_text("utf-8"))
@pytest.mark.parametrize("name", sorted(INDEX["scenario"]))
def test_scenario_case(name, tmp_path):
    case = INDEX["scenario"][name]
    path = CORPUS / f"{name}.toml"
    if case["expect"] == "error":
        with pytest.raises(ScenarioError) as info:
            load(path)
        err = info.value
        assert err.path == (case["key"] or None), str(err)
        assert case["message"] in err.message, str(err)
        assert str(err).isprintable()
    else:
        load(path)
    out = tmp_path / "out"
    with contextlib.chdir(tmp_path):
        result = CliRunner().invoke(main, ["run", str(path), "--reps", "5", "--out", str(out)])
    outcome = check_outcome(result, out)
    assert outcome == case["expect"], result.output
    if outcome == "ok":
        check_finite_outputs(out)
    else:
        assert case["message"] in error_line(result)
        assert not (tmp_path / "outputs").exists()


@pytest.mark.parametrize("name", sorted(INDEX["cli"]))
def test_cli_case(name, tmp_path):
    case = INDEX["cli"][name]
    (tmp_path / "afile").write_text("not a directory\n")
    (tmp_path / "notrun").mkdir()
    (tmp_path / "notrun" / "keep.txt").write_text("a user's file\n")
    args = [str(BASELINE) if a == "{baseline}" else a for a in case["args"]]
    with contextlib.chdir(tmp_path):
        result = CliRunner().invoke(main, args)
    check_outcome(result)
    assert result.exit_code == case["exit"], result.output
    if case["exit"] == 2:
        assert case["message"] in error_line(result)
    assert (tmp_path / "notrun" / "keep.txt").read_text() == "a user's file\n"
    assert (tmp_path / "afile").read_text() == "not a directory\n"
    if name == "duplicate-quota-options":
        check_run_dir(tmp_path / "dup")
        with open(tmp_path / "dup" / "summary.csv", encoding="utf-8") as handle:
            keys = [tuple(r[:4]) for r in csv.reader(handle)]
        assert len(keys) == len(set(keys))
        assert {k[0] for k in keys[1:]} == {"0.5"}


def test_corpus_files_are_indexed():
    files = {p.stem for p in CORPUS.glob("*.toml")} - {"index"}
    assert files == set(INDEX["scenario"])
