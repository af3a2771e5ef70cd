"""sim.experiments.explain.runs: which scenario an explanation added to a finished run uses."""

from __future__ import annotations

from chipsim_testing import BASELINE

from sim.experiments.explain.runs import same_file_scenario
from sim.scenario import load
from sim.scenario.dump import scenario_hash


def test_the_run_s_file_is_used_only_while_its_hash_is_still_the_manifest_s(tmp_path):
    manifest = {"scenario_file": str(BASELINE), "scenario_hash": scenario_hash(load(BASELINE))}
    found = same_file_scenario(manifest)
    assert found is not None and scenario_hash(found) == manifest["scenario_hash"]
    assert same_file_scenario({**manifest, "scenario_hash": "0" * 64}) is None  # file changed
    assert same_file_scenario({"scenario_hash": manifest["scenario_hash"]}) is None  # no file
    gone = {**manifest, "scenario_file": str(tmp_path / "moved.toml")}
    assert same_file_scenario(gone) is None  # file gone
