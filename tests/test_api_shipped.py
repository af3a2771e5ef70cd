"""Issue 20: the shipped scenarios and seeds, so sim.run() and chipsim work from any folder.

``scenarios/`` and ``seeds/`` stay the repository's source of truth; a wheel
carries them as package data under ``sim/_data/`` (pyproject.toml), a
checkout or an editable install reads them beside the ``sim`` package. A path
that exists still wins over a shipped name.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from chipsim_testing import ROOT, SCENARIOS
from click.testing import CliRunner
from setuptools import find_namespace_packages

import sim
import sim.interfaces.runner as runner
from sim.interfaces.cli import main
from sim.scenario.shipped import data_dir, find_scenario, shipped_scenarios

SHIPPED = sorted(p.stem for p in SCENARIOS.glob("*.toml"))


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """A working directory with no scenarios/ or seeds/ folder."""
    folder = tmp_path / "notebook"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_every_repository_scenario_is_shipped():
    assert SHIPPED and list(shipped_scenarios()) == SHIPPED
    assert data_dir("scenarios").samefile(SCENARIOS)  # a checkout reads the folder itself
    assert (data_dir("seeds") / "evidence.toml").is_file()
    assert (data_dir("seeds") / "targets.toml").is_file()


@pytest.mark.parametrize(
    "name", [None, "baseline", "baseline.toml", "scenarios/baseline.toml", "national-quota"]
)
def test_sim_run_finds_a_shipped_scenario_from_any_folder(name, elsewhere):
    arguments = {} if name is None else {"scenario": name}
    result = sim.run(**arguments, reps=2, seed=1, explain_reps=0)
    used = Path(result.manifest["scenario_file"])
    stem = "baseline" if name is None else Path(name).stem
    assert used.is_absolute() and used.samefile(SCENARIOS / f"{stem}.toml")
    assert result.run.scenario.name == stem
    assert not list(elsewhere.iterdir())  # nothing written


def test_an_extends_chain_of_shipped_scenarios_resolves_from_any_folder(elsewhere):
    # national-quota-2030 -> horizon-2030 -> baseline -> priors, all found beside each other
    loaded = runner.load(find_scenario("national-quota-2030"))
    assert loaded.name == "national-quota-2030"
    assert loaded.calendar.end.startswith("2030")


@pytest.mark.slow
def test_a_path_that_exists_wins_over_the_shipped_name(elsewhere, monkeypatch):
    mine = elsewhere / "scenarios"
    mine.mkdir()
    (mine / "baseline.toml").write_text(
        f'extends = {str(SCENARIOS / "baseline.toml")!r}\nname = "mine"\n', "utf-8"
    )
    (elsewhere / "baseline").write_text(
        f'extends = {str(SCENARIOS / "baseline.toml")!r}\nname = "bare"\n', "utf-8"
    )
    assert find_scenario("scenarios/baseline.toml") == Path("scenarios/baseline.toml")
    assert sim.run(reps=2, explain_reps=0).run.scenario.name == "mine"
    assert sim.run("baseline", reps=2, explain_reps=0).run.scenario.name == "bare"
    assert sim.run("baseline.toml", reps=2, explain_reps=0).run.scenario.name == "baseline"


@pytest.mark.parametrize(
    "name", ["no-such", "nosuch.toml", "scenarios/nosuch.toml", "elsewhere/baseline.toml"]
)
def test_an_unknown_name_lists_the_shipped_scenarios(name, elsewhere):
    with pytest.raises(sim.ScenarioError) as caught:
        sim.run(name, reps=2)
    text = str(caught.value)
    assert text.startswith(f"{name}: file not found; shipped scenarios: ")
    assert text.endswith(", ".join(SHIPPED))
    cli = CliRunner().invoke(main, ["run", name, "--reps", "2"])
    assert cli.exit_code == 2 and cli.output.strip() == f"Error: {text}"


@pytest.mark.parametrize("args", [[], ["baseline"], ["horizon-2030.toml"]])
def test_chipsim_run_finds_a_shipped_scenario_from_any_folder(args, elsewhere):
    out = elsewhere / "out"
    result = CliRunner().invoke(
        main, ["run", *args, "--reps", "2", "--explain-reps", "0", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    stem = Path(args[0]).stem if args else "baseline"
    assert Path(manifest["scenario_file"]).samefile(SCENARIOS / f"{stem}.toml")


def test_pyproject_packages_every_module_and_the_data():
    """The package list is explicit (for the data mapping): it must cover the source tree."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    found = {
        p
        for p in find_namespace_packages(str(ROOT), include=["sim", "sim.*"])
        if any((ROOT / p.replace(".", "/")).glob("*.py"))
    }
    data = {name: folder for name, folder in config["package-dir"].items()}
    assert set(config["packages"]) == found | set(data)
    assert {ROOT / folder for folder in data.values()} == {ROOT / "scenarios", ROOT / "seeds"}
    assert all(config["package-data"][name] == ["*.toml"] for name in data)


def test_an_installed_layout_reads_its_package_data(tmp_path):
    """sim/_data/{scenarios,seeds} as a wheel installs them: found first, and a run works."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "sim", site / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    for kind in ("scenarios", "seeds"):
        shutil.copytree(ROOT / kind, site / "sim" / "_data" / kind)
    code = (
        "import sim, json; from sim.scenario.shipped import data_dir; "
        "r = sim.run('national-quota', reps=2, explain_reps=0); "
        "print(json.dumps([sim.__file__, str(data_dir('scenarios')), "
        "r.manifest['scenario_file']]))"
    )
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    module, folder, used = json.loads(done.stdout.strip().splitlines()[-1])
    data = site / "sim" / "_data"
    assert Path(module).is_relative_to(site) and Path(folder) == data / "scenarios"
    assert Path(used) == data / "scenarios" / "national-quota.toml"
