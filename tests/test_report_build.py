"""sim.report.build: the run facts a report opens with."""

from __future__ import annotations

from pathlib import Path

from sim.report.build import facts
from sim.report.data import RunData


def test_the_facts_name_the_git_commit_and_leave_out_what_the_manifest_lacks():
    manifest = {"seed": 5, "git_commit": "0123abc", "git_dirty": True, "scenario_hash": "f" * 64}
    found = dict(facts(RunData(Path("runs/a"), manifest)))
    assert found["Git commit"] == "0123abc (with uncommitted changes)"
    assert found["Seed"] == "5" and found["Scenario hash"] == "f" * 64
    assert found["Directory"] == str(Path("runs/a"))
    assert "Wall time" not in found and "Replications" not in found  # absent: left out
    clean = dict(facts(RunData(Path("runs/a"), {"git_commit": "0123abc", "git_dirty": False})))
    assert clean["Git commit"] == "0123abc"
