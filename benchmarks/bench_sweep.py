"""Sweep and sensitivity throughput: prints figures against the issue's targets.

    python benchmarks/bench_sweep.py            # about 4-6 minutes on 2 cores
    python benchmarks/bench_sweep.py --quick    # smaller runs, for a smoke test

Figures:
  1. a 64-point LHS sweep x 5 quota levels x 1,000 replications on the default
     local pool: wall time, points/s, replications/s;
  2. the same sweep on 1 and 2 local workers and on a 2-worker LocalCluster:
     replications/s, 2-worker efficiency (speed-up / 2), Dask overhead vs the pool;
  3. Sobol at N=256 over every uncertain parameter of the baseline (1 replication
     a point: every uncertain parameter is pinned, nothing is left to replicate);
  4. Sobol of 12 parameters at N=1024 with 100 replications per point, measured
     (or, with --quick, extrapolated from N=128).
Timings on a shared machine are noisy: rerun before drawing conclusions.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from sim.experiments import evaluators, study
from sim.experiments.sweep import SweepOptions, plan, run

BASELINE = str(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml")
TWELVE = ("demand.budget_usd", "demand.growth.2026", "demand.growth.2027",
          "memory.stockpile_stacks", "memory.domestic_stacks.2026", "memory.domestic_stacks.2027",
          "foundries.smic.capacity.2026", "foundries.smic.expansion_realised",
          "vendors.huawei.products.ascend_910c.yield_curve.ceiling",
          "vendors.huawei.products.ascend_910c.yield_curve.learning_months",
          "segments.private.preference.2027", "events.h200_customs_release.date")


def main_cpu() -> float:
    """CPU seconds of this process (coordination, storing; the in-process Dask scheduler)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def timed_sweep(options: SweepOptions, evaluator, root: Path, name: str) -> tuple[float, ...]:
    """Wall seconds (plan, pool start-up, run; closing excluded), batch CPU and main CPU.

    Batch CPU (summed over the workers' batches) is the work done whatever else
    the machine runs; wall time is what a user waits.
    """
    started, cpu = time.perf_counter(), main_cpu()
    try:
        info = run(plan(options), root / name, evaluator, force=True)
        return time.perf_counter() - started, info["cpu_seconds"], main_cpu() - cpu
    finally:
        evaluator.close()


def sweeps(points: int, reps: int, root: Path) -> dict[str, tuple[float, ...]]:
    """The LHS sweep on each evaluator; a LocalCluster's start-up is timed on its own."""
    from distributed import Client, LocalCluster

    options = SweepOptions(BASELINE, sample="lhs", n=points, reps=reps, seed=1)
    warm = evaluators.LocalPool(1)._pool()  # start the forkserver (imports) outside the timings
    warm.submit(int).result()
    warm.shutdown()
    times = {"pool x1": timed_sweep(options, evaluators.LocalPool(1), root, "pool1"),
             "pool x2": timed_sweep(options, evaluators.LocalPool(2), root, "pool2")}
    started = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None)
    evaluator = evaluators.DaskEvaluator(Client(cluster), cluster)
    times["dask start"] = (time.perf_counter() - started, 0.0, 0.0)
    times["dask x2"] = timed_sweep(options, evaluator, root, "dask")
    return times


def sobol(n: int, reps: int | None, params: tuple[str, ...]) -> tuple[float, int]:
    """Wall time and point count of a Sobol study on the default local pool."""
    started = time.perf_counter()
    chosen = study.plan(study.StudyOptions(BASELINE, n=n, reps=reps, seed=1, params=params))
    evaluator = evaluators.LocalPool(os.cpu_count())
    study.run(chosen, evaluator)
    return time.perf_counter() - started, len(chosen.unit)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller runs (smoke test)")
    args = parser.parse_args()
    points, reps = (16, 250) if args.quick else (64, 1000)
    levels = 5
    print(f"chipsim sweep benchmark on {os.cpu_count()} cores (shared machine: timings are "
          f"noisy){' [quick]' if args.quick else ''}")
    with tempfile.TemporaryDirectory() as tmp:
        times = sweeps(points, reps, Path(tmp))
    total = points * reps
    print(f"\n1. LHS sweep: {points} points x {levels} quota levels x {reps} replications "
          f"({total:,} replications, {total * levels:,} replication-levels)")
    t2 = times["pool x2"][0]
    print(f"   local pool, 2 workers: {t2:.1f} s wall, {points / t2:.2f} points/s, "
          f"{total / t2:,.0f} replications/s ({total * levels / t2:,.0f} replication-levels/s)")
    print("\n2. Replications per second (wall, start-up included); CPU seconds in the workers' "
          "batches and in the main process")
    for name in ("pool x1", "pool x2", "dask x2"):
        wall, batch_cpu, own = times[name]
        print(f"   {name:<8} {total / wall:>8,.0f} replications/s  ({wall:5.1f} s wall, "
              f"batches {batch_cpu:5.1f} s CPU, main {own:4.1f} s CPU)")
    (t1, c1, _), (td, cd, _) = times["pool x1"], times["dask x2"]
    c2 = times["pool x2"][1]
    efficiency, overhead = t1 / t2 / 2, td / t2 - 1
    print(f"   LocalCluster start-up (not in the figures above): {times['dask start'][0]:.1f} s")
    print(f"   2-worker efficiency (wall): {efficiency:.0%}   (target >= 80%)   "
          f"{'MET' if efficiency >= 0.8 else 'NOT MET'}")
    print(f"   2-worker work efficiency (batch CPU, 1 worker / 2 workers): {c1 / c2:.0%} "
          "(the wall figure also needs two idle cores)")
    print(f"   Dask overhead vs local pool (wall): {overhead:+.0%}   (target < 15%)   "
          f"{'MET' if overhead < 0.15 else 'NOT MET'};  batch CPU {cd / c2 - 1:+.0%}")
    load = os.getloadavg()[0]
    print(f"   load average now: {load:.1f} on {os.cpu_count()} cores"
          f"{' (busy machine: wall-clock scaling understated)' if load > 2.5 else ''}")
    n_all = 64 if args.quick else 256
    seconds, count = sobol(n_all, None, ())
    print(f"\n3. Sobol, every uncertain parameter of the baseline, N={n_all}: {count:,} points x "
          f"1 replication in {seconds:.1f} s ({count / seconds:,.0f} points/s)")
    n12 = 128 if args.quick else 1024
    seconds, count = sobol(n12, 100, TWELVE)
    estimate = seconds * 1024 / n12
    how = "measured" if n12 == 1024 else f"extrapolated from N={n12} ({seconds:.1f} s)"
    print(f"4. Sobol, 12 parameters, N=1024, 100 replications per point "
          f"({count * 1024 // n12:,} points, {count * 1024 // n12 * 100:,} replications): "
          f"{estimate:.0f} s {how}   (target < 300 s)   {'MET' if estimate < 300 else 'NOT MET'}")


if __name__ == "__main__":
    sys.exit(main())
