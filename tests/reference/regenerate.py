"""Regenerate the stored reference output of the baseline (PySD-style reference test).

Run from the repository root, only when a model change is meant to move the
numbers (say why in the commit and in docs/model.md):

    python tests/reference/regenerate.py

It writes ``tests/reference/baseline.csv``: the summary.csv of
``scenarios/baseline.toml`` at the seed and replications in ``SETTINGS``, every
default quota level, and ``tests/reference/effects.csv``: the counterfactual
effects of the same scenario and seed at ``EFFECTS_REPLICATIONS``.
``tests/test_reference.py`` compares fresh runs with them.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {"scenario": "scenarios/baseline.toml", "replications": 1000, "seed": 20251121}
REFERENCE = Path(__file__).with_name("baseline.csv")
EFFECTS = Path(__file__).with_name("effects.csv")
EFFECTS_REPLICATIONS = 200


def reference_csv() -> str:
    """The summary.csv text of the reference run, made now."""
    sys.path.insert(0, str(ROOT))
    from sim.model.ensemble import simulate
    from sim.results.summary import summary_csv
    from sim.scenario import load

    scenario = load(ROOT / SETTINGS["scenario"])
    result = simulate(scenario, SETTINGS["replications"], SETTINGS["seed"])
    return summary_csv(result.rows)


def effects_reference_csv() -> str:
    """The effects.csv text of the reference explanation, made now."""
    sys.path.insert(0, str(ROOT))
    from sim.experiments.explain.measure import ExplainOptions, measure
    from sim.results.effects import effects_csv
    from sim.scenario import load

    scenario = load(ROOT / SETTINGS["scenario"])
    options = ExplainOptions(EFFECTS_REPLICATIONS, SETTINGS["seed"])
    return effects_csv(measure(scenario, options).rows)


if __name__ == "__main__":
    REFERENCE.write_text(reference_csv(), encoding="utf-8")
    EFFECTS.write_text(effects_reference_csv(), encoding="utf-8")
    print(f"wrote {REFERENCE.relative_to(ROOT)} and {EFFECTS.relative_to(ROOT)}")
