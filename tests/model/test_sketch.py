"""sim.model.sketch.RowSketch: exact where promised, within its bound elsewhere, exactly mergeable.

The sketch stands in for sim.model.stats.summarise when a run's per-replication
values cannot be kept. Rows with few distinct values must come back as numpy's
statistics bit for bit; other rows' quantiles within ``alpha * max(|x_lo|, |x_hi|)``
of numpy's (x_lo, x_hi the order statistics numpy interpolates between); the
mean is the correctly rounded mean; merging equals adding everything to one sketch.
"""

from __future__ import annotations

import pickle
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.model import sketch, sketch_buckets
from sim.model.sketch import EXACT, RowSketch
from sim.model.sketch_buckets import Counts
from sim.model.stats import QUANTILES, STAT_NAMES, positions, summarise

SLACK = 1 + 1e-9  # rounding in the bucket index and representative (documented)


def sketch_of(values: np.ndarray, alpha: float = 0.001, block: int = 7) -> RowSketch:
    """A sketch fed ``values`` (rows, R) in blocks of ``block`` columns."""
    sketch = RowSketch(values.shape[0], alpha)
    for first in range(0, values.shape[1], block):
        sketch.add(values[:, first : first + block])
    return sketch


def exact_mean(row: np.ndarray) -> float:
    """The correctly rounded mean of a row's defined values (NaN if none)."""
    row = row[~np.isnan(row)]
    if row.size == 0:
        return np.nan
    return float(sum(map(Fraction, row.tolist())) / row.size)


def bounds(values: np.ndarray, alpha: float) -> np.ndarray:
    """The documented bound of each quantile of each row: alpha * max(|x_lo|, |x_hi|)."""
    out = np.full((values.shape[0], len(STAT_NAMES) - 1), np.nan)
    for i, row in enumerate(values):
        row = np.sort(row[~np.isnan(row)])
        if row.size:
            lower, upper, _ = positions(row.size)
            out[i] = alpha * np.maximum(np.abs(row[lower]), np.abs(row[upper]))
    return out


def state(sketch: RowSketch) -> list[np.ndarray]:
    """Every array of a sketch's state."""
    return [
        sketch._count,
        sketch._infs,
        sketch._low,
        sketch._high,
        sketch._table,
        sketch._tally,
        sketch._bucketed,
        np.array(sketch._sums, dtype=object),
        *sketch._hist.arrays,
        np.array([g.total for g in sketch._hist.groups]),
    ]


def assert_same_state(one: RowSketch, other: RowSketch) -> None:
    """Bit for bit the same state and statistics."""
    for mine, theirs in zip(state(one), state(other), strict=True):
        assert mine.dtype == theirs.dtype
        np.testing.assert_array_equal(mine, theirs)
    np.testing.assert_array_equal(
        one.summarise().view(np.int64) | 0, other.summarise().view(np.int64) | 0
    )


def mixed_rows(rng: np.random.Generator, width: int) -> np.ndarray:
    """Rows of the model's shapes: shares, counts, money, flags, targets, zeros, signs, NaN."""
    rows = [
        rng.beta(2, 5, width),
        np.round(rng.lognormal(10, 1, width)),
        rng.lognormal(23, 0.5, width),
        (rng.random(width) < 0.3) * 1.0,
        np.full(width, 12.5),
        np.where(rng.random(width) < 0.4, 0.0, rng.random(width)),
        rng.normal(0, 1e6, width),
        rng.integers(0, EXACT, width) * 0.1,
        rng.integers(0, 3 * EXACT, width) * 1.0,
    ]
    values = np.stack(rows)
    values[0, rng.random(width) < 0.2] = np.nan
    return values


@pytest.mark.parametrize("value", [0.0, 1.0, 0.3, -2.5, 1234.5, 1e11, 1e-300, 5e-324])
def test_a_constant_row_comes_back_exactly(value):
    values = np.full((2, 1000), value)
    values[1, ::3] = np.nan
    got = sketch_of(values, block=100).summarise()
    np.testing.assert_array_equal(got, np.full((2, 6), value))


def test_rows_with_few_distinct_values_are_numpy_bit_for_bit():
    rng = np.random.default_rng(1)
    values = np.stack(
        [(rng.random(999) < p) * 1.0 for p in (0.001, 0.3, 0.5, 0.97)]
        + [rng.integers(-5, EXACT - 5, 999) * 0.37, rng.choice([0.1, 0.2], 999)]
    )
    values[5, ::4] = np.nan
    got = sketch_of(values, block=50).summarise()
    np.testing.assert_array_equal(got[:, 1:], summarise(values)[:, 1:])
    np.testing.assert_array_equal(got[:, 0], [exact_mean(row) for row in values])


def test_hand_computed_flags_and_an_undefined_row():
    sketch = RowSketch(3)
    sketch.add(np.array([[0.0, 1.0, 1.0], [np.nan, np.nan, 2.0], [np.nan] * 3]))
    sketch.add(np.array([[1.0], [4.0], [np.nan]]))
    sketch.add(np.empty((3, 0)))
    got = sketch.summarise()
    hand = [[0.75, 0.15, 0.75, 1.0, 1.0, 1.0], [3.0, 2.1, 2.5, 3.0, 3.5, 3.9]]
    np.testing.assert_allclose(got[:2], hand, rtol=1e-15)
    for row, defined in ((0, [0.0, 1.0, 1.0, 1.0]), (1, [2.0, 4.0])):
        np.testing.assert_array_equal(got[row, 1:], np.quantile(defined, QUANTILES))
    assert np.isnan(got[2]).all()
    np.testing.assert_array_equal(sketch.count, [4, 2, 0])
    assert np.isnan(RowSketch(2).summarise()).all()


def test_the_mean_is_correctly_rounded_over_any_magnitudes():
    rng = np.random.default_rng(2)
    values = np.stack(
        [
            rng.lognormal(0, 5, 3000) * rng.choice([-1, 1], 3000),
            np.r_[1e11, 1e-5 * np.ones(2999)],
            rng.random(3000) * 1e-310,
            np.r_[1e300, -1e300, rng.random(2998)],
        ]
    )
    got = sketch_of(values, block=500).summarise()
    np.testing.assert_array_equal(got[:, 0], [exact_mean(row) for row in values])


@pytest.mark.parametrize("alpha", [0.02, 0.001])
def test_quantiles_lie_within_the_documented_bound(alpha):
    rng = np.random.default_rng(3)
    values = np.stack(
        [
            rng.lognormal(3, 2, 20000),
            rng.beta(0.5, 3, 20000),
            rng.uniform(-1, 2, 20000),
            rng.normal(0, 1e9, 20000),
            np.where(rng.random(20000) < 0.5, 0.0, rng.lognormal(15, 1, 20000)),
        ]
    )
    values[2, ::5] = np.nan
    sketch = sketch_of(values, alpha, block=3000)
    got, expected = sketch.summarise(), summarise(values)
    assert sketch._bucketed.all()
    error = np.abs(got[:, 1:] - expected[:, 1:])
    assert (error <= bounds(values, alpha) * SLACK).all()
    assert (error > 0).any()  # these are histogram rows, not exact ones


def test_merge_equals_adding_everything_bit_for_bit():
    rng = np.random.default_rng(4)
    values = mixed_rows(rng, 3000)
    whole = sketch_of(values, block=1000)
    parts = [sketch_of(values[:, a:b], block=b - a) for a, b in ((0, 20), (20, 2500), (2500, 3000))]
    merged = RowSketch(values.shape[0])
    for part in reversed(parts):
        merged.merge(pickle.loads(pickle.dumps(part)))  # as from a worker process
    assert_same_state(merged, whole)
    parts[0].merge(parts[1])
    parts[0].merge(parts[2])
    assert_same_state(parts[0], whole)


def test_merging_exact_rows_that_overflow_together():
    """Two sketches each below EXACT distinct values, above it together."""
    left = np.arange(EXACT, dtype=float)[None, :].repeat(2, axis=0)
    right = left + 0.5
    right[1] = left[1]  # row 1 stays exact
    one, other, both = sketch_of(left), sketch_of(right), sketch_of(np.hstack([left, right]))
    one.merge(other)
    assert_same_state(one, both)
    assert one._bucketed.tolist() == [True, False]


def test_merge_checks_and_self_merge():
    values = mixed_rows(np.random.default_rng(5), 200)
    sketch = sketch_of(values)
    sketch.merge(sketch)
    assert_same_state(sketch, sketch_of(np.hstack([values, values])))
    with pytest.raises(ValueError):
        sketch.merge(RowSketch(values.shape[0], alpha=0.01))
    with pytest.raises(ValueError):
        sketch.merge(RowSketch(1))
    with pytest.raises(ValueError):
        sketch.add(np.zeros((2, 3)))
    with pytest.raises(ValueError):
        RowSketch(1, alpha=0.5)


def test_memory_is_bounded_by_the_occupied_buckets_not_the_values():
    rng = np.random.default_rng(6)
    sketch = RowSketch(4, alpha=0.05)
    sizes = []
    for _ in range(60):
        sketch.add(rng.uniform(1, 2, (4, 1000)))
        sizes.append(sketch.nbytes)
    buckets = np.log(2) / np.log(1.05 / 0.95) + 2
    assert sum(g.keys.size for g in sketch._hist.groups) <= 4 * buckets
    assert sizes[10] == sizes[-1]
    assert sketch.count.tolist() == [60000] * 4


def test_infinities_do_not_break_it():
    values = np.stack(
        [
            np.r_[np.inf, np.arange(100.0)],
            np.r_[-np.inf, np.arange(100.0)],
            np.r_[np.inf, -np.inf, np.arange(99.0)],
            np.r_[np.inf, np.ones(100)],
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = sketch_of(values).summarise()
    assert got[0, 0] == np.inf and got[1, 0] == -np.inf and np.isnan(got[2, 0])
    assert np.isfinite(got[:3, 1:4]).all() and got[0, 5] < np.inf
    np.testing.assert_array_equal(got[3], summarise(values[3:])[0])


FLOATS = st.one_of(
    st.floats(-1e300, 1e300), st.floats(-1e-300, 1e-300), st.sampled_from([0.0, -0.0, 1.0, np.nan])
)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.data())
def test_any_values_merge_exactly_and_keep_the_bound(data):
    values = data.draw(
        hnp.arrays(
            np.float64,
            (data.draw(st.integers(1, 4)), data.draw(st.integers(1, 80))),
            elements=FLOATS,
        )
    )
    cut = data.draw(st.integers(0, values.shape[1]))
    alpha = data.draw(st.sampled_from([0.001, 0.01, 0.2]))
    whole = sketch_of(values, alpha, block=data.draw(st.integers(1, 90)))
    merged = sketch_of(values[:, :cut], alpha)
    merged.merge(sketch_of(values[:, cut:], alpha, block=3))
    assert_same_state(merged, whole)
    got, expected = whole.summarise(), summarise(values)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    error = np.abs(got[:, 1:] - expected[:, 1:])
    assert (np.isnan(error) | (error <= bounds(values, alpha) * SLACK + 1e-300)).all()
    np.testing.assert_array_equal(got[:, 0], [exact_mean(row) for row in values])


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(1, 200)),
        elements=st.sampled_from([0.0, 1.0, -3.25, 0.1, 7e10, np.nan]),
    )
)
def test_few_distinct_values_are_exact(values):
    got = sketch_of(values, block=11).summarise()
    np.testing.assert_array_equal(got[:, 1:], summarise(values)[:, 1:])


def test_histogram_counts_turn_int64_before_they_could_overflow():
    """Counts are int32 while a group's total fits, then int64: a function of the total."""
    store = Counts(np.int32, np.int32)
    store.add(np.array([1, 5]), np.array([2**30, 2**30 - 1]))
    assert store.values.dtype == np.int32
    store.add(np.array([1, 3]), np.array([1, 2]))
    assert store.values.dtype == np.int64 and store.keys.dtype == np.int32
    assert store.values.tolist() == [2**30 + 1, 2, 2**30 - 1] and store.keys.tolist() == [1, 3, 5]


def test_chunks_and_row_groups_do_not_change_the_statistics(monkeypatch):
    """Many rows in small chunks and groups (as 1,275 rows in 2**18-value chunks do)."""
    rng = np.random.default_rng(7)
    values = np.vstack([mixed_rows(rng, 400) for _ in range(15)])  # 135 rows
    expected = sketch_of(values, block=100).summarise()
    monkeypatch.setattr(sketch, "CHUNK", 250)
    monkeypatch.setattr(sketch_buckets, "GROUP", 4)
    whole = sketch_of(values, block=100)
    parts = sketch_of(values[:, :150], block=30)
    parts.merge(sketch_of(values[:, 150:], block=250))
    assert_same_state(parts, whole)
    np.testing.assert_array_equal(whole.summarise(), expected)
    assert len(whole._hist.groups) == 34
