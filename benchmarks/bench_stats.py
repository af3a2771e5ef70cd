"""Quantile selection: bucketed order statistics against one np.partition of the keys.

Prints the CPU time per row of 10,000 replications for each method on rows
like the recorder's (spread, shares with ties, 0/1 flags, constants) and
checks that both select the same keys. Run: ``python benchmarks/bench_stats.py``.
"""

from __future__ import annotations

import time

import numpy as np

from sim.model.stats import order_statistics, picks_of, sort_keys

ROWS, COUNT, REPEATS = 108, 10_000, 7


def recorder_like(rows: int, count: int) -> np.ndarray:
    """Rows of the kinds a run summarises, in the proportions of a baseline run."""
    rng = np.random.default_rng(3)
    kinds = [
        lambda: rng.lognormal(10.0, 1.0, count),
        lambda: np.clip(rng.normal(0.5, 0.1, count), 0.0, 1.0),
        lambda: rng.integers(0, 2, count).astype(float),
        lambda: np.full(count, 0.7),
    ]
    weights = [0.7, 0.17, 0.01, 0.12]
    return np.stack([kinds[rng.choice(len(kinds), p=weights)]() for _ in range(rows)])


def cpu(method, rows: np.ndarray, ranks: np.ndarray) -> tuple[float, np.ndarray]:
    """Median CPU seconds of ``method(rows, ranks)`` over :data:`REPEATS`, and its result."""
    times = []
    for _ in range(REPEATS):
        started = time.process_time()
        out = method(rows, ranks)
        times.append(time.process_time() - started)
    return float(np.median(times)), out


def partitioned(rows: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """The previous method: partition every row's keys at every rank."""
    keys = sort_keys(rows)
    keys.partition(ranks, axis=1)
    return keys[:, ranks]


def main() -> None:
    """Print both methods' CPU time per row and check they agree."""
    rows = recorder_like(ROWS, COUNT)
    ranks = picks_of(COUNT)[0]
    before, expected = cpu(partitioned, rows, ranks)
    after, got = cpu(order_statistics, rows, ranks)
    assert np.array_equal(got, expected), "the methods disagree"
    print(f"{ROWS} rows x {COUNT} values, {len(ranks)} ranks (CPU, median of {REPEATS})")
    print(f"  np.partition of keys : {before / ROWS * 1e6:7.1f} us a row")
    print(f"  order_statistics     : {after / ROWS * 1e6:7.1f} us a row ({before / after:.2f}x)")


if __name__ == "__main__":
    main()
