"""The sensitivity code path (design -> model -> analyse) on functions with known indices."""

import math

import numpy as np
import pytest
from experiments_support import BASELINE

from sim.experiments import evaluators, sensitivity, study
from sim.experiments.parameters import ParamSpec
from sim.scenario.dist import Dist

A, B = 7.0, 0.1  # the Ishigami function's usual constants


def factors(d):
    return tuple(ParamSpec(f"x{i + 1}", "number", Dist("uniform", (0.0, 1.0))) for i in range(d))


def ishigami(unit):
    x = -math.pi + 2 * math.pi * unit
    return np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices():
    """Closed-form first-order and total indices of x1, x2, x3."""
    v = A**2 / 8 + B * math.pi**4 / 5 + B**2 * math.pi**8 / 18 + 0.5
    v1, v2, v13 = 0.5 * (1 + B * math.pi**4 / 5) ** 2, A**2 / 8, 8 * B**2 * math.pi**8 / 225
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


@pytest.mark.slow
def test_sobol_recovers_the_ishigami_indices():
    """N = 2048 (10,240 evaluations): every estimate within its 95% bootstrap CI.

    At this size the CI half-widths are 0.02-0.06; they must stay under 0.08,
    so a biased estimator or a wrong design layout cannot pass.
    """
    f = sensitivity.Factors(factors(3))
    unit = sensitivity.design("sobol", f, 2048, np.random.default_rng(0))
    assert unit.shape == (2048 * 5, 3)
    rows = sensitivity.analyse("sobol", f, unit, ishigami(unit), seed=0)
    s1, st = ishigami_indices()
    for row, first, total in zip(rows, s1, st, strict=True):
        assert row["S1_conf"] < 0.08 and row["ST_conf"] < 0.08
        assert abs(row["S1"] - first) <= row["S1_conf"], row
        assert abs(row["ST"] - total) <= row["ST_conf"], row
    ranked = [r["parameter"] for r in sensitivity.ranked(rows, "sobol")]
    assert ranked == ["x1", "x2", "x3"]


def test_sobol_groups_recover_the_closed_indices():
    """x1 and x3 as one group: S1 = ST = (V1 + V13) / V; x2 alone: V2 / V."""
    f = sensitivity.grouped(list(factors(3)), [("x1+x3", ("x1", "x3"))])
    assert f.names == ["x1+x3", "x2"]
    unit = sensitivity.design("sobol", f, 2048, np.random.default_rng(1))
    assert unit.shape == (2048 * 4, 3)
    rows = {r["parameter"]: r for r in sensitivity.analyse("sobol", f, unit, ishigami(unit), 1)}
    s1, st = ishigami_indices()
    for name, expected in (("x1+x3", st[0]), ("x2", s1[1])):
        assert abs(rows[name]["S1"] - expected) <= rows[name]["S1_conf"]
        assert abs(rows[name]["ST"] - expected) <= rows[name]["ST_conf"]


def test_morris_gives_the_slopes_of_a_linear_function():
    f = sensitivity.Factors(factors(3))
    unit = sensitivity.design("morris", f, 10, np.random.default_rng(2))
    y = unit @ np.array([5.0, 1.0, 0.0])
    rows = sensitivity.analyse("morris", f, unit, y, seed=2)
    assert [r["mu_star"] for r in rows] == pytest.approx([5.0, 1.0, 0.0], abs=1e-9)
    assert [r["sigma"] for r in rows] == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)


@pytest.mark.slow
def test_a_scenario_study_ranks_the_hbm_parameters():
    """Domestic HBM in 2027 moves the 2027 domestic share; HBM in 2025 barely can."""
    options = study.StudyOptions(
        BASELINE, n=16, reps=8, seed=5, params=("memory.domestic_stacks.*",)
    )
    chosen = study.plan(options)
    assert chosen.job.levels == ("announced",) and len(chosen.unit) == 16 * 5
    rows, facts = study.run(chosen, evaluators.Sequential())
    by_name = {r["parameter"]: r for r in rows}
    assert set(by_name) == {f"memory.domestic_stacks.{y}" for y in (2025, 2026, 2027)}
    later, early = by_name["memory.domestic_stacks.2027"], by_name["memory.domestic_stacks.2025"]
    assert later["ST"] > early["ST"]
    assert facts["points"] == 80
    text = sensitivity.csv_text(rows, "sobol")
    assert text.splitlines()[0] == "parameter,S1,S1_conf,ST,ST_conf,warnings"
