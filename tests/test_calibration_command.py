"""sim.experiments.calibration.command: output checks before any work.

And the command line that reproduces a calibration.
"""

from __future__ import annotations

import os
import shutil

import pytest

from sim.experiments.calibration.command import check_paths, command_line, shown
from sim.experiments.calibration.fit import CalibrationError, Settings
from sim.scenario.errors import ScenarioError


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A scenario file with seeds beside its folder, as in the repository."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    (tmp_path / "scenarios").mkdir()
    shutil.copy(os.path.join(root, "scenarios", "baseline.toml"), tmp_path / "scenarios")
    shutil.copy(os.path.join(root, "scenarios", "priors.toml"), tmp_path / "scenarios")
    shutil.copytree(os.path.join(root, "seeds"), tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_command_line_spells_out_only_changed_settings():
    plain = command_line("s.toml", "t.toml", None, Settings(draws=500), 7, "o.toml")
    assert (
        plain == "chipsim calibrate s.toml --targets t.toml --n 500 --seed 7 --out o.toml --force"
    )
    changed = Settings(draws=10, accept=0.05, replications=99, adjust="none")
    assert command_line("s.toml", "t.toml", "a,b", changed, 1, "o.toml") == (
        "chipsim calibrate s.toml --targets t.toml --params a,b --n 10 --accept 0.05 "
        "--reps 99 --adjust none --seed 1 --out o.toml --force"
    )


def test_shown_is_relative_below_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert shown(tmp_path / "a" / "b.toml") == os.path.join("a", "b.toml")
    assert shown(tmp_path.parent / "x") == str(tmp_path.parent / "x")


def test_check_paths_accepts_new_outputs(project):
    check_paths("scenarios/baseline.toml", "out.toml", "fig.png", False, "seeds/targets.toml")


def test_check_paths_refusals(project):
    scenario, targets = "scenarios/baseline.toml", "seeds/targets.toml"
    with pytest.raises(ScenarioError, match="must differ from the scenario"):
        check_paths(scenario, "scenarios/priors.toml", None, True, targets)  # extended file
    (project / "out.toml").write_text("")
    with pytest.raises(CalibrationError, match="out.toml: file exists; pass --force"):
        check_paths(scenario, "out.toml", None, False, targets)
    check_paths(scenario, "out.toml", None, True, targets)
    with pytest.raises(ScenarioError, match="would destroy an input"):
        check_paths(scenario, targets, None, True, targets)
    with pytest.raises(ScenarioError, match="would destroy an input"):
        check_paths(scenario, "seeds/evidence.toml", None, True, targets)
    with pytest.raises(CalibrationError, match="expects a .png, .svg or .pdf"):
        check_paths(scenario, "new.toml", "fig.jpg", False, targets)
    with pytest.raises(ScenarioError, match="also the --out file"):
        check_paths(scenario, "same.toml", "same.toml", False, targets)
