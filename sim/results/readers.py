"""Read back what chipsim wrote in a run, sweep or sensitivity directory, checked.

Every reader goes through :mod:`sim.results.reading` (regular files only,
bounded sizes) and checks the shape of what it parsed: a manifest that is a
list or a string, fields of the wrong type, a CSV without its columns or
rows, a garbage or truncated .npz or Parquet file all raise one
:class:`~sim.results.reading.DamagedFile` naming the file and what is wrong
(exit status 2 at the CLI), never a traceback from deep inside a parser.

A run's parts are also checked against its manifest (:func:`check_run_parts`):
every file the manifest lists exists; replications.npz holds the manifest's
quota levels, years and replications; summary.csv the national annual rows of
every headline metric (:func:`sim.core.metrics.headline`) at every level and
calendar year; effects.csv the manifest's levels. A part cut short or taken
from another run is refused instead of read as if it were whole.
"""

from __future__ import annotations

import csv
import io
import math
import os
import stat
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.core.calendar import parse_month
from sim.core.metrics import headline
from sim.results.reading import DamagedFile, open_npz, read_json_object, read_parquet, read_text
from sim.scenario.errors import short

# Manifest fields readers use, and the JSON type each must have when present.
MANIFEST_TYPES = {
    "kind": str,
    "scenario_file": str,
    "scenario_name": str,
    "scenario_hash": str,
    "scenario": dict,
    "seed": int,
    "replications": int,
    "quota_levels": list,
    "calendar": dict,
    "versions": dict,
    "files": list,
    "parameters": list,
    "settings": dict,
    "description": str,
    "points": int,
}
SWEEP_REQUIRED = ("parameters", "settings")
STAT_COLUMNS = ("mean", "p05", "p25", "p50", "p75", "p95")


def read_manifest(directory: str | Path, kind: str | None = None) -> dict:
    """manifest.json of ``directory``, its known fields type-checked (``kind``: "sweep")."""
    path = Path(directory) / "manifest.json"
    data = read_json_object(path)
    for name, expected in MANIFEST_TYPES.items():
        value = data.get(name)
        if value is not None and (not isinstance(value, expected) or isinstance(value, bool)):
            raise DamagedFile(
                path,
                f"field {name!r} should be a JSON "
                f"{_json_name(expected)}, found {type(value).__name__}",
            )
    calendar = data.get("calendar")
    if calendar is not None and not all(isinstance(calendar.get(k), str) for k in ("start", "end")):
        raise DamagedFile(path, "field 'calendar' should hold 'start' and 'end' months")
    if not all(isinstance(x, str) for x in data.get("quota_levels") or []):
        raise DamagedFile(path, "field 'quota_levels' should list quota levels as strings")
    if kind == "sweep":
        check_sweep_manifest(path, data)
    return data


def check_sweep_manifest(path: Path, data: dict) -> None:
    """Check a sweep's manifest: kind "sweep", and parameters each with a path and a kind."""
    if data.get("kind") != "sweep":
        raise DamagedFile(path, 'not a sweep\'s manifest (kind is not "sweep")')
    for name in SWEEP_REQUIRED:
        if name not in data:
            raise DamagedFile(path, f"field {name!r} is missing")
    for item in data["parameters"]:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("path"), str)
            and isinstance(item.get("kind"), str)
        ):
            raise DamagedFile(
                path, "field 'parameters' should list objects with a 'path' and a 'kind'"
            )


def read_csv_rows(
    path: str | Path, columns: tuple[str, ...] = (), allow_empty: bool = False
) -> list[dict]:
    """Rows of a CSV file as dicts; the header must hold ``columns`` and rows must be whole."""
    path = Path(path)
    text = read_text(path)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = reader.fieldnames or []
        rows = list(reader)
    except csv.Error as exc:
        raise DamagedFile(path, f"not a readable CSV file ({exc})") from None
    missing = [c for c in columns if c not in header]
    if missing:
        raise DamagedFile(path, f"columns missing from the header: {', '.join(missing)}")
    if not rows and not allow_empty:
        raise DamagedFile(path, "holds a header but no rows (truncated?)")
    for number, row in enumerate(rows, 2):
        if None in row or any(value is None for value in row.values()):
            raise DamagedFile(
                path,
                f"line {number} has {'more' if None in row else 'fewer'} "
                "cells than the header (truncated?)",
            )
    return rows


def read_summary(path: str | Path) -> list[dict]:
    """Rows of summary.csv; statistics as floats (NaN where empty)."""
    rows = read_csv_rows(path, ("quota", "metric", "region", "period", *STAT_COLUMNS))
    for number, row in enumerate(rows, 2):
        for name in STAT_COLUMNS:
            row[name] = number_cell(row[name], path, number, name)
    return rows


def number_cell(text: str, path, line: int, column: str) -> float:
    """Parse a statistic's cell: a finite number, or empty (NaN)."""
    if text == "":
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise DamagedFile(
            path, f"line {line}, column {column}: expected a number, got {text[:40]!r}"
        ) from None
    if not math.isfinite(value):
        raise DamagedFile(path, f"line {line}, column {column}: {text!r} is not a finite number")
    return value


def read_replicates(directory: str | Path) -> dict[str, np.ndarray]:
    """Arrays of replications.npz: quota_levels, years and national.* (levels, reps, years)."""
    path = Path(directory) / "replications.npz"
    arrays = open_npz(path)
    for name in ("quota_levels", "years"):
        if name not in arrays or arrays[name].ndim != 1:
            raise DamagedFile(path, f"array {name!r} is missing or not one-dimensional")
    shape = (len(arrays["quota_levels"]), len(arrays["years"]))
    for name, array in arrays.items():
        if name.startswith("national.") and (
            array.ndim != 3 or array.dtype.kind != "f" or (array.shape[0], array.shape[2]) != shape
        ):
            raise DamagedFile(
                path,
                f"array {name!r} should be floats of shape (levels, "
                f"replications, years) = ({shape[0]}, R, {shape[1]}), "
                f"found {array.dtype} {array.shape}",
            )
    return arrays


def read_results(directory: str | Path, columns: list[str] | None = None):
    """results.parquet of a finished sweep (only ``columns`` if given) as an Arrow table."""
    path = Path(directory) / "results.parquet"
    table = read_parquet(path, columns)
    if (
        "point" in table.column_names
        and table.num_rows
        and table["point"].null_count == table.num_rows
    ):
        raise DamagedFile(path, "column 'point' holds no value")
    return table


@dataclass(frozen=True)
class RunShape:
    """What a run's manifest says its parts hold: quota levels, calendar years, replications."""

    levels: list[str]
    years: list[int]
    replications: int


RUN_FIELDS = ("quota_levels", "calendar", "replications")


def run_shape(directory: str | Path, manifest: dict) -> RunShape:
    """Return the levels, years and replications a run's manifest records (DamagedFile)."""
    path = Path(directory) / "manifest.json"
    for name in RUN_FIELDS:
        if manifest.get(name) is None:
            raise DamagedFile(
                path,
                f"field {name!r} is missing: a run's manifest records its "
                "quota levels, calendar and replications",
            )
    levels, calendar, replications = (manifest[name] for name in RUN_FIELDS)
    if not levels:
        raise DamagedFile(path, "field 'quota_levels' is empty: a run has at least one level")
    try:
        start, end = parse_month(calendar["start"]), parse_month(calendar["end"])
    except ValueError as exc:
        raise DamagedFile(path, f"field 'calendar': {exc}") from None
    if end < start:
        raise DamagedFile(path, "field 'calendar' ends before it starts")
    if replications < 1:
        raise DamagedFile(path, f"field 'replications' should be at least 1, found {replications}")
    return RunShape(list(levels), list(range(start // 12, end // 12 + 1)), replications)


def check_listed_files(directory: str | Path, manifest: dict) -> None:
    """Refuse a directory missing a file its manifest lists in ``files``."""
    directory = Path(directory)
    for name in manifest.get("files") or []:
        if not (
            isinstance(name, str)
            and name not in ("", ".", "..")
            and not any(c in name for c in "/\\\x00")
        ):
            raise DamagedFile(
                directory / "manifest.json",
                "field 'files' should list the names "
                f"of the directory's files, found {short(repr(name), 60)}",
            )
        try:
            mode = os.stat(directory / name).st_mode  # never opened: a FIFO cannot block
        except FileNotFoundError:
            raise DamagedFile(
                directory / name,
                "missing, though manifest.json lists it (deleted, or the manifest of another run?)",
            ) from None
        except OSError as exc:
            raise DamagedFile(directory / name, f"cannot be read: {exc.strerror or exc}") from None
        if not stat.S_ISREG(mode):
            raise DamagedFile(
                directory / name,
                "not a regular file (a FIFO, device or "
                "directory), though manifest.json lists it as a file chipsim wrote",
            )


def check_run_parts(
    directory: str | Path,
    manifest: dict,
    summary: Collection[tuple[str, str, str, str]] | None = None,
    replicates: dict[str, np.ndarray] | None = None,
    effects: Iterable | None = None,
) -> None:
    """Refuse a run whose parts disagree with its manifest (one DamagedFile naming the part).

    ``summary``: summary.csv's (quota, metric, region, period) keys; ``replicates``:
    the arrays of :func:`read_replicates`; ``effects``: effects.csv's rows (any of
    them None when the run has no such file).
    """
    check_listed_files(directory, manifest)
    if summary is None and replicates is None and effects is None:
        return
    shape = run_shape(directory, manifest)
    if replicates is not None:
        check_replicates(Path(directory) / "replications.npz", replicates, shape)
    if summary is not None:
        check_summary(Path(directory) / "summary.csv", summary, shape)
    if effects is not None:
        check_effects(Path(directory) / "effects.csv", effects, shape)


def check_replicates(path: Path, arrays: dict[str, np.ndarray], shape: RunShape) -> None:
    """Refuse replications.npz unless its levels, years and arrays' shapes are the run's."""
    levels, years = arrays["quota_levels"], arrays["years"]
    if levels.dtype.kind != "U" or levels.tolist() != shape.levels:
        raise DamagedFile(
            path,
            f"its quota levels ({listing(levels.tolist())}) are not the "
            f"run's ({listing(shape.levels)}, in manifest.json): a file from "
            "another run?",
        )
    if years.dtype.kind not in "iu" or years.tolist() != shape.years:
        raise DamagedFile(
            path,
            f"its years ({listing(years.tolist())}) are not the run's "
            f"calendar years ({span(shape.years)}, in manifest.json): a file from "
            "another run?",
        )
    for name in headline():
        if f"national.{name}" not in arrays:
            raise DamagedFile(path, f"array 'national.{name}' is missing")
    expected = (len(shape.levels), shape.replications, len(shape.years))
    for name, array in arrays.items():
        if name.startswith("national.") and array.shape != expected:
            raise DamagedFile(
                path,
                f"array {name!r} has shape {array.shape}, not the run's "
                f"(levels, replications, years) = {expected} (manifest.json "
                f"records {shape.replications:,} replications): a file from "
                "another run?",
            )


def check_summary(path: Path, keys: Collection[tuple[str, str, str, str]], shape: RunShape) -> None:
    """summary.csv holds the run's levels only, and every national annual headline row.

    The expected rows are those of :func:`sim.core.metrics.headline` at every level and
    calendar year; the search stops at the first missing one, so it never looks at
    more rows than the file holds.
    """
    known = set(shape.levels)
    extra = next((key[0] for key in keys if key[0] not in known), None)
    if extra is not None:
        raise DamagedFile(
            path,
            f"holds quota level {short(repr(extra), 60)}, which manifest.json "
            f"does not list ({listing(shape.levels)}): a file from another run?",
        )
    for level in shape.levels:
        for name in headline():
            for year in shape.years:
                if (level, name, "national", str(year)) not in keys:
                    raise DamagedFile(
                        path,
                        f"the national {year} row of {name} at quota level "
                        f"{level!r} is missing (manifest.json records levels "
                        f"{listing(shape.levels)} over {span(shape.years)}): "
                        "rows cut out, or a file from another run?",
                    )


def check_effects(path: Path, rows: Iterable, shape: RunShape) -> None:
    """effects.csv holds rows at every level of the run, and at no other level or year."""
    rows = list(rows)
    levels = list(dict.fromkeys(row.quota for row in rows))
    known, years = set(shape.levels), {str(y) for y in shape.years}
    extra = next((level for level in levels if level not in known), None)
    if extra is not None:
        raise DamagedFile(
            path,
            f"holds quota level {short(repr(extra), 60)}, which manifest.json "
            f"does not list ({listing(shape.levels)}): a file from another run?",
        )
    missing = next((level for level in shape.levels if level not in set(levels)), None)
    if missing is not None:
        raise DamagedFile(
            path,
            f"holds no rows at quota level {missing!r} of manifest.json "
            f"({listing(shape.levels)}): rows cut out, or a file from another run?",
        )
    outside = next((row.period for row in rows if row.period not in years), None)
    if outside is not None:
        raise DamagedFile(
            path,
            f"holds period {short(repr(outside), 60)}, outside the run's "
            f"calendar years ({span(shape.years)}, in manifest.json)",
        )


def read_effects_rows(path: str | Path) -> list:
    """Rows of effects.csv (:class:`sim.results.effects.EffectRow`), read bounded and checked."""
    from sim.results.effects import COLUMNS, TEXT, EffectRow

    rows = read_csv_rows(path, COLUMNS)
    return [
        EffectRow(
            *(row[c] for c in TEXT),
            *(number_cell(row[c], path, number, c) for c in COLUMNS[len(TEXT) :]),
        )
        for number, row in enumerate(rows, 2)
    ]


def listing(items: list, keep: int = 6) -> str:
    """Return a short list for a message: the first ``keep`` items, then how many more."""
    shown = ", ".join(short(str(x), 40) for x in items[:keep])
    return shown + (f" and {len(items) - keep:,} more" if len(items) > keep else "") or "none"


def span(years: list[int]) -> str:
    """Return "2023-2027" (one year: "2023")."""
    return f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])


def _json_name(kind: type) -> str:
    return {str: "string", dict: "object", list: "array", int: "integer"}[kind]
