"""Replay the regression corpus (tests/corpus/index.toml): inputs that once broke chipsim."""

from __future__ import annotations

import contextlib
import csv
import shutil
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

from sim.interfaces.cli import main
from sim.scenario import ScenarioError, load

CORPUS = Path(__file__).parent / "corpus"
INDEX = tomllib.loads((CORPUS / "index.toml").read_text("utf-8"))


@pytest.mark.slow
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


USER_FILES = {  # files of a user's, in the directory every CLI case runs in
    "notrun/keep.txt": "a user's file\n",
    "afile": "not a directory\n",
    "webapp/manifest.json": '{"name": "my-web-app", "version": "1.0.0"}\n',
    "webapp/index.js": "console.log('years of work')\n",
    "project/batches/run1.csv": "a,b\n1,2\n",
    "project/thesis.tex": "\\chapter{One}\n",
}


def prepare_cli_dir(tmp_path: Path) -> dict[str, str]:
    """User files, and a copy of the scenarios (a case may try to overwrite one)."""
    for name, text in USER_FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    shutil.copytree(BASELINE.parent, tmp_path / "sc")
    files = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    return files


@pytest.mark.parametrize("name", sorted(INDEX["cli"]))
def test_cli_case(name, tmp_path):
    case = INDEX["cli"][name]
    before = prepare_cli_dir(tmp_path)
    args = [str(BASELINE) if a == "{baseline}" else a for a in case["args"]]
    with contextlib.chdir(tmp_path):
        result = CliRunner().invoke(main, args)
    check_outcome(result)
    assert result.exit_code == case["exit"], result.output
    if case["exit"] == 2:
        assert case["message"] in error_line(result)
        assert not any(x in error_line(result) for x in case.get("never", []))
    for path, data in before.items():  # nothing of the user's (or a scenario) was touched
        assert (tmp_path / path).read_bytes() == data, path
    if case["exit"] == 2:  # nothing new either, beyond what the case may write
        made = {p.relative_to(tmp_path) for p in tmp_path.rglob("*")} - set(before)
        assert {p for p in made if not (tmp_path / p).is_dir()} == set(), made
    if "levels" in case:
        out = tmp_path / case["out"]
        check_run_dir(out)
        with open(out / "summary.csv", encoding="utf-8") as handle:
            keys = [tuple(r[:5]) for r in csv.reader(handle)]  # quota ... period (and unit)
        assert len(keys) == len(set(keys))
        assert {k[0] for k in keys[1:]} == set(case["levels"])


def test_corpus_files_are_indexed():
    files = {p.stem for p in CORPUS.glob("*.toml")} - {"index"}
    assert files == set(INDEX["scenario"])
