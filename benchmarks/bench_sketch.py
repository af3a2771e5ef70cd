"""Accuracy, speed and memory of sim.model.sketch.RowSketch against exact statistics.

Draws ``--rows`` summary rows of realistic shapes (beta shares with some
undefined NaN values, lognormal counts and money, 0/1 flags, constant quota
targets, counts with exact zeros, signed flows), ``--values`` values each, in
blocks of ``--block``: each row has its own Generator stream, so the exact pass
re-draws a row's values alone. Prints, per statistic, the max and median
relative and absolute error against numpy (``np.quantile``'s linear method and
the mean, as sim.model.stats.summarise), the worst error as a share of the
documented bound ``alpha * max(|x_lo|, |x_hi|)``, the CPU time of ``add`` per
million values, and the sketch's peak traced memory.

    python benchmarks/bench_sketch.py [--rows 1275] [--values 1000000] [--alpha 0.001]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from sim.model.sketch import ALPHA, RowSketch
from sim.model.stats import STAT_NAMES, lerp, positions

KINDS = ("share", "count", "money", "flag", "target", "zeros", "flow")
WEIGHTS = (0.35, 0.25, 0.1, 0.1, 0.05, 0.1, 0.05)


def row_kinds(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's kind (index into KINDS) and two shape parameters in [0, 1)."""
    rng = np.random.default_rng([seed, 1 << 30])
    return rng.choice(len(KINDS), size=rows, p=WEIGHTS), rng.random((rows, 2))


def draw(rng: np.random.Generator, kind: int, shape: np.ndarray, size: int) -> np.ndarray:
    """``size`` values of one row of the given kind."""
    a, b = shape
    name = KINDS[kind]
    if name == "share":
        values = rng.beta(0.5 + 5 * a, 0.5 + 5 * b, size)
        values[rng.random(size) < 0.1 * a] = np.nan  # a share of nothing delivered
        return values
    if name in ("count", "zeros"):
        values = np.round(rng.lognormal(4 + 14 * a, 0.2 + 1.3 * b, size))
        if name == "zeros":
            values[rng.random(size) < 0.3] = 0.0
        return values
    if name == "money":
        return rng.lognormal(18 + 5 * a, 0.3 + b, size)
    if name == "flag":
        return (rng.random(size) < a).astype(np.float64)
    if name == "target":
        return np.full(size, np.round(1e6 * a, 1))
    return rng.normal(1e6 * (a - 0.5), 1e6 * (0.1 + b), size)  # flows of either sign


def sketch_pass(args, kinds, shapes) -> tuple[RowSketch, float, int]:
    """Add all blocks to one sketch: (sketch, CPU seconds in add, peak traced bytes in add)."""
    gens = [np.random.default_rng([args.seed, row]) for row in range(args.rows)]
    sketch = RowSketch(args.rows, args.alpha)
    cpu, peak = 0.0, 0
    for _ in range(args.values // args.block):
        block = np.stack(
            [draw(g, k, s, args.block) for g, k, s in zip(gens, kinds, shapes, strict=True)]
        )
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0] - sketch.nbytes
        start = time.process_time()
        sketch.add(block)
        cpu += time.process_time() - start
        peak = max(peak, tracemalloc.get_traced_memory()[1] - before)
    return sketch, cpu, peak


def exact_row(args, row: int, kind: int, shape: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """numpy's six statistics of one row and the bound of each quantile (NaN for the mean)."""
    rng = np.random.default_rng([args.seed, row])
    values = np.concatenate(
        [draw(rng, kind, shape, args.block) for _ in range(args.values // args.block)]
    )
    values = values[~np.isnan(values)]
    stats, bound = np.full(6, np.nan), np.full(6, np.nan)
    if values.size:
        lower, upper, weight = positions(values.size)
        lower, upper = lower % values.size, upper % values.size
        part = np.partition(values, np.unique(np.concatenate([lower, upper])))
        stats[0] = values.mean()
        stats[1:] = lerp(part[lower], part[upper], weight)
        bound[1:] = args.alpha * np.maximum(np.abs(part[lower]), np.abs(part[upper]))
    return stats, bound


def report(got: np.ndarray, exact: np.ndarray, bound: np.ndarray) -> None:
    """Print the error table, one line per statistic."""
    print(
        f"{'stat':5} {'max rel':>10} {'med rel':>10} {'max abs':>10} {'med abs':>10}"
        f" {'max err/bound':>14} {'exact rows':>10}"
    )
    for j, name in enumerate(STAT_NAMES):
        err = np.abs(got[:, j] - exact[:, j])
        defined = ~np.isnan(exact[:, j])
        nonzero = defined & (exact[:, j] != 0)
        rel = err[nonzero] / np.abs(exact[nonzero, j])
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.nanmax(np.where(bound[:, j] > 0, err / bound[:, j], 0)) if j else np.nan
        same = int((got[defined, j] == exact[defined, j]).sum())
        print(
            f"{name:5} {rel.max():10.3g} {np.median(rel):10.3g} {err[defined].max():10.3g}"
            f" {np.median(err[defined]):10.3g} {ratio:14.3f} {same:6d}/{defined.sum()}"
        )


def main() -> None:
    """Parse arguments, run both passes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1275)
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--block", type=int, default=10_000)
    parser.add_argument("--alpha", type=float, default=ALPHA)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    kinds, shapes = row_kinds(args.rows, args.seed)
    tracemalloc.start()
    sketch, cpu, peak = sketch_pass(args, kinds, shapes)
    tracemalloc.stop()
    start = time.process_time()
    got = sketch.summarise()
    cpu_summary = time.process_time() - start
    pairs = [exact_row(args, r, kinds[r], shapes[r]) for r in range(args.rows)]
    exact, bound = np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])
    millions = args.rows * (args.values // args.block) * args.block / 1e6
    print(
        f"{args.rows} rows x {args.values} values in blocks of {args.block}, "
        f"alpha {args.alpha}, seed {args.seed}"
    )
    print(
        f"add: {cpu:.2f} s CPU, {cpu / millions * 1e3:.1f} ms CPU per million values; "
        f"summarise: {cpu_summary:.2f} s CPU"
    )
    print(
        f"sketch state {sketch.nbytes / 2**20:.1f} MiB; peak traced in add (state + "
        f"temporaries, block excluded) {peak / 2**20:.1f} MiB; "
        f"histogram rows {int(sketch._bucketed.sum())}/{args.rows}"
    )
    report(got, exact, bound)


if __name__ == "__main__":
    main()
