"""sim.experiments.targets: parsing ``METRIC[:STAT]@PERIOD OP VALUE`` and checking it."""

from __future__ import annotations

import numpy as np
import pytest

from sim.experiments.targets import Target, TargetError, parse


def test_parse_reads_every_part_and_percentages():
    assert parse("domestic_share_units:p05@2027 >= 70%") == Target(
        "domestic_share_units", "p05", "2027", ">=", 0.7
    )
    assert parse(" imports_units@2026Q3<12.5 ") == Target(
        "imports_units", "mean", "2026Q3", "<", 12.5
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "expected METRIC"),
        ("share@2027", "expected METRIC"),
        ("share:p42@2027 > 1", "unknown statistic 'p42'"),
        ("share@2027 > abc", "'abc' is not a number"),
        ("share@2027 > inf", "not a finite number"),
    ],
)
def test_parse_refuses_with_what_was_expected(text, says):
    with pytest.raises(TargetError, match=says):
        parse(text)


def test_met_is_false_where_undefined_and_on_the_strict_edge():
    values = np.array([0.5, 0.7, 0.9, np.nan])
    np.testing.assert_array_equal(parse("m@2027 > 0.7").met(values), [False, False, True, False])
    np.testing.assert_array_equal(parse("m@2027 >= 0.7").met(values), [False, True, True, False])
    np.testing.assert_array_equal(parse("m@2027 <= 0.7").met(values), [True, True, False, False])


def test_words_show_shares_in_percent_and_name_non_mean_statistics():
    assert (
        parse("domestic_share_units@2027 >= 0.7").words() == "domestic_share_units in 2027 >= 70%"
    )
    assert parse("imports_units:p95@2026 < 3000").words() == "imports_units (p95) in 2026 < 3000"
