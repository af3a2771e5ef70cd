"""sim.scenario.shipped: the shipped scenarios and how a scenario argument finds its file."""

from __future__ import annotations

import os

import pytest

from sim.scenario.errors import ScenarioError
from sim.scenario.shipped import (
    data_dir,
    existing_scenario,
    find_scenario,
    not_found,
    shipped_name,
    shipped_scenarios,
)


def test_shipped_scenarios_are_the_folder_s_toml_files_sorted():
    names = shipped_scenarios()
    assert "baseline" in names and list(names) == sorted(names)
    assert names == tuple(sorted(p.stem for p in data_dir("scenarios").glob("*.toml")))
    assert (data_dir("seeds")).is_dir()


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("baseline", "baseline"),
        ("baseline.toml", "baseline"),
        ("scenarios/baseline.toml", "baseline"),
        ("other/baseline.toml", None),
        ("/scenarios/baseline.toml", None),
        ("no-such", None),
    ],
)
def test_shipped_name_accepts_only_a_name_s_forms(text, name):
    assert shipped_name(text) == name


def test_an_existing_path_wins_over_a_shipped_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert find_scenario("baseline") == data_dir("scenarios") / "baseline.toml"
    (tmp_path / "baseline").write_text("")
    assert find_scenario("baseline") == tmp_path.joinpath("baseline").relative_to(tmp_path)
    assert find_scenario("missing.toml").name == "missing.toml"


def test_existing_scenario_refusals_list_the_shipped_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError, match="file not found; shipped scenarios: .*baseline"):
        existing_scenario("nothing.toml")
    assert not_found().startswith("; shipped scenarios: ")
    os.mkdir("folder.toml")
    with pytest.raises(ScenarioError, match="not a regular file") as caught:
        existing_scenario("folder.toml")
    assert caught.value.file == "folder.toml"
    assert existing_scenario("baseline").is_file()
