"""chipsim's Sobol study against SALib's own sampler, and re-analysis from the stored files."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from experiments_support import BASELINE

from sim.experiments import evaluators, sensitivity, study
from sim.experiments.design import Space
from sim.interfaces.cli import main

PARAMS = ("memory.*", "demand.growth.2027", "segments.private.preference.2027")


@pytest.fixture(scope="module")
def chosen():
    return study.plan(
        study.StudyOptions(scenario_file=BASELINE, n=128, reps=8, seed=3, params=PARAMS)
    )


@pytest.mark.slow
def test_salibs_own_sampler_gives_the_same_ranking_and_indices(chosen):
    """Same model, two designs (chipsim's Saltelli points, SALib's): ST agrees within intervals.

    Every factor's ST differs between the designs by less than the sum of the two
    95% half-widths, and every pair of factors that one design separates (their
    intervals do not overlap) comes in the same order in the other.
    """
    from SALib.sample import sobol as salib_sobol

    ours = study.evaluate(chosen, evaluators.Sequential()).rows
    unit = salib_sobol.sample(
        chosen.factors.problem(), chosen.n, calc_second_order=False, scramble=True, seed=11
    )
    theirs_study = dataclasses.replace(
        chosen, unit=unit, values=Space(chosen.factors.params, "dist").values(unit)
    )
    theirs = study.evaluate(theirs_study, evaluators.Sequential()).rows
    a, b = ({r["parameter"]: r for r in rows} for rows in (ours, theirs))
    assert len(a) == 11  # memory.* is 9 parameters
    for name in a:
        assert abs(a[name]["ST"] - b[name]["ST"]) <= a[name]["ST_conf"] + b[name]["ST_conf"], name
    for first in (a, b):
        other = b if first is a else a
        for i in first:
            for j in first:
                if first[i]["ST"] - first[i]["ST_conf"] > first[j]["ST"] + first[j]["ST_conf"]:
                    assert other[i]["ST"] > other[j]["ST"], (i, j)
    top = [sensitivity.ranked(rows, "sobol")[0]["parameter"] for rows in (ours, theirs)]
    assert top[0] == top[1]


@pytest.mark.slow
@pytest.mark.parametrize("method,n", [("sobol", 8), ("morris", 6)])
def test_the_stored_sample_and_outputs_reproduce_the_indices_with_salib(tmp_path, method, n):
    out = tmp_path / method
    result = CliRunner().invoke(
        main,
        [
            "sensitivity",
            BASELINE,
            "--method",
            method,
            "--param",
            "memory.*",
            "--n",
            str(n),
            "--reps",
            "4",
            "--workers",
            "1",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    sample = pd.read_parquet(out / "sample.parquet")
    y = pd.read_parquet(out / "outputs.parquet")[manifest["output"]["statistic"]].to_numpy()
    unit = sample[[f"unit.{p}" for p in manifest["parameters"]]].to_numpy()
    problem = manifest["problem"]
    if method == "sobol":
        from SALib.analyze import sobol

        found = sobol.analyze(
            problem,
            y,
            calc_second_order=False,
            seed=manifest["seed"],
            num_resamples=manifest["resamples"],
            conf_level=0.95,
        )
    else:
        from SALib.analyze import morris

        found = morris.analyze(
            problem,
            unit,
            y,
            num_resamples=manifest["resamples"],
            conf_level=0.95,
            num_levels=4,
            seed=manifest["seed"],
        )
    stored = pd.read_csv(out / "sensitivity.csv").set_index("parameter")
    for i, name in enumerate(manifest["factors"]):
        for column in stored.columns.drop("warnings"):
            assert stored.loc[name, column] == pytest.approx(found[column][i], rel=1e-5, abs=1e-12)
    assert np.all((unit >= 0) & (unit <= 1)) and len(sample) == len(y)
