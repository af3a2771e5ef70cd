"""sim.experiments.design: unit-cube mapping, factorial x sampled points, points.csv."""

from __future__ import annotations

import numpy as np
import pytest
from experiments_support import CEILING

from sim.experiments import design
from sim.experiments.parameters import ParamSpec
from sim.scenario.dist import Dist
from sim.scenario.errors import ScenarioError

GROWTH = "demand.growth.2026"  # triangular(0.4, 0.6, 0.8) in the baseline


def _spec(path, dist):
    return ParamSpec(path, "date" if dist.is_date else "number", dist)


def test_range_space_fills_the_declared_range_and_whole_months():
    number = _spec("x", Dist("triangular", (1.0, 1.5, 3.0)))
    month = _spec("d", Dist("uniform", (100.0, 102.0), is_date=True))
    unit = np.array([[0.0, 0.0], [0.5, 0.34], [1.0, 1.0]])
    out = design.Space((number, month)).values(unit)
    np.testing.assert_allclose(out[:, 0], [1.0, 2.0, 3.0])  # even over the range, not the mode
    np.testing.assert_array_equal(out[:, 1], [100.0, 101.0, 102.0])  # three months, top kept


def test_dist_space_uses_the_distribution_and_cuts_lognormal_tails():
    tri = _spec("x", Dist("uniform", (0.0, 4.0)))
    logn = _spec("y", Dist("lognormal", (1.0, 1.0)))
    out = design.Space((tri, logn), "dist").values(np.array([[0.25, 0.0], [0.5, 1.0]]))
    np.testing.assert_allclose(out[:, 0], [1.0, 2.0])
    np.testing.assert_allclose(out[:, 1], Dist("lognormal", (1.0, 1.0)).ppf(np.array([0.01, 0.99])))


def test_cross_puts_combinations_outer_and_samples_inner():
    table = design.cross([(1.0,), (2.0,)], np.array([[10.0], [20.0], [30.0]]), False)
    assert table.tolist() == [[1, 10], [1, 20], [1, 30], [2, 10], [2, 20], [2, 30]]


def test_parse_sets_refuses_repeats_and_duplicate_values_naming_the_path(baseline):
    with pytest.raises(ScenarioError, match="two --set options") as caught:
        design.parse_sets(baseline, [(CEILING, ["0.5"]), (CEILING, ["0.6"])])
    assert caught.value.path == CEILING
    with pytest.raises(ScenarioError, match="listed twice"):
        design.parse_sets(baseline, [(CEILING, ["0.5", "0.50"])])


def test_build_grid_with_a_fixed_set_and_csv_digest(baseline):
    sets = design.parse_sets(baseline, [(CEILING, ["0.5", "0.7"]), (GROWTH, ["0.45"])])
    built = design.build(baseline, sets, "grid", 1, 3)
    assert built.size == 2 and built.sources == ["set"]
    assert built.fixed == {GROWTH: 0.45}
    assert built.point(1) == {CEILING: 0.7}
    assert built.csv_text() == f"point,{CEILING}\n0,0.5\n1,0.7\n"
    again = design.build(baseline, sets, "grid", 1, 3)
    assert built.digest() == again.digest()


def test_sampled_parameters_refuse_an_unmatched_pattern(baseline):
    with pytest.raises(ScenarioError, match="matches no uncertain parameter") as caught:
        design.sampled_parameters(baseline, [], ("no.such.*",), None)
    assert caught.value.path == "--param no.such.*"


def test_replications_one_when_nothing_varies_else_asked_with_a_note():
    notes: list[str] = []
    assert design.replications(50, [], 100, notes) == 1
    assert "instead of the 50 asked for" in notes[-1]
    varying = [f"p{i}" for i in range(10)]
    assert design.replications(None, varying, 100, notes) == 100
    assert "10 uncertain parameters" in notes[-1] and "and 2 more" in notes[-1]


def test_a_set_value_outside_the_schema_limits_is_refused_naming_the_file_and_the_path(baseline):
    with pytest.raises(ScenarioError) as caught:
        design.parse_sets(baseline, [(CEILING, ["0.5", "1.5"])], "scenarios/mine.toml")
    assert caught.value.path == CEILING and caught.value.file == "scenarios/mine.toml"
    assert "scenarios/mine.toml" in str(caught.value) and CEILING in str(caught.value)
