"""Sweep and sensitivity throughput: prints figures against the issue's targets.

    python benchmarks/bench_sweep.py            # about 8-10 minutes on 2 cores
    python benchmarks/bench_sweep.py --quick    # smaller runs, for a smoke test
    python benchmarks/bench_sweep.py --grid     # only figure 5 (grid vs run)
    python benchmarks/bench_sweep.py --disk     # only figure 6 (bytes a result row)
    python benchmarks/bench_sweep.py --sobol    # only figure 4 (Sobol, 12 parameters)

Figures:
  1. a 64-point LHS sweep x 5 quota levels x 1,000 replications on the default
     local pool: wall time, points/s, replications/s;
  2. the same sweep on 1 and 2 local workers and on a 2-worker LocalCluster:
     replications/s, 2-worker efficiency (speed-up / 2), Dask overhead vs the pool;
  3. Sobol at N=256 over every uncertain parameter of the baseline (1 replication
     a point: every uncertain parameter is pinned, nothing is left to replicate);
  4. Sobol of 12 parameters at N=1024 with 100 replications per point, measured
     (or, with --quick, extrapolated from N=128);
  5. a 20,000-point grid at 1 replication a point against a 20,000-replication
     ``chipsim run`` (both in one process, every quota level): wall and CPU time
     of the child processes, and their output sizes (goal: within 3x the run's
     time, default output under 100 MB);
  6. bytes a result row takes in results.parquet and in the batch files, at 1
     and at 20 replications a point (the figures of sim.experiments.footprint).
Timings on a shared machine are noisy: rerun before drawing conclusions; CPU
time (user + system of the children) is the figure to compare.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from child import measure

from sim.experiments import evaluators, footprint, study
from sim.experiments.sweep import SweepOptions, plan, run

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.toml")
CEILING = "vendors.huawei.products.ascend_910c.yield_curve.ceiling"
STACKS = "memory.domestic_stacks.2027"
TWELVE = (
    "demand.budget_usd",
    "demand.growth.2026",
    "demand.growth.2027",
    "memory.stockpile_stacks",
    "memory.domestic_stacks.2026",
    "memory.domestic_stacks.2027",
    "foundries.smic.capacity.2026",
    "foundries.smic.expansion_realised",
    "vendors.huawei.products.ascend_910c.yield_curve.ceiling",
    "vendors.huawei.products.ascend_910c.yield_curve.learning_months",
    "segments.private.preference.2027",
    "events.h200_customs_release.date",
)


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
    times = {
        "pool x1": timed_sweep(options, evaluators.LocalPool(1), root, "pool1"),
        "pool x2": timed_sweep(options, evaluators.LocalPool(2), root, "pool2"),
    }
    started = time.perf_counter()
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    evaluator = evaluators.DaskEvaluator(Client(cluster), cluster)
    times["dask start"] = (time.perf_counter() - started, 0.0, 0.0)
    times["dask x2"] = timed_sweep(options, evaluator, root, "dask")
    return times


class CountingPool(evaluators.LocalPool):
    """The default local pool, summing the CPU seconds its batches report."""

    cpu = 0.0

    def run(self, job, batches):
        """Yield results as the pool does, adding up each batch's CPU time."""
        for result in super().run(job, batches):
            self.cpu += result.cpu_seconds
            yield result


def sobol(n: int, reps: int | None, params: tuple[str, ...]) -> tuple[float, int, float]:
    """Wall time, point count and batch CPU seconds of a Sobol study on the default pool."""
    started = time.perf_counter()
    chosen = study.plan(study.StudyOptions(BASELINE, n=n, reps=reps, seed=1, params=params))
    evaluator = CountingPool(os.cpu_count())
    study.run(chosen, evaluator)
    return time.perf_counter() - started, len(chosen.unit), evaluator.cpu


def directory_bytes(path: Path) -> int:
    """Bytes of every file under ``path``."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def grid_args(points: int, reps: int, out: Path, extra: tuple[str, ...] = ()) -> list[str]:
    """``chipsim sweep``: a grid of ``points`` over two drawn parameters, one process."""
    first = 40 if points >= 400 else 4
    values = (np.linspace(0.45, 0.75, first), np.linspace(3e6, 1.2e7, points // first))
    sets = [
        x
        for path, v in zip((CEILING, STACKS), values, strict=True)
        for x in ("--set", f"{path}={','.join(f'{u:.6g}' for u in v)}")
    ]
    return [
        sys.executable,
        "-m",
        "sim",
        "sweep",
        BASELINE,
        *sets,
        "--reps",
        str(reps),
        "--workers",
        "1",
        "--out",
        str(out),
        "--force",
        *extra,
    ]


def grid_against_run(points: int, root: Path) -> None:
    """Figure 5: the grid at 1 replication a point against a run of as many replications."""
    run_args = [
        sys.executable,
        "-m",
        "sim",
        "run",
        BASELINE,
        "--reps",
        str(points),
        "--workers",
        "1",
        "--explain-reps",
        "0",
        "--out",
        str(root / "run"),
        "--force",
    ]
    swept = measure(grid_args(points, 1, root / "grid"), ROOT)  # first: children's peak is a max
    ran = measure(run_args, ROOT)
    run_mb, grid_mb = directory_bytes(root / "run") / 1e6, directory_bytes(root / "grid") / 1e6
    print(
        f"\n5. {points:,}-point grid x 1 replication vs a {points:,}-replication run "
        "(every quota level, one process each)"
    )
    for name, (wall, cpu, peak), size in (("run", ran, run_mb), ("grid", swept, grid_mb)):
        print(
            f"   {name:<5} {wall:6.1f} s wall  {cpu:6.1f} s CPU  peak {peak:5.0f} MB  "
            f"output {size:6.1f} MB"
        )
    ratio = swept[1] / ran[1]
    print(
        f"   grid / run CPU: {ratio:.2f}x  (goal <= 3x)  {'MET' if ratio <= 3 else 'NOT MET'};"
        f"  wall {swept[0] / ran[0]:.2f}x;  default output {grid_mb:.0f} MB "
        f"(goal < 100 MB)  {'MET' if grid_mb < 100 else 'NOT MET'}"
    )


def row_bytes(root: Path, quick: bool) -> None:
    """Figure 6: bytes a result row takes, measured on three designs (vs footprint's figures)."""
    print(
        "\n6. Bytes a result row: results.parquet, and batch files while running "
        "(sim.experiments.footprint's figures in brackets)"
    )
    scale = 4 if quick else 1
    designs = {
        "grid, 2 parameters, 1 rep": SweepOptions(
            BASELINE,
            sets=(
                (CEILING, tuple(f"{v:.3f}" for v in np.linspace(0.45, 0.75, 10))),
                (STACKS, tuple(f"{v:.0f}" for v in np.linspace(3e6, 12e6, 100 // scale))),
            ),
            reps=1,
            seed=1,
        ),
        "LHS, every parameter, 1 rep": SweepOptions(
            BASELINE, sample="lhs", n=1000 // scale, reps=1, seed=1
        ),
        "LHS, 3 groups, 20 reps": SweepOptions(
            BASELINE,
            sample="lhs",
            n=200 // scale,
            reps=20,
            seed=1,
            params=("vendors.*", "demand.*", "memory.*"),
        ),
    }
    for name, options in designs.items():
        chosen = plan(options)
        rows = chosen.design.size * chosen.rows_per_point
        stored = batch_file_bytes(chosen, root / "rows")
        parquet = (root / "rows" / "results.parquet").stat().st_size
        single = chosen.job.replications == 1
        print(
            f"   {name:<28} {rows:>9,} rows: Parquet {parquet / rows:5.1f} B a row "
            f"[<= {footprint.PARQUET_ROW:.0f}], batch files {stored / rows:5.1f} B a row "
            f"[{footprint.BATCH_ROW[single]:.0f} + keys]"
        )


def batch_file_bytes(chosen, out: Path) -> int:
    """Run the sweep in this process; return the bytes of its batch files as they were stored."""
    from sim.experiments.store import RunStore

    real, sizes = RunStore.write, []

    def write(store, result):
        real(store, result)
        sizes.append((store.batches / f"b{result.index:06d}.npz").stat().st_size)

    RunStore.write = write
    try:
        run(chosen, out, evaluators.Sequential(), force=True)
    finally:
        RunStore.write = real
    return sum(sizes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller runs (smoke test)")
    parser.add_argument("--grid", action="store_true", help="only figure 5 (grid vs run)")
    parser.add_argument("--disk", action="store_true", help="only figure 6 (bytes a row)")
    parser.add_argument("--sobol", action="store_true", help="only figure 4 (Sobol, 12)")
    args = parser.parse_args()
    print(
        f"chipsim sweep benchmark on {os.cpu_count()} cores (shared machine: timings are "
        f"noisy){' [quick]' if args.quick else ''}"
    )
    only = args.grid or args.disk or args.sobol
    if not only:
        throughput(args.quick)
    if args.sobol or not only:
        sobol_twelve(args.quick)
    with tempfile.TemporaryDirectory() as tmp:
        if args.grid or not only:
            grid_against_run(2_000 if args.quick else 20_000, Path(tmp))
        if args.disk or not only:
            row_bytes(Path(tmp), args.quick)


def throughput(quick: bool) -> None:
    """Figures 1-3: an LHS sweep on each evaluator, and Sobol over every parameter."""
    points, reps = (16, 250) if quick else (64, 1000)
    levels = 5
    with tempfile.TemporaryDirectory() as tmp:
        times = sweeps(points, reps, Path(tmp))
    total = points * reps
    print(
        f"\n1. LHS sweep: {points} points x {levels} quota levels x {reps} replications "
        f"({total:,} replications, {total * levels:,} replication-levels)"
    )
    t2 = times["pool x2"][0]
    print(
        f"   local pool, 2 workers: {t2:.1f} s wall, {points / t2:.2f} points/s, "
        f"{total / t2:,.0f} replications/s ({total * levels / t2:,.0f} replication-levels/s)"
    )
    print(
        "\n2. Replications per second (wall, start-up included); CPU seconds in the workers' "
        "batches and in the main process"
    )
    for name in ("pool x1", "pool x2", "dask x2"):
        wall, batch_cpu, own = times[name]
        print(
            f"   {name:<8} {total / wall:>8,.0f} replications/s  ({wall:5.1f} s wall, "
            f"batches {batch_cpu:5.1f} s CPU, main {own:4.1f} s CPU)"
        )
    efficiency_lines(times)
    n_all = 64 if quick else 256
    seconds, count, _ = sobol(n_all, None, ())
    print(
        f"\n3. Sobol, every uncertain parameter of the baseline, N={n_all}: {count:,} points x "
        f"1 replication in {seconds:.1f} s ({count / seconds:,.0f} points/s)"
    )


def efficiency_lines(times: dict) -> None:
    """Print 2-worker efficiency and the Dask overhead of figure 2."""
    (t1, c1, _), (td, cd, _) = times["pool x1"], times["dask x2"]
    t2, c2 = times["pool x2"][0], times["pool x2"][1]
    efficiency, overhead = t1 / t2 / 2, td / t2 - 1
    print(f"   LocalCluster start-up (not in the figures above): {times['dask start'][0]:.1f} s")
    print(
        f"   2-worker efficiency (wall): {efficiency:.0%}   (target >= 80%)   "
        f"{'MET' if efficiency >= 0.8 else 'NOT MET'}"
    )
    print(
        f"   2-worker work efficiency (batch CPU, 1 worker / 2 workers): {c1 / c2:.0%} "
        "(the wall figure also needs two idle cores)"
    )
    print(
        f"   Dask overhead vs local pool (wall): {overhead:+.0%}   (target < 15%)   "
        f"{'MET' if overhead < 0.15 else 'NOT MET'};  batch CPU {cd / c2 - 1:+.0%}"
    )
    load = os.getloadavg()[0]
    print(
        f"   load average now: {load:.1f} on {os.cpu_count()} cores"
        f"{' (busy machine: wall-clock scaling understated)' if load > 2.5 else ''}"
    )


def sobol_twelve(quick: bool) -> None:
    """Figure 4: Sobol of 12 parameters, N=1024, 100 replications a point (CPU and wall)."""
    n12 = 128 if quick else 1024
    seconds, count, cpu = sobol(n12, 100, TWELVE)
    scale = 1024 / n12
    how = "measured" if n12 == 1024 else f"extrapolated from N={n12} ({seconds:.1f} s)"
    print(
        f"\n4. Sobol, 12 parameters, N=1024, 100 replications per point "
        f"({int(count * scale):,} points, {int(count * scale) * 100:,} replications): "
        f"{seconds * scale:.0f} s wall, {cpu * scale:.0f} s CPU in the batches, {how} "
        f"(141 s wall on main before issue 19); load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    sys.exit(main())
