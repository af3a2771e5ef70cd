"""Read back what chipsim wrote in a run, sweep or sensitivity directory, checked.

Every reader goes through :mod:`sim.results.reading` (regular files only,
bounded sizes) and checks the shape of what it parsed: a manifest that is a
list or a string, fields of the wrong type, a CSV without its columns or
rows, a garbage or truncated .npz or Parquet file all raise one
:class:`~sim.results.reading.DamagedFile` naming the file and what is wrong
(exit status 2 at the CLI), never a traceback from deep inside a parser.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from sim.results.reading import DamagedFile, open_npz, read_json_object, read_parquet, read_text

# Manifest fields readers use, and the JSON type each must have when present.
MANIFEST_TYPES = {
    "kind": str, "scenario_file": str, "scenario_name": str, "scenario_hash": str,
    "scenario": dict, "seed": int, "replications": int, "quota_levels": list,
    "calendar": dict, "versions": dict, "files": list, "parameters": list,
    "settings": dict, "description": str, "points": int,
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
            raise DamagedFile(path, f"field {name!r} should be a JSON "
                              f"{_json_name(expected)}, found {type(value).__name__}")
    calendar = data.get("calendar")
    if calendar is not None and not all(isinstance(calendar.get(k), str)
                                        for k in ("start", "end")):
        raise DamagedFile(path, "field 'calendar' should hold 'start' and 'end' months")
    if not all(isinstance(x, str) for x in data.get("quota_levels") or []):
        raise DamagedFile(path, "field 'quota_levels' should list quota levels as strings")
    if kind == "sweep":
        check_sweep_manifest(path, data)
    return data


def check_sweep_manifest(path: Path, data: dict) -> None:
    """Check a sweep's manifest: kind "sweep", and parameters each with a path and a kind."""
    if data.get("kind") != "sweep":
        raise DamagedFile(path, "not a sweep's manifest (kind is not \"sweep\")")
    for name in SWEEP_REQUIRED:
        if name not in data:
            raise DamagedFile(path, f"field {name!r} is missing")
    for item in data["parameters"]:
        if not (isinstance(item, dict) and isinstance(item.get("path"), str)
                and isinstance(item.get("kind"), str)):
            raise DamagedFile(path, "field 'parameters' should list objects with a 'path' and "
                              "a 'kind'")


def read_csv_rows(path: str | Path, columns: tuple[str, ...] = (),
                  allow_empty: bool = False) -> list[dict]:
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
            raise DamagedFile(path, f"line {number} has {'more' if None in row else 'fewer'} "
                              "cells than the header (truncated?)")
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
        raise DamagedFile(path, f"line {line}, column {column}: expected a number, got "
                          f"{text[:40]!r}") from None
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
        if name.startswith("national.") and (array.ndim != 3 or array.dtype.kind != "f"
                                             or (array.shape[0], array.shape[2]) != shape):
            raise DamagedFile(path, f"array {name!r} should be floats of shape (levels, "
                              f"replications, years) = ({shape[0]}, R, {shape[1]}), "
                              f"found {array.dtype} {array.shape}")
    return arrays


def read_results(directory: str | Path, columns: list[str] | None = None):
    """results.parquet of a finished sweep (only ``columns`` if given) as an Arrow table."""
    path = Path(directory) / "results.parquet"
    table = read_parquet(path, columns)
    if "point" in table.column_names and table.num_rows and \
            table["point"].null_count == table.num_rows:
        raise DamagedFile(path, "column 'point' holds no value")
    return table


def _json_name(kind: type) -> str:
    return {str: "string", dict: "object", list: "array", int: "integer"}[kind]
