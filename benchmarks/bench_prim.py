"""PRIM against EMA Workbench 2.5 on the same data: time, trajectory agreement, boxes side by side.

    python benchmarks/bench_prim.py            # about a minute on 2 cores
    python benchmarks/bench_prim.py --quick    # smaller data, for a smoke test

Figures:
  1. a planted problem (5,000 points x 10 inputs, two boxes in noise): seconds for
     chipsim's trajectory and EMA's find_box, and whether every step agrees;
  2. a real sweep (LHS over every uncertain parameter of the baseline, 1
     replication a point), the "target met" question of issue 12: chipsim's chosen
     box (significant limits, quasi-p, resampling stability) beside EMA's box at the
     same trajectory step, both quasi-p columns, and the feature scores of both.
Timings on a shared machine are noisy: the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from sim.experiments import discovery, findings, prim, targets
from sim.experiments.execution import Execution
from sim.experiments.sweep import SweepOptions, execute

BASELINE = str(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml")


def ema():
    """EMA's prim and feature_scoring modules (their optional-dependency warnings silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import feature_scoring
        from ema_workbench.analysis import prim as ema_prim
    return ema_prim, feature_scoring


def ema_box(x, y, names):
    import pandas as pd

    ema_prim, _ = ema()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = ema_prim.Prim(
            pd.DataFrame(x, columns=names),
            y.astype(int),
            threshold=1e-9,
            peel_alpha=prim.ALPHA,
            paste_alpha=prim.PASTE_ALPHA,
            mass_min=prim.MIN_MASS,
        )
        return run.find_box()


def agree(steps, box, names) -> bool:
    table = box.peeling_trajectory
    if len(steps) != len(table):
        return False
    for i, step in enumerate(steps):
        limits = box.box_lims[i][names].to_numpy(dtype=float)
        if (step.n, step.k) != (int(table["n"][i]), int(table["k"][i])) or not (
            np.allclose(limits[0], step.low, rtol=1e-12, atol=0)
            and np.allclose(limits[1], step.high, rtol=1e-12, atol=0)
        ):
            return False
    return True


def planted(n: int) -> None:
    rng = np.random.default_rng(1)
    x = rng.random((n, 10))
    y = ((x[:, 0] < 0.3) & (x[:, 2] > 0.6)) | ((x[:, 4] > 0.8) & (x[:, 5] < 0.3))
    y ^= rng.random(n) < 0.05
    names = [f"x{j}" for j in range(10)]
    started = time.perf_counter()
    steps = prim.trajectory(prim.Search.of(x, y))
    ours = time.perf_counter() - started
    started = time.perf_counter()
    box = ema_box(x, y, names)
    theirs = time.perf_counter() - started
    print(f"1. Planted problem, {n:,} points x 10 inputs, {len(steps)} trajectory steps")
    print(
        f"   chipsim trajectory {ours:.2f} s, EMA find_box {theirs:.2f} s "
        f"({theirs / ours:.1f}x); every step identical: {agree(steps, box, names)}"
    )


def real_sweep(root: Path, points: int) -> Path:
    out = root / "sweep"
    started = time.perf_counter()
    execute(
        SweepOptions(
            scenario_file=BASELINE,
            sample="lhs",
            n=points,
            seed=20251121,
            quotas=("announced",),
            metrics=("domestic_share_units",),
        ),
        Execution(out=str(out), progress=False),
    )
    print(
        f"\n2. Real sweep: LHS, {points} points over every uncertain parameter of the "
        f"baseline, 1 replication each ({time.perf_counter() - started:.1f} s)"
    )
    return out


def side_by_side(run_dir: Path) -> None:
    inputs = discovery.read_inputs(run_dir)
    probe = targets.parse("domestic_share_units@2027 >= 0")
    values = discovery.read_outputs(run_dir, probe, "announced", "national", len(inputs.x))
    threshold = float(np.quantile(values, 0.82))  # the target is met in about 18% of points
    target = targets.parse(f"domestic_share_units@2027 >= {threshold:.4f}")
    cases = target.met(values)
    print(f"   target: {target.words()} is met in {int(cases.sum())} of {len(cases)} points")
    started = time.perf_counter()
    found = discovery.discover(inputs, cases, boxes=1)
    scores = discovery.feature_scores(inputs, cases)
    ours = time.perf_counter() - started
    started = time.perf_counter()
    box = ema_box(inputs.x, cases, inputs.paths)
    box.resample(iterations=prim.RESAMPLES) if found else None
    _, feature_scoring = ema()
    import pandas as pd

    theirs_scores, _ = feature_scoring.get_ex_feature_scores(
        pd.DataFrame(inputs.x, columns=inputs.paths), cases.astype(int), random_state=inputs.seed
    )
    theirs = time.perf_counter() - started
    steps = prim.trajectory(prim.Search.of(inputs.x, cases))
    print(
        f"   trajectories: {len(steps)} steps, identical to EMA's: "
        f"{agree(steps, box, inputs.paths)}"
    )
    print(
        f"   whole discovery (boxes, quasi-p, significance, resampling, feature scores): "
        f"chipsim {ours:.2f} s, EMA {theirs:.2f} s"
    )
    if not found:
        print("   chipsim: no box beats the base rate")
        return
    show_boxes(inputs, found[0], box)
    show_scores(inputs, scores, theirs_scores)
    done = discovery.Discovery(
        target,
        discovery.DiscoverOptions(str(run_dir), "", find="met"),
        inputs,
        cases,
        found,
        scores,
        0,
        run_dir / "discover.csv",
    )
    print("   chipsim says: " + findings.sentence(done, 1, found[0]))


def show_boxes(inputs, found, box) -> None:
    step = found.step
    ema_limits = box.box_lims[step]
    ema_qp = box.qp[step]
    stats = box.peeling_trajectory.iloc[step]
    print(
        f"   chosen step {step}: chipsim (significant limits) coverage {found.box.coverage:.2f}"
        f" density {found.box.density:.2f} mass {found.box.mass:.2f} | EMA step {step}: "
        f"coverage {stats['coverage']:.2f} density {stats['density']:.2f} "
        f"mass {stats['mass']:.2f}"
    )
    print(
        f"   {'parameter':<52} {'chipsim limit':>22} {'qp':>8} {'stability':>12} | "
        f"{'EMA limit (same step)':>24} {'EMA qp':>8}"
    )
    kept = {(j, s) for j, s in found.quasi_p}
    for name, pair in ema_qp.items():
        j = inputs.paths.index(name)
        for k, side in enumerate(("low", "high")):
            if pair[k] < 0:
                continue
            ours = ""
            if (j, side) in kept:
                value = found.box.low[j] if side == "low" else found.box.high[j]
                ours = f"{'>=' if side == 'low' else '<='} {findings.shown(inputs, j, value, side)}"
            qp = f"{found.quasi_p[(j, side)]:.2g}" if (j, side) in kept else "dropped"
            stab = "/".join(f"{v:.0%}" for v in found.stability[j])
            theirs = f"{'>=' if side == 'low' else '<='} " + findings.shown(
                inputs, j, float(ema_limits[name].iloc[k]), side
            )
            print(f"   {name:<52} {ours:>22} {qp:>8} {stab:>12} | {theirs:>24} {pair[k]:8.2g}")


def show_scores(inputs, ours, theirs) -> None:
    order = np.argsort(-ours)[:5]
    print("   feature scores (extra trees, same seed): chipsim | EMA")
    for j in order:
        print(
            f"     {inputs.paths[j]:<56} {ours[j]:.3f} | "
            f"{float(theirs.loc[inputs.paths[j]].iloc[0]):.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller runs (smoke test)")
    args = parser.parse_args()
    print(
        f"chipsim PRIM benchmark against EMA Workbench on {os.cpu_count()} cores "
        f"(load average {os.getloadavg()[0]:.1f}){' [quick]' if args.quick else ''}"
    )
    planted(1000 if args.quick else 5000)
    with tempfile.TemporaryDirectory() as tmp:
        side_by_side(real_sweep(Path(tmp), 128 if args.quick else 256))


if __name__ == "__main__":
    sys.exit(main())
