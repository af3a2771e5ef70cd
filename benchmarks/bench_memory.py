"""Measure the coefficients of sim.model.budget's memory model and print them.

Runs variants of the baseline (replications, quota levels, buyer segments,
products, months), each in a fresh process, records the peak resident memory
(ru_maxrss), fits ``sim.model.budget.features`` to it by non-negative least
squares and prints the coefficients to paste into ``sim.model.budget.COEFFICIENTS``,
then each variant's measured peak beside the current and the refitted
estimate. Re-run after changing the model:

    nice -n 10 python benchmarks/bench_memory.py            # about 3 minutes on 2 cores
    nice -n 10 python benchmarks/bench_memory.py --quick    # fewer variants
    nice -n 10 python benchmarks/bench_memory.py --sweeps   # DESIGN_CELL and RESULT_ROW
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import nnls

from sim.model import budget

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import copy, json, resource, sys
from sim.model.ensemble import Blocking, SimulateOptions, simulate
from sim.scenario import load
reps, levels, segments, products, end = json.loads(sys.argv[1])
from sim.scenario.loader import resolve
from pathlib import Path
base = resolve(Path("scenarios/baseline.toml"), ())
extra = {}
seg = copy.deepcopy(base["segments"]["beijing"])
seg["demand_share"] = {"value": 0.01, "evidence": ["A9"]}
extra["segments"] = {f"extra_{k}": copy.deepcopy(seg) for k in range(segments)}
prod = copy.deepcopy(base["vendors"]["others"]["products"]["other"])
prod["mix"] = {"value": 0.001, "evidence": ["A4"]}
extra["vendors"] = {"others": {"products": {f"extra_{k}": copy.deepcopy(prod)
                                            for k in range(products)}}}
extra["calendar"] = {"end": end}
scenario = load("scenarios/baseline.toml", overrides=extra)
chosen = ["announced", "0.5", "0.7", "0.9", "1.0"][:levels]
simulate(scenario, reps, 1, chosen, SimulateOptions(narrow=True, blocking=Blocking(size=reps)))
from sim.model import budget
size = budget.scenario_size(scenario, reps, levels)
print(json.dumps({"size": size.__dict__,
                  "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


DESIGN_CHILD = r"""
import json, resource, sys
from sim.experiments.sweep import SweepOptions, plan
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
chosen = plan(SweepOptions("scenarios/baseline.toml", n=int(sys.argv[1])))
chosen.design.csv_text()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"cells": chosen.design.size * len(chosen.design.columns),
                  "bytes": (peak - before) * 1024}))
"""
SWEEP_CHILD = r"""
import json, resource, sys, tempfile
import pyarrow.parquet as pq
from sim.interfaces.cli import main
out = tempfile.mkdtemp() + "/sweep"
try:
    main(["sweep", "scenarios/baseline.toml", "--n", sys.argv[1], "--reps", "2", "--workers", "1",
          "--param", "memory.*", "--out", out], standalone_mode=False)
except SystemExit:
    pass
print(json.dumps({"rows": pq.read_metadata(out + "/results.parquet").num_rows,
                  "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def child(code: str, argument: str) -> dict:
    """Run ``code`` with one argument in a fresh interpreter; return its JSON line."""
    done = subprocess.run(
        [sys.executable, "-c", code, argument], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def sweeps() -> None:
    """Print DESIGN_CELL (bytes per design cell) and RESULT_ROW (bytes per result row)."""
    design = [child(DESIGN_CHILD, str(n)) for n in (50_000, 200_000)]
    cell = (design[1]["bytes"] - design[0]["bytes"]) / (design[1]["cells"] - design[0]["cells"])
    small, large = (child(SWEEP_CHILD, str(n)) for n in (64, 512))
    row = (large["peak"] - small["peak"]) / (large["rows"] - small["rows"])
    print(f"DESIGN_CELL = {cell:.1f}  (sim.model.budget: {budget.DESIGN_CELL})")
    print(f"RESULT_ROW = {row:.1f}  (sim.model.budget: {budget.RESULT_ROW})")


def variants(quick: bool) -> list[tuple]:
    """(replications, levels, extra segments, extra products, calendar end) to measure."""
    axes = [
        (4000, 16000) if quick else (4000, 16000, 40000),
        (1, 5),
        (0, 12),
        (0, 12),
        ("2027-12", "2029-12"),
    ]
    # A half fraction of the full grid (index sums even): every axis still varies.
    return [
        tuple(axis[i] for axis, i in zip(axes, index, strict=True))
        for index in itertools.product(*(range(len(a)) for a in axes))
        if sum(index) % 2 == 0
    ]


def measure(variant: tuple) -> dict:
    """Peak memory of one variant, run in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(variant)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sweeps", action="store_true")
    args = parser.parse_args()
    if args.sweeps:
        sweeps()
        return
    rows = []
    for variant in variants(args.quick):
        found = measure(variant)
        rows.append((budget.Size(**found["size"]), found["peak"]))
        print(f"measured {variant}: {found['peak'] / 2**20:.0f} MiB", file=sys.stderr)
    names = list(budget.COEFFICIENTS)
    matrix = np.array([[budget.features(size)[n] for n in names] for size, _ in rows])
    peaks = np.array([peak for _, peak in rows], dtype=float)
    fitted, _ = nnls(matrix / peaks[:, None], np.ones(len(peaks)))  # least relative error
    cover = max(peak / (row @ fitted) for row, peak in zip(matrix, peaks, strict=True))
    # Scaled so the estimate covers every measured peak: a refusal must never be a guess.
    coefficients = dict(zip(names, fitted * cover, strict=True))
    print(f"# fitted by least relative error, then scaled by {cover:.3f} to cover every peak")
    print("COEFFICIENTS = {")
    for name, value in coefficients.items():
        print(f"    {name!r}: {value:.4g},")
    print("}")
    print(f"{'size':<60} {'peak MiB':>9} {'current':>9} {'refit':>9}")
    for size, peak in rows:
        print(
            f"{str(tuple(size.__dict__.values())):<60} {peak / 2**20:>9.0f} "
            f"{budget.run_bytes(size) / 2**20:>9.0f} "
            f"{budget.run_bytes(size, coefficients) / 2**20:>9.0f}"
        )


if __name__ == "__main__":
    main()
