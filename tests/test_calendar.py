"""sim.core.calendar: month ordinals and the monthly calendar."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.core.calendar import Calendar, format_month, parse_month


@given(year=st.integers(1000, 9999), month=st.integers(1, 12))
def test_parse_and_format_are_inverse(year, month):
    text = f"{year:04d}-{month:02d}"
    ordinal = parse_month(text)
    assert ordinal == year * 12 + month - 1
    assert format_month(ordinal) == text


@given(a=st.integers(12_000, 119_999), b=st.integers(12_000, 119_999))
def test_ordinals_follow_calendar_order(a, b):
    assert (a < b) == (format_month(a) < format_month(b))
    assert parse_month(format_month(a)) == a


@pytest.mark.parametrize(
    "text",
    ["2025-13", "2025-00", "2025-1", "25-01", "2025/01", "2025-01-01", "", "june", None, 202501],
)
def test_parse_month_refuses_anything_but_yyyy_mm(text):
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month(text)


def test_calendar_steps_labels_and_years():
    cal = Calendar(parse_month("2023-01"), parse_month("2027-12"))
    assert cal.months == 60
    assert cal.years == [2023, 2024, 2025, 2026, 2027]
    assert cal.label(0) == "2023-01" and cal.label(59) == "2027-12"
    assert cal.year(11) == 2023 and cal.year(12) == 2024
    assert cal.quarter_label(0) == "2023Q1" and cal.quarter_label(5) == "2023Q2"
    assert cal.quarter_label(59) == "2027Q4"
    assert cal.ordinal(13) == parse_month("2024-02")


def test_period_ends_close_quarters_years_and_the_run():
    cal = Calendar(parse_month("2023-02"), parse_month("2024-04"))  # partial first/last years
    year_ends = [cal.label(t) for t in range(cal.months) if cal.is_period_end(t, 12)]
    quarter_ends = [cal.label(t) for t in range(cal.months) if cal.is_period_end(t, 3)]
    assert year_ends == ["2023-12", "2024-04"]
    assert quarter_ends == ["2023-03", "2023-06", "2023-09", "2023-12", "2024-03", "2024-04"]


def test_steps_of_may_fall_outside_the_calendar():
    cal = Calendar(parse_month("2023-01"), parse_month("2027-12"))
    ordinals = np.array([parse_month("2022-12"), parse_month("2023-01"), parse_month("2028-01")])
    assert cal.steps_of(ordinals).tolist() == [-1, 0, 60]


def test_steps_of_drawn_dates_are_compact_and_exact():
    cal = Calendar(parse_month("2023-01"), parse_month("2027-12"))
    drawn = np.array([24276.0, 24300.0, 24350.0])  # whole months, as date draws are
    steps = cal.steps_of(drawn)
    assert steps.dtype == np.int32 and steps.tolist() == [0, 24, 74]
    fixed = cal.steps_of(np.broadcast_to(np.float64(24300.0), (1000,)))
    assert fixed.shape == (1000,) and fixed.strides == (0,) and int(fixed[999]) == 24
    fractional = cal.steps_of(np.array([24300.5, np.nan]))  # e.g. pinned by calibration
    assert fractional.dtype == np.float64 and fractional[0] == 24.5 and np.isnan(fractional[1])
