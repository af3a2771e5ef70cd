"""sim.run keeps the counterfactual effects, as chipsim run writes them."""

from __future__ import annotations

import json

import pandas as pd
from chipsim_testing import BASELINE

import sim
from sim.results.effects import COLUMNS


def test_a_notebook_run_explains_itself_and_saves_the_effects(tmp_path):
    result = sim.run(BASELINE, reps=20, seed=3, quota=["0.5", "1.0"])
    effects = result.effects
    assert list(effects.columns) == list(COLUMNS)
    assert set(effects.quota) == {"0.5", "1.0"} and effects.period.iloc[0] == "2023"
    out = result.save(tmp_path / "run")
    saved = pd.read_csv(out / "effects.csv", dtype={"quota": str, "period": str})
    pd.testing.assert_frame_equal(saved, effects)
    assert json.loads((out / "manifest.json").read_text())["explain"]["replications"] == 20


def test_no_explanation_when_asked_for_none(tmp_path):
    result = sim.run(BASELINE, reps=10, seed=3, quota="1.0", explain_reps=0)
    assert result.effects is None
    out = result.save(tmp_path / "run")
    assert not (out / "effects.csv").exists()
