"""Counterfactual effects in a run directory: recorded in the manifest, added after the fact.

``chipsim run`` measures effects with the run and writes effects.csv with
the rest; ``chipsim explain RUN_DIR`` measures them for a finished run (its
manifest's resolved scenario, seed and quota levels) and adds or replaces
effects.csv, then manifest.json, each by an atomic rename, while holding the
directory's claim.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from sim.experiments.explain.measure import ExplainOptions, measure
from sim.model.constraints import CONSTRAINTS
from sim.results.atomic import write_text
from sim.results.binds import THRESHOLD
from sim.results.claim import claimed
from sim.results.effects import FILENAME, Effects, effects_csv
from sim.results.marker import marker_kind
from sim.results.reading import DamagedFile
from sim.results.run_dir import read_manifest
from sim.scenario.convert import fill_defaults, to_dataclass
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario
from sim.scenario.validate import validate


def record(options: ExplainOptions) -> dict:
    """Say in the manifest how effects were measured: file, replications, relaxations."""
    return {
        "file": FILENAME,
        "replications": options.replications,
        "constraints": {
            name: CONSTRAINTS[name].relaxed(options.amount) for name in options.constraints
        },
        "binds_threshold": THRESHOLD,
    }


def with_effects(info: dict, options: ExplainOptions) -> dict:
    """Return a manifest that lists effects.csv and records how the effects were measured."""
    files = [f for f in info.get("files", []) if f != FILENAME]
    files.insert(max(len(files) - 1, 0), FILENAME)  # manifest.json stays last
    return {**info, "files": files, "explain": record(options)}


def run_scenario(manifest: dict, path: Path) -> Scenario:
    """Return the scenario of a run: its file while unchanged, else the manifest's tree.

    The file keeps the order of segments, products and events (the manifest's
    JSON is key-sorted, and sums taken in another order differ in the last
    bits), so an explanation added later equals the one ``chipsim run`` writes.
    """
    original = same_file_scenario(manifest)
    if original is not None:
        return original
    tree = manifest.get("scenario")
    if not isinstance(tree, dict):
        raise DamagedFile(path / "manifest.json", "holds no resolved scenario to explain")
    try:
        scenario = to_dataclass(Scenario, tree, "")
        validate(scenario)
    except ScenarioError as err:
        raise DamagedFile(path / "manifest.json", f"its scenario is not valid ({err})") from None
    return fill_defaults(scenario)


def same_file_scenario(manifest: dict) -> Scenario | None:
    """Load the run's scenario file when its hash is still the manifest's (else None)."""
    from sim.scenario import load
    from sim.scenario.dump import scenario_hash

    name = manifest.get("scenario_file")
    if not isinstance(name, str) or not Path(name).is_file():
        return None
    try:
        scenario = load(name)
    except (ScenarioError, OSError):
        return None
    return scenario if scenario_hash(scenario) == manifest.get("scenario_hash") else None


def explain_run(run_dir: str | Path, options: ExplainOptions) -> Effects:
    """Measure a finished run's effects and add (or replace) its effects.csv.

    The seed and quota levels are the run's; ``options`` sets replications,
    constraints, the relaxation and progress.
    """
    path = Path(run_dir)
    if marker_kind(path) != "run":
        raise ScenarioError("expected a run directory written by chipsim run", file=str(path))
    with claimed(path):
        manifest = read_manifest(path)
        scenario = run_scenario(manifest, path)
        options = replace(
            options,
            seed=manifest.get("seed"),
            levels=tuple(manifest.get("quota_levels") or ()) or None,
        )
        effects = measure(scenario, options)
        write_text(path / FILENAME, effects_csv(effects.rows))
        info = with_effects(manifest, options)
        write_text(path / "manifest.json", json.dumps(info, indent=2, sort_keys=True) + "\n")
    return effects
