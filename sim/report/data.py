"""Read a run, sweep or sensitivity directory into tidy structures for the figures.

A directory may hold any of: a run (summary.csv, replications.npz, and the
counterfactual effects.csv of ``chipsim explain``), a sweep (points.csv,
results.parquet), a sensitivity analysis (sensitivity.csv) and a
scenario-discovery result (discover.csv); manifest.json marks it complete.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.report.sources import Target, registry_for, targets_for
from sim.results.effects import FILENAME as EFFECTS_FILE
from sim.results.effects import Effects
from sim.results.readers import (
    check_listed_files,
    check_run_parts,
    read_csv_rows,
    read_effects_rows,
    read_manifest,
    read_replicates,
    read_summary,
)
from sim.results.reading import DamagedFile
from sim.results.reading import read_parquet as read_table_checked
from sim.scenario.convert import to_dataclass
from sim.scenario.errors import ScenarioError
from sim.scenario.evidence import Evidence
from sim.scenario.schema import Scenario
from sim.scenario.validate import validate

STATS = ("mean", "p05", "p25", "p50", "p75", "p95")


class RunDirError(ScenarioError):
    """A directory that is not a complete chipsim output (exit status 2 at the CLI)."""


def period_x(period: str) -> float:
    """Decimal year at the middle of a period: "2025" -> 2025.5, "2025-01" -> 2025.04."""
    if "Q" in period:
        year, quarter = period.split("Q")
        return int(year) + (int(quarter) - 0.5) / 4
    if "-" in period:
        year, month = period.split("-")
        return int(year) + (int(month) - 0.5) / 12
    return int(period) + 0.5


def period_kind(period: str) -> str:
    """Return "year", "quarter" or "month"."""
    return "quarter" if "Q" in period else "month" if "-" in period else "year"


@dataclass(frozen=True)
class Series:
    """One metric over time: period labels, decimal-year x and (n, 6) statistics."""

    periods: list[str]
    x: np.ndarray
    stats: np.ndarray

    def stat(self, name: str) -> np.ndarray:
        """One column of :data:`STATS`, e.g. ``series.stat("p50")``."""
        return self.stats[:, STATS.index(name)]


class Summary:
    """summary.csv indexed by (quota, metric, region, period)."""

    def __init__(self, rows: list[dict]):
        self.index = {
            (r["quota"], r["metric"], r["region"], r["period"]): np.array([r[s] for s in STATS])
            for r in rows
        }
        self.levels = list(dict.fromkeys(r["quota"] for r in rows))
        self.metrics = list(dict.fromkeys(r["metric"] for r in rows))

    def series(
        self, metric: str, quota: str, region: str = "national", kind: str = "year"
    ) -> Series:
        """Return the metric's periods of one kind, in time order."""
        keys = sorted(
            (
                k
                for k in self.index
                if k[:3] == (quota, metric, region) and period_kind(k[3]) == kind
            ),
            key=lambda k: period_x(k[3]),
        )
        periods = [k[3] for k in keys]
        stats = np.array([self.index[k] for k in keys]).reshape(len(keys), len(STATS))
        return Series(periods, np.array([period_x(p) for p in periods]), stats)

    def value(
        self, metric: str, quota: str, period: str, region: str = "national", stat: str = "p50"
    ) -> float:
        """One statistic, NaN when the row is absent."""
        row = self.index.get((quota, metric, region, period))
        return math.nan if row is None else float(row[STATS.index(stat)])

    def regions(self, metric: str) -> list[str]:
        """Regions that carry ``metric``, in file order."""
        return list(dict.fromkeys(k[2] for k in self.index if k[1] == metric))

    def metrics_like(self, prefix: str) -> list[str]:
        """Metrics named ``prefix.<part>`` (vendor_units.huawei ...), in file order."""
        return [m for m in self.metrics if m.startswith(prefix + ".")]


@dataclass
class SweepData:
    """A sweep: the varied parameters per point and per-point summary rows."""

    points: list[dict]
    parameters: list[str]
    results: list[dict]


@dataclass
class RunData:
    """Everything a report reads from one output directory."""

    path: Path
    manifest: dict
    summary: Summary | None = None
    replicates: dict[str, np.ndarray] | None = None
    sweep: SweepData | None = None
    sensitivity: list[dict] | None = None
    discover: list[dict] | None = None
    effects: Effects | None = None  # effects.csv: paired counterfactuals (None when absent)
    targets: list[Target] = field(default_factory=list)
    registry: dict[str, Evidence] = field(default_factory=dict)

    @property
    def kinds(self) -> list[str]:
        """What the directory holds: any of "run", "sweep", "sensitivity", "discover"."""
        found = [
            ("run", self.summary),
            ("sweep", self.sweep),
            ("sensitivity", self.sensitivity),
            ("discover", self.discover),
        ]
        return [name for name, part in found if part is not None]

    @property
    def name(self) -> str:
        """The scenario name, else the directory name."""
        return str(self.manifest.get("scenario_name") or self.path.name)

    def scenario(self) -> Scenario | None:
        """Return the resolved scenario stored in the manifest (None when absent or invalid)."""
        tree = self.manifest.get("scenario")
        if not isinstance(tree, dict):
            return None
        try:
            scenario = to_dataclass(Scenario, tree, "")
            validate(scenario)
        except ScenarioError:
            return None
        return scenario


def read_csv(path: Path) -> list[dict]:
    """Rows of a CSV file (bounded, checked read); numeric-looking cells become floats."""
    rows = read_csv_rows(path, allow_empty=True)
    return [{k: to_number(v) for k, v in row.items()} for row in rows]


def to_number(text):
    """Return a float for numeric text, NaN for an empty cell, else the text unchanged."""
    if text is None or text == "":
        return math.nan
    try:
        return float(text)
    except ValueError:
        return text


def read_parquet(path: Path) -> list[dict]:
    """Rows of a Parquet table (pyarrow is needed only for sweeps)."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise RunDirError(
            "reading a sweep needs pyarrow (pip install pyarrow)", file=str(path)
        ) from None
    return read_table_checked(path).to_pylist()


def read_sweep(path: Path) -> SweepData | None:
    """points.csv + results.parquet, when both are present."""
    points, results = path / "points.csv", path / "results.parquet"
    if not (points.is_file() and results.is_file()):
        return None
    rows = read_csv(points)
    parameters = [c for c in (rows[0] if rows else {}) if c != "point"]
    return SweepData(rows, parameters, read_parquet(results))


def load(path: str | Path, check: bool = True) -> RunData:
    """Read an output directory; a missing or incomplete one raises RunDirError.

    A file the manifest lists but the directory lacks, or a run's part that
    disagrees with the manifest (:func:`check_parts`), raises DamagedFile;
    ``check=False`` leaves the parts to the caller's own :func:`check_parts`.
    """
    path = Path(path)
    if not path.is_dir():
        raise RunDirError("not a directory", file=str(path))
    if not os.path.lexists(path / "manifest.json"):
        raise RunDirError(
            "no manifest.json: not a complete chipsim output directory", file=str(path)
        )
    manifest = read_manifest(path)  # bounded, type-checked: DamagedFile names the problem
    data = RunData(path, manifest)
    check_listed_files(path, manifest)
    try:
        if (path / "summary.csv").is_file():
            data.summary = Summary(read_summary(path / "summary.csv"))
        if (path / "replications.npz").is_file():
            data.replicates = read_replicates(path)
        data.sweep = read_sweep(path)
        if (path / EFFECTS_FILE).is_file():
            data.effects = Effects(read_effects_rows(path / EFFECTS_FILE))
        for name in ("sensitivity", "discover"):
            if (path / f"{name}.csv").is_file():
                setattr(data, name, read_csv(path / f"{name}.csv"))
    except DamagedFile:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise RunDirError(f"cannot read its outputs: {exc}", file=str(path)) from None
    if not data.kinds:
        raise RunDirError(
            "holds no summary.csv, sweep, sensitivity.csv or discover.csv", file=str(path)
        )
    if check:
        check_parts(data)
    data.registry = registry_for(manifest)
    data.targets = targets_for(manifest, data.registry)
    return data


def check_parts(data: RunData) -> None:
    """Refuse a run whose summary.csv, replications.npz or effects.csv disagree with its manifest.

    Each part must hold the manifest's quota levels, calendar years and
    replications (see :func:`sim.results.readers.check_run_parts`): one cut
    short or taken from another run raises DamagedFile naming it.
    """
    check_run_parts(
        data.path,
        data.manifest,
        data.summary.index if data.summary is not None else None,
        data.replicates,
        data.effects.rows if data.effects is not None else None,
    )
