"""sim.model.paths: paths holding only the current year give the full table's values.

Paths make their yearly anchors (deferred draws) when a year's first month
comes and let the last go; the compound growth factor is worked out a year at
a time. Month by month, each must equal the eager table bit for bit, and every
deferred draw must still be made exactly once.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.calendar import Calendar, parse_month
from sim.model import paths

CAL = Calendar(parse_month("2023-03"), parse_month("2027-12"))  # a partial first year
R = 9_000  # more than a YearlyGrowth block, not a multiple of it


def deferred(values: dict[int, np.ndarray]):
    """Anchors as functions counting how often each is made."""
    made = dict.fromkeys(values, 0)

    def maker(year):
        def make():
            made[year] += 1
            return values[year]

        return make

    return {year: maker(year) for year in values}, made


def rows(seed: int, years: list[int]) -> dict[int, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {y: rng.random(R) for y in years}


@pytest.mark.parametrize(
    "rate",
    [np.random.default_rng(1).uniform(-0.3, 0.9, R), np.broadcast_to(np.float64(0.25), (R,))],
    ids=["drawn", "fixed"],
)
def test_growth_factor_a_year_at_a_time_equals_the_full_table(rate):
    offsets = np.array([y - CAL.years[0] for y in CAL.years], dtype=float)
    table = (1.0 + rate[:, None]) ** offsets[None, :]
    growth = paths.YearlyGrowth(CAL, rate)
    for t in range(CAL.months):
        expected = table[:, CAL.year(t) - CAL.years[0]]
        np.testing.assert_array_equal(growth.at(t).view(np.int64), expected.view(np.int64))


def test_year_steps_make_each_anchor_once_and_match_the_eager_path():
    values = rows(2, [2021, 2022, 2024, 2026, 2031])  # 2021 and 2031 are never used
    lazy, made = deferred(values)
    path, eager = paths.YearSteps(CAL, lazy, R), paths.YearSteps(CAL, values, R)
    for t in range(CAL.months):
        np.testing.assert_array_equal(path.at(t), eager.at(t))
        np.testing.assert_array_equal(
            path.at(t), values[max([y for y in values if y <= CAL.year(t)])]
        )
    assert made == dict.fromkeys(values, 1)
    np.testing.assert_array_equal(path.at(0), values[2022])  # going back makes it again


def test_year_end_linear_holds_two_anchors_and_matches_the_eager_path():
    values = rows(3, [2020, 2023, 2025, 2026, 2030])
    lazy, made = deferred(values)
    path, eager = paths.YearEndLinear(CAL, lazy, R), paths.YearEndLinear(CAL, values, R)
    for t in range(CAL.months):
        np.testing.assert_array_equal(path.at(t), eager.at(t))
        assert len(path.held) <= 2
    assert made == dict.fromkeys(values, 1)


def test_yearly_compound_grows_year_on_year():
    first = np.random.default_rng(4).random(R)
    growth = rows(5, [2024, 2026, 2029])  # 2025 and 2027 have no entry; 2029 is never used
    lazy, made = deferred(growth)
    path = paths.YearlyCompound(CAL, first, lazy, R)
    expected = {2023: first}
    for year in CAL.years[1:]:
        expected[year] = expected[year - 1] * (1.0 + growth.get(year, 0.0))
    for t in [*range(CAL.months), 0, 40]:  # and back again (2026-07)
        np.testing.assert_array_equal(path.at(t), expected[CAL.year(t)])
    assert made == {2024: 2, 2026: 2, 2029: 1}
