"""The sensitivity warnings (sim.experiments.diagnostics): each rule on hand-made index rows.

Each flag is checked on both sides of its rule, so a rule that fires too
early or too late fails here; the suggested N is checked against numbers
computed by hand from the formula the module states.
"""

import math

import pytest

from sim.experiments import diagnostics as dg
from sim.experiments import sensitivity

CLEAN = (0.5, 0.03, 0.55, 0.04)  # a well-estimated leading factor


def sobol(*values):
    """Sobol rows x0, x1, ... from (S1, S1_conf, ST, ST_conf) tuples."""
    return [
        {"parameter": f"x{i}", "S1": s1, "S1_conf": c1, "ST": st, "ST_conf": ct}
        for i, (s1, c1, st, ct) in enumerate(values)
    ]


def morris(*values):
    """Morris rows a, b, ... from (mu_star, mu_star_conf) pairs."""
    return [
        {"parameter": chr(97 + i), "mu_star": mu, "mu_star_conf": conf, "sigma": mu}
        for i, (mu, conf) in enumerate(values)
    ]


def codes(flags):
    return [f.code for f in flags]


def only(flags, code):
    """The one flag with ``code`` (fails when absent or repeated)."""
    found = [f for f in flags if f.code == code]
    assert len(found) == 1, codes(flags)
    return found[0]


def test_well_estimated_indices_give_no_warning():
    rows = sobol(CLEAN, (0.2, 0.03, 0.3, 0.04), (0.0, 0.01, 0.01, 0.02))
    assert dg.diagnose("sobol", rows, 1024) == []
    assert dg.diagnose("morris", morris((1.0, 0.2), (0.5, 0.1)), 50) == []


def test_s1_above_st_fires_only_beyond_the_interval_of_the_difference():
    """0.55 - 0.36 = 0.19 exceeds hypot(0.1, 0.1) = 0.141 but not hypot(0.15, 0.15) = 0.212."""
    beyond = dg.diagnose("sobol", sobol((0.55, 0.1, 0.36, 0.1), CLEAN), None)
    flag = only(beyond, dg.S1_ABOVE_ST)
    assert flag.parameters == ("x0",)
    assert "x0 (S1 0.55 ± 0.1 against ST 0.36 ± 0.1)" in flag.sentence
    within = dg.diagnose("sobol", sobol((0.55, 0.15, 0.36, 0.15), CLEAN), None)
    assert dg.S1_ABOVE_ST not in codes(within)


def test_a_negligible_s1_above_st_is_not_flagged():
    """Beyond its interval by less than MATERIAL: many factors give these by chance."""
    rows = sobol(CLEAN, (0.006, 0.001, 0.0, 0.001))
    assert dg.S1_ABOVE_ST not in codes(dg.diagnose("sobol", rows, None))
    rows = sobol(CLEAN, (0.02, 0.001, 0.0, 0.001))
    assert only(dg.diagnose("sobol", rows, None), dg.S1_ABOVE_ST).parameters == ("x1",)


def test_a_sum_of_first_order_indices_above_one_is_flagged_with_its_interval():
    rows = sobol((0.55, 0.12, 0.6, 0.04), (0.56, 0.05, 0.6, 0.04))
    flag = only(dg.diagnose("sobol", rows, None), dg.S1_SUM)
    width = math.hypot(0.12, 0.05)  # 0.13
    assert f"add up to 1.11 (95% interval ±{width:.2f}" in flag.sentence
    assert flag.parameters == ()
    exactly_one = sobol((0.5, 0.01, 0.55, 0.01), (0.5, 0.01, 0.55, 0.01))
    assert dg.S1_SUM not in codes(dg.diagnose("sobol", exactly_one, None))


def test_a_negative_index_is_flagged_only_beyond_its_interval_and_when_material():
    beyond = sobol(CLEAN, (-0.3, 0.1, 0.3, 0.05))
    assert only(dg.diagnose("sobol", beyond, None), dg.NEGATIVE).parameters == ("x1",)
    within = sobol(CLEAN, (-0.3, 0.4, 0.3, 0.05))
    negligible = sobol(CLEAN, (-0.005, 0.001, 0.001, 0.001))
    for rows in (within, negligible):
        assert dg.NEGATIVE not in codes(dg.diagnose("sobol", rows, None))
    total = sobol(CLEAN, (0.0, 0.01, -0.05, 0.01))
    assert "ST -0.05 ± 0.01" in only(dg.diagnose("sobol", total, None), dg.NEGATIVE).sentence


def test_a_wide_interval_is_flagged_for_leading_factors_only():
    """x1 leads (third) with 0.3 +/- 0.35; x3 is fourth, x4 below a tenth of the largest."""
    rows = sobol(
        CLEAN,
        (0.2, 0.03, 0.3, 0.35),
        (0.3, 0.03, 0.4, 0.04),
        (0.0, 0.3, 0.2, 0.3),
        (0.0, 0.03, 0.04, 0.05),
    )
    assert only(dg.diagnose("sobol", rows, None), dg.WIDE).parameters == ("x1",)
    minor = sobol(CLEAN, (0.0, 0.03, 0.04, 0.05))  # second, but under MINOR x 0.55
    assert dg.WIDE not in codes(dg.diagnose("sobol", minor, None))
    narrow = sobol(CLEAN, (0.2, 0.03, 0.3, 0.29))
    assert dg.WIDE not in codes(dg.diagnose("sobol", narrow, None))


def test_morris_flags_a_mu_star_interval_wider_than_mu_star():
    flags = dg.diagnose("morris", morris((1.0, 1.5), (0.1, 0.05)), None)
    assert codes(flags) == [dg.WIDE] and flags[0].parameters == ("a",)
    assert dg.diagnose("morris", morris((1.0, 0.5), (0.1, 0.05)), None) == []


def test_the_suggested_n_follows_the_stated_formula():
    """Sobol: 64 x (0.2 / 0.05)^2 = 1024; 100 x (0.12 / 0.05)^2 = 576, rounded up to 1024."""
    rows = sobol((0.5, 0.1, 0.6, 0.2), CLEAN, CLEAN)
    assert dg.suggested_n("sobol", rows, 64) == (1024, 0.2)
    assert dg.suggested_n("sobol", sobol((0.5, 0.12, 0.6, 0.04), CLEAN), 100)[0] == 1024
    assert dg.suggested_n("sobol", sobol(CLEAN, CLEAN), 64) is None  # +/-0.04 meets the target
    flag = only(dg.diagnose("sobol", rows, 64), dg.SMALL_N)
    assert "N=64 is too small for 3 factors" in flag.sentence
    assert "±0.2, narrows to ±0.05 at N=1,024 (5,120 points)" in flag.sentence  # 1024 x (3+2)
    assert "--n 1024 " in flag.sentence


def test_the_morris_suggestion_halves_each_leading_interval_relative_to_mu_star():
    """10 x (1.5 / (0.5 x 1.0))^2 = 90 trajectories, 90 x (2 + 1) = 270 points."""
    rows = morris((1.0, 1.5), (0.1, 0.05))
    assert dg.suggested_n("morris", rows, 10) == (90, 1.5)
    flag = only(dg.diagnose("morris", rows, 10), dg.SMALL_N)
    assert "at 90 trajectories (270 points)" in flag.sentence and "--n 90 " in flag.sentence
    assert dg.suggested_n("morris", morris((1.0, 0.5), (0.1, 0.05)), 10) is None


def test_warnings_read_back_from_sensitivity_csv_are_the_same_words():
    """The report judges the CSV's rounded values; the command line judged the analysis'."""
    rows = sobol(
        (0.5500004449, 0.1234567891, 0.36, 0.1),
        (0.8012345678, 0.05, 0.6, 0.2),
        (-0.3, 0.1, 0.3, 0.05),
    )
    flags = dg.diagnose("sobol", rows, 64)
    assert {dg.S1_ABOVE_ST, dg.S1_SUM, dg.NEGATIVE, dg.SMALL_N} <= set(codes(flags))
    text = sensitivity.csv_text(rows, "sobol", dg.codes_by_parameter(flags))
    header, *lines = [line.split(",") for line in text.splitlines()]
    stored = [dict(zip(header, line, strict=True)) for line in lines]
    assert dg.diagnose("sobol", stored, 64) == flags
    by_name = {r["parameter"]: r["warnings"] for r in stored}
    assert by_name["x0"] == dg.S1_ABOVE_ST and by_name["x2"] == dg.NEGATIVE


@pytest.mark.parametrize("value", ["", "nan", None, "text"])
def test_missing_values_are_skipped_not_flagged(value):
    rows = sobol(CLEAN, (0.2, 0.03, 0.3, 0.04))
    rows[1]["S1"] = value
    assert dg.diagnose("sobol", rows, 1024) == []
