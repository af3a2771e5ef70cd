"""Helpers for the experiment tests: small sweeps, file digests, and evaluators that fail.

A module (not conftest) so that worker processes can import its functions by name.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from sim.experiments.batch import run_batch
from sim.experiments.evaluators import LocalPool, Sequential
from sim.experiments.sweep import SweepOptions

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.toml")
CEILING = "vendors.huawei.products.ascend_910c.yield_curve.ceiling"
STACKS = "memory.domestic_stacks.2027"

# A small sweep: 2 listed values x 6 LHS points over the HBM parameters, 2 levels, 12 reps.
SMALL = SweepOptions(
    BASELINE, ((CEILING, ("0.5", "0.7")),), "lhs", 6, 12, 3, ("announced", "0.7"), ("memory.*",)
)


def digests(run_dir: Path) -> dict[str, str]:
    """SHA-256 of the files that must not depend on how a sweep ran."""
    return {
        name: hashlib.sha256((Path(run_dir) / name).read_bytes()).hexdigest()
        for name in ("points.csv", "results.parquet")
    }


class StopAfter(Sequential):
    """Runs batches in this process and raises KeyboardInterrupt after ``count`` of them."""

    def __init__(self, count: int):
        self.count = count

    def run(self, job, batches):
        """Yield ``count`` results, then interrupt as Ctrl-C would."""
        for done, result in enumerate(super().run(job, batches)):
            if done == self.count:
                raise KeyboardInterrupt
            yield result


def crash_once(marker: str, job, batch):
    """Kill this worker process the first time batch 1 runs (``marker`` records it)."""
    if batch.index == 1 and not Path(marker).exists():
        Path(marker).write_text("crashed")
        os._exit(9)
    return run_batch(job, batch)


class CrashingPool(LocalPool):
    """A local pool whose worker dies once, mid-sweep."""

    def __init__(self, workers: int, marker: Path):
        super().__init__(workers)
        self.task = functools.partial(crash_once, str(marker))
