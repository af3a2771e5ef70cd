"""Does ``restore_malloc`` (glibc mallopt in Dask workers) still pay? CPU and peak RSS.

    python benchmarks/bench_malloc.py                # 3 settings x 2 repeats, about 1 minute
    python benchmarks/bench_malloc.py --points 8 --reps 500 --repeats 1

Each setting runs the same small sweep's batches (one varied parameter, so
every point is ``--reps`` replications; a batch of a quarter of the points)
in a fresh child process, as a Dask worker runs them (``run_batch`` in one
process):
  plain     no MALLOC_TRIM_THRESHOLD_ (a local pool's worker);
  dask      MALLOC_TRIM_THRESHOLD_=65536, as Dask starts its workers;
  restored  the same environment, then ``restore_malloc()`` (mallopt) first.
It prints each child's CPU seconds (user + system) and peak RSS (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.toml")
CEILING = "vendors.huawei.products.ascend_910c.yield_curve.ceiling"  # the one varied parameter
SETTINGS = {
    "plain": ({}, False),
    "dask": ({"MALLOC_TRIM_THRESHOLD_": "65536"}, False),
    "restored": ({"MALLOC_TRIM_THRESHOLD_": "65536"}, True),
}


def child(points: int, reps: int, restore: bool) -> dict:
    """Run the sweep's batches here; return CPU seconds and peak RSS (MiB)."""
    from sim.experiments.batch import run_batch
    from sim.experiments.evaluators import restore_malloc
    from sim.experiments.sweep import SweepOptions, plan

    tuned = restore_malloc() if restore else False
    chosen = plan(
        SweepOptions(
            BASELINE,
            n=points,
            reps=reps,
            seed=1,
            quotas=("announced",),
            params=(CEILING,),
            batch=max(1, points // 4),
        )
    )
    assert chosen.job.replications == reps, "the sweep must replicate within a point"
    before = resource.getrusage(resource.RUSAGE_SELF)
    for index in range(chosen.batch_count):
        run_batch(chosen.job, chosen.batch(index))
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "cpu_s": round(cpu, 2),
        "peak_rss_mib": round(after.ru_maxrss / 1024, 1),
        "minor_faults": after.ru_minflt - before.ru_minflt,
        "tuned": tuned,
    }


def main() -> None:
    """Run every setting ``--repeats`` times, alternating, and print one line each."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=4)
    parser.add_argument("--reps", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--child", choices=sorted(SETTINGS))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.points, args.reps, SETTINGS[args.child][1])))
        return
    for repeat in range(args.repeats):
        for name, (env, _) in SETTINGS.items():
            base = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    name,
                    "--points",
                    str(args.points),
                    "--reps",
                    str(args.reps),
                ],
                env={**base, **env},
                capture_output=True,
                text=True,
                check=True,
            )
            print(f"{repeat} {name:9s} {out.stdout.strip()}", flush=True)


if __name__ == "__main__":
    main()
