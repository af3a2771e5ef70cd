"""What a sweep keeps, the disk that takes, and the check against the free space.

A sweep keeps, by default, what its analysis reads (``--keep annual``): the
chosen metrics' national values per calendar year, at every quota level
(``chipsim report`` and ``chipsim discover`` read nothing else). ``--keep
all`` keeps every summary row: every region, quarter and month, about 15
times as many rows.

Before any work the sweep estimates the disk it needs, points x rows kept x
bytes a row, and refuses (exit 2, nothing written) when the file system of
its directory has less room. The peak is reached while results.parquet is
assembled: the batch files are still there then. Bytes a row are measured
(``python benchmarks/bench_sweep.py --disk`` prints them); the estimate takes
the largest measured, so a sweep whose points share most values (a grid
over a few parameters) writes several times less than estimated.
"""

from __future__ import annotations

import shutil
from collections.abc import Set
from dataclasses import dataclass
from pathlib import Path

from sim.core.metrics import EFFECTS, M
from sim.model.recorder import RowFilter
from sim.scenario.errors import ScenarioError

KEEPS = {
    "annual": "national values per calendar year (what report and discover read)",
    "all": "every summary row: every region, quarter and month",
}
DEFAULT_KEEP = "annual"
NATIONAL = "national"
# Measured (benchmarks/bench_sweep.py --disk, baseline, 5 quota levels, zstd level 3): a
# Parquet row took 7.5 B where points share most values (a grid over two parameters: common
# random numbers) and at most 23.5 B where every value differs (LHS over every parameter at
# 1 replication, or over 3 groups at 20): the estimate is that largest figure with a margin,
# so the refusal errs on the safe side.
PARQUET_ROW = 30.0
BATCH_ROW = {True: 16.0, False: 48.0}  # a row in a batch file: 6 float64, or 2 (store.compact)
KEY_BYTES = 640.0  # a row's key in each batch file (4 fixed-width unicode strings)
POINT_BYTES = 24.0  # points.csv, per design cell (point x column)
SAFETY = 1.1  # headroom kept free beside the estimate
MB = 1e6


def row_filter(keep: str, metrics: tuple[str, ...], years: set[str]) -> RowFilter:
    """Rows a sweep keeps: ``metrics`` (all when empty) national per year, or every row."""
    chosen = frozenset(metrics) if metrics else None
    if keep == "all":
        return RowFilter(chosen)
    return RowFilter(chosen, frozenset({NATIONAL}), frozenset(years))


def years_of(periods: set[str]) -> set[str]:
    """Return the calendar years among ``periods`` (``2027``; not ``2027Q1``, ``2027-01``)."""
    return {p for p in periods if p.isdigit()}


def rows_per_point(
    rows: Set[tuple[str, str, str]], keep: RowFilter, levels: tuple[str, ...]
) -> int:
    """Count the result rows a point keeps: the model's ``rows`` and the level effects.

    The level effects (``level_effect.*``, national per year) exist when the
    announced quotas are among ``levels``.
    """
    model = sum(1 for row in rows if keep(*row))
    years = years_of({period for _, _, period in rows})
    effects = sum(
        1
        for member in EFFECTS
        for year in years
        if keep(f"{M.level_effect}.{member}", NATIONAL, year)
    )
    return (model + (effects if "announced" in levels else 0)) * len(levels)


def check_keep(
    keep: str, metrics: tuple[str, ...], rows: Set[tuple[str, str, str]], file: str
) -> None:
    """Refuse an unknown ``keep``, or a --metric with no row that ``keep`` keeps."""
    if keep not in KEEPS:
        raise ScenarioError(
            f"unknown choice {keep!r} (expected one of: {', '.join(KEEPS)})", "--keep", file
        )
    years = years_of({period for _, _, period in rows})
    kept = row_filter(keep, (), years)
    for metric in metrics:
        if not any(kept(m, r, p) for m, r, p in rows if m == metric):
            raise ScenarioError(
                f"metric {metric!r} has no national annual value (only quarterly "
                "or regional rows); pass --keep all to keep them",
                "--metric",
                file,
            )


@dataclass(frozen=True)
class Footprint:
    """Disk a sweep writes: results.parquet, and the batch files beside it while running."""

    points: int
    rows: int  # result rows a point
    single: bool  # one replication a point: the six statistics are equal
    batches: int
    columns: int  # design columns (points.csv)

    @property
    def final(self) -> float:
        """Bytes of the finished directory (results.parquet and points.csv)."""
        return self.points * (self.rows * PARQUET_ROW + POINT_BYTES * (self.columns + 1))

    def peak(self, stored: int = 0) -> float:
        """Bytes still to write at the peak: batches not yet ``stored``, then the Parquet file."""
        left = max(0, self.batches - stored) / max(self.batches, 1)
        batch_files = (
            left * self.points * self.rows * BATCH_ROW[self.single]
            + left * self.batches * self.rows * KEY_BYTES
        )
        return self.final + batch_files

    def describe(self) -> str:
        """One line: points x rows x bytes a row, the finished size and the peak (upper bounds)."""
        return (
            f"keeps {self.points:,} points x {self.rows:,} rows x <= {PARQUET_ROW:.0f} B: "
            f"results.parquet up to {size(self.final)} (less where points share values), "
            f"up to {size(self.peak())} on disk while it runs"
        )


def size(count: float) -> str:
    """Bytes in kB, MB or GB, e.g. ``61 MB``."""
    if count >= 1e9:
        return f"{count / 1e9:.1f} GB"
    if count < MB:
        return f"{count / 1e3:.0f} kB"
    return f"{count / MB:.0f} MB" if count >= 10 * MB else f"{count / MB:.1f} MB"


def free_bytes(path: Path) -> float | None:
    """Free space (for this user) on the file system that holds ``path`` or its nearest parent."""
    path = Path(path).absolute()
    for candidate in (path, *path.parents):
        if candidate.exists():
            try:
                return float(shutil.disk_usage(candidate).free)
            except OSError:
                return None
    return None


def check_disk(footprint: Footprint, target: Path, keep: str, stored: int = 0) -> None:
    """Refuse (ScenarioError, exit 2) a sweep needing more than the free space at ``target``."""
    needed, free = footprint.peak(stored), free_bytes(target)
    if free is None or needed * SAFETY <= free:
        return
    option = "--keep" if keep == "all" else "--metric"
    raise ScenarioError(
        f"a sweep of {footprint.points:,} points x {footprint.rows:,} result "
        f"rows a point needs up to {size(needed)} of disk in {target.parent}, "
        f"more than the {size(free)} "
        "free there; keep fewer rows (--metric M, or the default --keep annual "
        "instead of --keep all), evaluate fewer points, or choose an --out on a "
        "disk with more room",
        option,
    )
