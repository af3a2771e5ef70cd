"""The sampler/method registry: every name comes from one entry, and a new entry is used."""

import dataclasses

import numpy as np
import pytest

from sim.experiments import design, methods, sensitivity
from sim.experiments.parameters import ParamSpec
from sim.scenario.dist import Dist
from sim.scenario.errors import ScenarioError


@pytest.mark.parametrize("name", [s.name for s in methods.SAMPLERS.values() if s.samples])
def test_every_sampler_fills_the_unit_cube(name):
    points = methods.sampler(name).draw(3, 64, np.random.default_rng(0))
    assert points.shape == (64, 3) and points.min() >= 0 and points.max() < 1
    again = methods.sampler(name).draw(3, 64, np.random.default_rng(0))
    np.testing.assert_array_equal(points, again)


def test_a_new_sampler_is_used_by_the_design_not_sobol(baseline, monkeypatch):
    """Registering a sampler is enough: design.build draws its points (here all 0.25)."""
    corner = methods.Sampler(
        "corner", "every point at 0.25", lambda d, n, rng: np.full((n, d), 0.25)
    )
    monkeypatch.setitem(methods.SAMPLERS, "corner", corner)
    built = design.build(baseline, [], "corner", 4, 7, ("memory.stockpile_stacks",))
    low, high = built.columns[0].dist.bounds
    np.testing.assert_allclose(built.table[:, 0], low + 0.25 * (high - low))


def test_unknown_names_are_refused():
    with pytest.raises(KeyError, match="expected one of grid, lhs, sobol"):
        methods.sampler("halton")
    with pytest.raises(KeyError, match="expected one of sobol, morris"):
        methods.method("fast")


def factors(d):
    return sensitivity.Factors(
        tuple(ParamSpec(f"x{i}", "number", Dist("uniform", (0.0, 1.0))) for i in range(d))
    )


@pytest.mark.parametrize("method", list(methods.METHODS.values()), ids=lambda m: m.name)
def test_each_method_designs_analyses_and_names_its_columns(method):
    f = factors(3)
    unit = sensitivity.design(method.name, f, 8, np.random.default_rng(1))
    assert len(unit) == 8 * method.points_per_n(3)
    rows = sensitivity.analyse(method.name, f, unit, unit @ np.array([3.0, 1.0, 0.0]), seed=1)
    header = sensitivity.csv_text(rows, method.name).splitlines()[0].split(",")
    assert header == ["parameter", *method.columns, "warnings"]
    assert methods.method_of_columns(header) is method
    assert [r["parameter"] for r in sensitivity.ranked(rows, method.name)][0] == "x0"
    assert method.out_dir("baseline") == f"baseline-{method.name}"


def test_the_default_output_directories_differ_by_method():
    assert len({m.out_dir("s") for m in methods.METHODS.values()}) == len(methods.METHODS)


def test_a_sweep_names_an_unknown_sampler_as_bad_input(baseline):
    from experiments_support import BASELINE

    from sim.experiments.sweep import SweepOptions, plan

    with pytest.raises(ScenarioError, match="--sample: unknown sampler 'halton'"):
        plan(dataclasses.replace(SweepOptions(BASELINE), sample="halton"))
