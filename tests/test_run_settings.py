"""sim.scenario.settings: a run's replications, seed and quota levels default in one place.

The scenario's ``[run]`` values are read by :func:`resolve` alone (a scan of
the package's source), the boundary resolves them once and passes concrete
values down (the runner hands ``simulate`` numbers, never None), and the
model, the ensemble and the runner agree on what "unset" means.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

import sim.interfaces.runner as runner
from sim.interfaces.runner import RunOptions
from sim.model.model import Model
from sim.scenario import load
from sim.scenario.settings import RunSettings, resolve

ROOT = Path(__file__).resolve().parents[1]
TINY = load(ROOT / "tests" / "model" / "tiny.toml")
BASELINE = ROOT / "scenarios" / "baseline.toml"
RUN_DEFAULTS = {"seed", "replications", "quota_levels"}
HOME = ROOT / "sim" / "scenario" / "settings.py"


def other_run(scenario, **changes):
    """``scenario`` with its [run] values changed (seed, replications, quota_levels)."""
    return dataclasses.replace(scenario, run=dataclasses.replace(scenario.run, **changes))


def test_unset_values_are_the_scenarios_and_set_ones_are_kept():
    scenario = other_run(TINY, seed=17, replications=33, quota_levels=("0.5", "announced"))
    assert resolve(scenario) == RunSettings(33, 17, ("0.5", "announced"))
    assert resolve(scenario, 5, 0, ["1.0"]) == RunSettings(5, 0, ("1.0",))  # seed 0 is a seed
    assert resolve(scenario, 0, None, []) == RunSettings(33, 17, ("0.5", "announced"))


def run_reads(path: Path) -> list[tuple[int, str]]:
    """(line, field) of every ``<x>.run.<seed|replications|quota_levels>`` read in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        holder = getattr(node, "value", None)
        if (
            isinstance(node, ast.Attribute)
            and node.attr in RUN_DEFAULTS
            and (getattr(holder, "attr", None) == "run" or getattr(holder, "id", None) == "run")
        ):
            found.append((node.lineno, node.attr))
    return found


def test_only_resolve_reads_the_scenarios_run_defaults():
    readers = {
        str(path.relative_to(ROOT)): reads
        for path in sorted((ROOT / "sim").rglob("*.py"))
        if path != HOME and (reads := run_reads(path))
    }
    assert readers == {}, "resolve the defaults with sim.scenario.settings.resolve"
    assert {field for _, field in run_reads(HOME)} == RUN_DEFAULTS


def test_the_model_takes_the_same_defaults():
    scenario = other_run(TINY, seed=9, quota_levels=("1.0",))
    model = Model(scenario, 2)
    assert model.levels == ["1.0"] == list(resolve(scenario).levels)
    assert model.draw.streams.seed == 9
    assert Model(scenario, 2, seed=0, levels=["0.5"]).draw.streams.seed == 0


def test_the_runner_resolves_once_and_passes_numbers_down(monkeypatch):
    seen = {}

    class Stop(Exception):
        pass

    def fake_simulate(scenario, replications, seed, levels, options):
        seen.update(replications=replications, seed=seed, levels=levels)
        raise Stop

    monkeypatch.setattr(runner, "simulate", fake_simulate)
    with pytest.raises(Stop):
        runner.execute(BASELINE, RunOptions(write=False, workers=1))
    settings = resolve(load(BASELINE))
    assert seen == {
        "replications": settings.replications,
        "seed": settings.seed,
        "levels": list(settings.levels),
    }
