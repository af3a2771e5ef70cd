"""sim.model.stats and the ledger's sums: the memory-lean forms give numpy's numbers bit for bit.

The model sums over segments and products without stacking them, folds a
month's flows into the year's sums one segment at a time and summarises one
metric at a time. Each must give exactly what the stacked form gives, or
summary.csv would change with the memory layout.
"""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.model.recorder import narrow
from sim.model.stats import order_statistics, quantiles, sort_keys, summarise, total

QUANTILE_LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)
FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, -0.0, 1.0, 1e-300, -2.5, np.nan]),
)


def bits(values: np.ndarray) -> np.ndarray:
    """The float64 bit patterns, NaN payloads made equal (numpy may set any)."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.isnan(values), np.nan, values).view(np.int64)


def stacks(draw, min_rows: int = 1, max_rows: int = 7):
    """Draw a (rows, levels, R) array: the model's segment or product stacks."""
    rows = draw(st.integers(min_rows, max_rows))
    shape = (rows, draw(st.integers(1, 3)), draw(st.integers(2, 50)))
    return draw(hnp.arrays(np.float64, shape, elements=FLOATS))


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.data())
def test_total_adds_rows_as_numpy_sums_a_stack(data):
    values = stacks(data.draw)
    with np.errstate(all="ignore"):
        expected = values.sum(axis=0)
        got = total(iter(values))
    np.testing.assert_array_equal(bits(got), bits(expected))


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(st.data())
def test_summarising_metric_by_metric_equals_summarising_the_stack(data):
    """A row's statistics do not depend on the rows summarised with it (NaN rows or not)."""
    values = data.draw(
        hnp.arrays(np.float64, (data.draw(st.integers(2, 5)), 2, 40), elements=FLOATS)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        together = summarise(values)
        apart = np.stack([summarise(metric) for metric in values])
    np.testing.assert_array_equal(bits(apart), bits(together))


def test_narrow_stores_float32_unless_a_finite_value_does_not_fit():
    values = np.array([1.0, -0.0, np.nan, np.inf, -np.inf, 3.0e38, 1e-300])
    narrowed = narrow(values)
    assert narrowed.dtype == np.float32
    np.testing.assert_array_equal(narrowed, values.astype(np.float32))
    assert narrow(narrowed) is narrowed
    too_big = np.array([1.0, 3.5e38, np.nan])
    assert narrow(too_big) is too_big
    assert narrow(-too_big) is not None and narrow(-too_big).dtype == np.float64


def test_ratio_of_nothing_is_the_fill_and_says_nothing():
    """A share of nothing delivered is the fill value, silently: no RuntimeWarning noise."""
    from sim.model.stats import ratio

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = ratio(np.array([1.0, 0.0, 3.0]), np.array([0.0, 0.0, 4.0]), 0.5)
    assert got.tolist() == [0.5, 0.5, 0.75]


def test_summaries_of_float32_or_integer_values_equal_those_of_float64():
    """Kept per-replication values are float32 (narrow runs); counts may come as integers."""
    wide = np.array([[0.25, 1.5, 3.0, 7.0, 2.0], [4.0, 1.0, 0.0, 2.0, 3.0]])
    expected = summarise(wide)
    assert np.array_equal(summarise(wide.astype(np.float32)), expected)
    assert np.array_equal(summarise(np.array([[4, 1, 0, 2, 3]])), expected[1:])


def rows_of_every_kind(count: int) -> np.ndarray:
    """Rows that take each path of :func:`order_statistics`.

    Bucketed then sorted, one key a bucket, tied (partitioned), and a
    cluster stretched by outliers (selected again over the cluster).
    """
    rng = np.random.default_rng(19)
    return np.stack(
        [
            rng.lognormal(0.0, 3.0, count),  # spread over many octaves: bucketed, then sorted
            rng.standard_normal(count),  # negative and positive keys
            np.where(rng.random(count) < 0.01, 1e300, rng.random(count)),  # an outlier's range
            np.full(count, 2.5),  # one key: read off the histogram
            1.0 + rng.integers(0, 100, count) * np.finfo(float).eps,  # a span under the buckets
            rng.integers(0, 2, count).astype(float),  # two keys, thousands each: partitioned
            rng.choice([np.inf, -np.inf, 0.0, -0.0, 5e-324, -1e308], count),  # extremes, -0.0
            np.where(rng.random(count) < 0.6, 0.0, rng.random(count)),  # a tied bucket among others
            np.where(rng.random(count) < 0.01, 0.0, rng.normal(0.5, 0.05, count)),  # narrowed
        ]
    )


def test_order_statistics_pick_what_a_full_sort_puts_at_each_rank():
    rows = rows_of_every_kind(6000)
    ranks = np.array([0, 1, 299, 300, 2999, 3000, 5699, 5700, 5999])
    keys = sort_keys(rows)
    expected = np.sort(keys, axis=1)[:, ranks]
    np.testing.assert_array_equal(order_statistics(rows, ranks), expected)
    for row in range(len(rows)):  # each row alone: the same (rows do not interact)
        np.testing.assert_array_equal(
            order_statistics(rows[row : row + 1], ranks), expected[row : row + 1]
        )


def test_quantiles_are_numpys_bit_for_bit():
    rows = rows_of_every_kind(5001)
    rows[rows == 0] = 0.0  # -0.0 sorts before 0.0 here; numpy keeps either
    with np.errstate(invalid="ignore"):
        expected = np.quantile(rows, QUANTILE_LEVELS, axis=1).T
        got = quantiles(rows)
    np.testing.assert_array_equal(bits(got), bits(expected))


def test_a_cluster_stretched_by_outliers_is_selected_again_over_the_cluster(monkeypatch):
    from sim.model import stats

    rows = rows_of_every_kind(6000)
    ranks = stats.picks_of(6000)[0]  # the quantiles' ranks: 5% to 95%
    again = []
    select = stats.select

    def spying(keys, ranks, source, narrow):
        if not narrow:
            again.append(len(keys))
        return select(keys, ranks, source, narrow)

    monkeypatch.setattr(stats, "select", spying)
    got = order_statistics(rows, ranks)
    assert again and again[0] >= 1  # some rows were narrowed to their cluster
    np.testing.assert_array_equal(got, np.sort(sort_keys(rows), axis=1)[:, ranks])
