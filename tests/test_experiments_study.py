"""sim.experiments.study: planning a sensitivity study, refusals naming the option at fault."""

from __future__ import annotations

import numpy as np
import pytest
from chipsim_testing import BASELINE
from experiments_support import CEILING

from sim.experiments.study import DEFAULT_REPS, StudyOptions, plan
from sim.scenario.errors import ScenarioError

FILE = str(BASELINE)
PARAMS = ("demand.growth.2026", "demand.growth.2027")


@pytest.mark.parametrize(
    ("options", "flag", "says"),
    [
        ({"method": "sobel"}, "--method", "did you mean 'sobol'"),
        ({"sets": ((CEILING, ("0.5", "0.6")),)}, "--set", "one value per --set"),
        ({"params": ("no.such.*",)}, "--param no.such.*", "matches no uncertain parameter"),
        ({"params": ("demand.growth.2026",)}, "--param", "at least two"),
        ({"params": PARAMS, "metric": "domestic_shares_units"}, "--metric", "did you mean"),
        ({"params": PARAMS, "region": "mars"}, "--region", "unknown value 'mars'"),
        ({"params": PARAMS, "period": "1999"}, "--period", "unknown value '1999'"),
        ({"params": PARAMS, "stat": "p42"}, "--stat", "unknown statistic 'p42'"),
    ],
)
def test_plan_refuses_naming_the_option(options, flag, says):
    with pytest.raises(ScenarioError) as caught:
        plan(StudyOptions(FILE, **options))
    assert caught.value.path == flag and says in caught.value.message


def test_plan_fixes_a_reproducible_design_in_the_distributions_range():
    options = StudyOptions(
        FILE, method="morris", n=3, params=PARAMS, seed=5, sets=((CEILING, ("0.6",)),)
    )
    study = plan(options)
    assert [p.path for p in study.factors.params] == list(PARAMS)
    assert study.values.shape == (3 * (len(PARAMS) + 1), 2)  # Morris: trajectories x (k + 1)
    assert study.values[:, 0].min() >= 0.4 and study.values[:, 0].max() <= 0.8
    assert study.values[:, 1].min() >= 0.2 and study.values[:, 1].max() <= 0.6
    assert study.job.replications == DEFAULT_REPS and study.varying  # others still vary
    batches = study.batches()
    assert np.concatenate([b.points for b in batches]).tolist() == list(range(len(study.values)))
    for b in batches:
        np.testing.assert_array_equal(b.values[PARAMS[1]], study.values[b.points, 1])
    np.testing.assert_array_equal(plan(options).values, study.values)


def test_every_design_column_of_sample_parquet_is_documented_with_a_unit():
    from sim.experiments.study import sample_docs, sample_table

    study = plan(StudyOptions(FILE, method="morris", n=2, params=PARAMS, seed=5))
    docs = sample_docs(study)
    columns = [c for c in sample_table(study).column_names if c != "point"]
    assert sorted(docs) == sorted(columns)
    for path in PARAMS:
        unit, text = docs[path]
        assert unit and path in text
        unit, text = docs[f"unit.{path}"]  # SALib's input: a coordinate of the unit cube
        assert unit.startswith("share") and unit.endswith("[0, 1]") and path in text
