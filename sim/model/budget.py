"""Memory a run or a sweep will need, estimated before it starts, and the check against RAM.

A run's peak memory grows with replications times months, times the buyer
segments, the products and the quota levels simulated at once, plus the
per-replication outputs kept for every level. :func:`run_bytes` is that
linear model; its coefficients are measured, not guessed:
``python benchmarks/bench_memory.py`` runs small variants of the baseline,
records each one's peak resident memory and prints the fitted coefficients
to paste into :data:`COEFFICIENTS` (re-measure after changing the model).

A command refuses (exit 2, with the estimate) work whose estimate exceeds the
memory available to it, instead of being killed by the out-of-memory killer
halfway through.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sim.model.blocks import READ_BYTES as SPILL_READ
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario

GiB = 2**30
SAFETY = 1.1  # headroom kept free beside the estimate (which already covers every peak measured)
# Measured by benchmarks/bench_memory.py (bytes; see run_bytes for the features).
# Measured 2026-12-05 after issue 19's state diet (`--quick`: 16 variants, one Model each,
# peaks 78-948 MiB), fitted by least relative error, then scaled x1.14 so every measured
# peak is covered. Re-measure after changing the model.
COEFFICIENTS = {
    "base": 5.731e7,  # interpreter, numpy, scipy, simpy, the scenario
    "rep_month": 31.6,  # per replication-month: draws, paths, market state
    "rep_month_segment": 0.8417,  # ... per buyer segment
    "rep_month_product": 0.0,  # ... per product (domestic, import and grey market)
    "rep_month_level": 0.0,  # ... per quota level simulated at once
    "rep_month_level_segment": 2.929,  # ... per level and segment
    "rep_level_year": 189.8,  # kept outputs: per replication, level and year
    "rep_level_product": 152.0,  # state per replication, level and product (stocks)
    "rep_level_segment_product": 7.61,  # ... and per segment too (buyer-side import rules)
}
BLOCK_BYTES = 200 * 2**20  # simulation memory of one block of replications (all levels at once)


@dataclass(frozen=True)
class Size:
    """What a run's memory depends on."""

    replications: int
    levels: int
    segments: int
    products: int
    months: int

    @property
    def years(self) -> int:
        """Calendar years touched (at most one more than months / 12)."""
        return self.months // 12 + 1

    @property
    def concurrent_levels(self) -> int:
        """Quota levels simulated at once: all of them (blocks split replications, not levels)."""
        return self.levels


def features(size: Size) -> dict[str, float]:
    """Return the products of sizes each coefficient multiplies."""
    rm = float(size.replications) * size.months
    lc = size.concurrent_levels
    return {
        "base": 1.0,
        "rep_month": rm,
        "rep_month_segment": rm * size.segments,
        "rep_month_product": rm * size.products,
        "rep_month_level": rm * lc,
        "rep_month_level_segment": rm * lc * size.segments,
        "rep_level_year": float(size.replications) * size.levels * size.years,
        "rep_level_product": float(size.replications) * lc * size.products,
        "rep_level_segment_product": float(size.replications) * lc * size.products * size.segments,
    }


def run_bytes(size: Size, coefficients: dict[str, float] | None = None) -> float:
    """Estimated peak resident memory of a run of ``size`` in bytes."""
    coefficients = coefficients or COEFFICIENTS
    return sum(coefficients[name] * value for name, value in features(size).items())


def scenario_size(scenario: Scenario, replications: int, levels: int) -> Size:
    """Return the :class:`Size` of a run of ``scenario``."""
    from sim.core.calendar import parse_month

    months = parse_month(scenario.calendar.end) - parse_month(scenario.calendar.start) + 1
    products = (
        sum(len(v.products) for v in scenario.vendors.values())
        + len(scenario.imports)
        + len(scenario.grey_market)
    )
    return Size(replications, levels, len(scenario.segments), products, months)


def available_bytes() -> float | None:
    """Memory this process may still use: MemAvailable, capped by a cgroup or ulimit -v limit."""
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    if not found and hasattr(os, "sysconf"):
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError):
            pass
    found += cgroup_room() + address_room()
    return float(min(found)) if found else None


def address_room() -> list[int]:
    """Room left under an address-space limit (``ulimit -v``), when there is one.

    Under it an allocation fails (MemoryError) once the process's mapped
    memory would pass the limit, whatever memory the machine has free.
    """
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    except (ImportError, AttributeError, OSError, ValueError):
        return []
    if soft == resource.RLIM_INFINITY or soft < 0:
        return []
    used = 0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                used = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return [max(0, soft - used)]


def cgroup_room() -> list[int]:
    """Room left under a cgroup v2 memory limit, when there is one."""
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
    except (OSError, ValueError):
        return []
    return [] if limit == "max" else [max(0, int(limit) - used)]


def check_fits(needed: float, what: str, hint: str, key: str = "--reps") -> None:
    """Raise ScenarioError (exit 2) when ``needed`` bytes exceed what is available."""
    room = available_bytes()
    if room is not None and needed * SAFETY > room:
        raise ScenarioError(
            f"{what} needs about {needed / GiB:.1f} GiB of memory, more than "
            f"the {room / GiB:.1f} GiB available; {hint}",
            key,
        )


def simulation_bytes(size: Size) -> float:
    """Memory of simulating ``size`` beyond the interpreter and the kept outputs."""
    return (
        run_bytes(size)
        - COEFFICIENTS["base"]
        - COEFFICIENTS["rep_level_year"] * float(size.replications) * size.levels * size.years
    )


def block_replications(scenario: Scenario, levels: int, budget: float = BLOCK_BYTES) -> int:
    """Replications a block holds within ``budget`` bytes of simulation memory (at least 1)."""
    per = simulation_bytes(scenario_size(scenario, 1, levels))
    return max(1, int(budget // max(per, 1.0)))


def blocked_bytes(size: Size, block: int, workers: int = 1, kept: bool = True) -> float:
    """Estimated peak of a run in blocks of ``block`` replications on ``workers`` processes.

    Each process simulates one block at a time; the parent holds every
    replication's kept outputs (``kept``; not when they go to disk) and, once
    blocks are done, reads their spilled rows a few at a time to summarise.
    """
    block = min(block, size.replications)
    one = Size(block, size.levels, size.segments, size.products, size.months)
    held = COEFFICIENTS["rep_level_year"] * float(size.replications) * size.levels * size.years
    merging = 8 * SPILL_READ if block < size.replications else 0.0  # read, joined, summarised
    return (
        COEFFICIENTS["base"]
        + max(1, workers) * simulation_bytes(one)
        + (held if kept else 0.0)
        + merging
    )


def check_run_fits(
    scenario: Scenario,
    replications: int,
    levels: int,
    workers: int = 1,
    exact: bool = True,
    block: int | None = None,
) -> None:
    """Refuse a run whose estimated memory (every worker process) exceeds what is available.

    ``block``: replications a block (None: :func:`block_replications`);
    ``exact``: whether every replication's kept outputs are held in memory.
    """
    size = scenario_size(scenario, replications, levels)
    needed = blocked_bytes(size, block or block_replications(scenario, levels), workers, exact)
    check_fits(
        needed,
        f"a run of {replications:,} replications at {levels} quota level(s)"
        + (f" on {workers} workers" if workers > 1 else ""),
        "use fewer --reps (or quota levels, or --workers), or a machine with more memory",
    )


def summary_rows(scenario: Scenario, levels: int) -> int:
    """Return an upper bound on a run's summary rows (every metric at every period and level)."""
    from sim.core.metrics import ALL, BOUND, MONTH, NATIONAL, QUARTER, YEAR, names

    size = scenario_size(scenario, 1, levels)
    regions = 1 + size.segments
    per_level = (
        len(names(MONTH, NATIONAL)) * size.months
        + len(names(QUARTER, NATIONAL)) * (size.months // 3 + 1)
        + (len(names(YEAR, ALL)) * regions + len(names(YEAR, BOUND)) * size.segments) * size.years
    )
    return per_level * levels


def spill_bytes(
    scenario: Scenario, replications: int, levels: int, exact: bool, workers: int = 1
) -> float:
    """Disk a blocked run writes: every row's values (exact), or a block's and the kept values."""
    rows = summary_rows(scenario, levels)
    if exact:
        return 8.0 * rows * replications
    size = scenario_size(scenario, replications, levels)
    block = min(replications, block_replications(scenario, levels))
    return (
        8.0 * rows * block * (max(1, workers) + 1)
        + COEFFICIENTS["rep_level_year"] * float(replications) * levels * size.years
    )


def free_disk(folder: str | Path) -> float | None:
    """Bytes free on the file system of ``folder`` (None when it cannot be told)."""
    import shutil

    try:
        return float(shutil.disk_usage(folder).free)
    except OSError:
        return None


def check_disk_fits(
    needed: float, folder: str | Path, what: str, hint: str, key: str = "--reps"
) -> None:
    """Raise ScenarioError (exit 2) when ``needed`` bytes exceed the free disk at ``folder``."""
    room = free_disk(folder)
    if room is not None and needed * SAFETY > room:
        raise ScenarioError(
            f"{what} needs about {needed / GiB:.1f} GiB of disk in {folder}, "
            f"more than the {room / GiB:.1f} GiB free; {hint}",
            key,
        )


# Sweeps and sensitivity studies (bytes; measured with benchmarks/bench_memory.py --designs).
DESIGN_CELL = 48.0  # per design cell (point x parameter): samples, table and points.csv text
RESULT_ROW = 75.0  # per result row (point x summary row) while results.parquet is assembled
BATCH_REPLICATIONS = 4096  # mirrors sim.experiments.sweep.BATCH_REPLICATIONS


def design_bytes(points: int, columns: int) -> float:
    """Estimated memory of a design of ``points`` x ``columns`` (samples, table, text)."""
    return COEFFICIENTS["base"] + DESIGN_CELL * float(points) * max(columns, 1)


def check_design_fits(points: int, columns: int, key: str = "--n") -> None:
    """Refuse, before it is drawn, a design too large for the memory available."""
    check_fits(
        design_bytes(points, columns),
        f"a design of {points:,} points x {columns} parameters",
        "use a smaller --n (or fewer --set values or --param globs)",
        key,
    )


def check_sweep_fits(
    scenario: Scenario,
    points: int,
    columns: int,
    rows_per_point: int,
    levels: int,
    workers: int,
    batch_replications: int = BATCH_REPLICATIONS,
) -> None:
    """Refuse a sweep whose design, batches in flight or assembled results exceed memory.

    A batch simulates ``batch_replications`` (its points x replications) at every level.
    """
    batch = run_bytes(scenario_size(scenario, batch_replications, levels))
    needed = (
        design_bytes(points, columns)
        + workers * batch
        + RESULT_ROW * float(points) * rows_per_point
    )
    check_fits(
        needed,
        f"a sweep of {points:,} points ({rows_per_point:,} result rows each)",
        "use a smaller --n, fewer quota levels or --metric to keep fewer rows",
        "--n",
    )


# Calibrations (chipsim calibrate): one level, the ABC draws simulated a chunk at a time.
def calibration_bytes(
    scenario: Scenario, draws: int, replications: int, chunk: int, columns: int
) -> dict[str, float]:
    """Estimated peaks of a calibration's two stages, by the option that sizes each.

    ``--reps``: a before/after check simulates ``replications`` at one level
    while the other check's per-replication outputs are kept. ``--n``: the
    ABC simulates ``chunk`` replications at a time beside the design of
    ``draws`` x ``columns`` (the parameters drawn and every draw's target
    values, counted as a design's cells: the sampler's temporaries included).
    """
    checks = scenario_size(scenario, replications, 1)
    return {
        "--reps": run_bytes(checks) + COEFFICIENTS["rep_level_year"] * replications * checks.years,
        "--n": run_bytes(scenario_size(scenario, chunk, 1))
        + DESIGN_CELL * float(draws) * max(columns, 1),
    }


def check_calibration_fits(
    scenario: Scenario, draws: int, replications: int, chunk: int, columns: int
) -> None:
    """Refuse a calibration whose estimated peak exceeds the memory available (ScenarioError)."""
    stages = calibration_bytes(scenario, draws, replications, chunk, columns)
    key = max(stages, key=stages.__getitem__)
    check_fits(
        stages[key],
        f"a calibration of {draws:,} draws with {replications:,}-replication checks",
        "use a smaller --n or --reps (or fewer --params), or a machine with more memory",
        key,
    )
