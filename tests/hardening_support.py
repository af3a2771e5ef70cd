"""Helpers shared by the hardening tests (tests/test_hardening_*.py).

The CLI contract checked here (docs/outputs.md, "Exit status"): every
``chipsim`` outcome is success (0) or a usage/input error (2) whose last line
is one ``Error: ...`` line; never a traceback, never exit 1, and never an
output directory left half-written (no target, no hidden staging directory).
"""

from __future__ import annotations

import copy
import csv
import functools
import json
import math
import re
from pathlib import Path

import numpy as np
import tomli_w

from sim.results.marker import MARKER
from sim.scenario.loader import resolve

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
RUN_FILES = {"summary.csv", "dictionary.csv", "replications.npz", "manifest.json"}
MONTH = re.compile(r"^\d{4}-\d{2}$", re.ASCII)


@functools.cache
def _baseline() -> dict:
    # The baseline extends priors.toml: take the merged tree, so a copy stands alone.
    raw = resolve(BASELINE, ())
    raw.setdefault("name", BASELINE.stem)
    return raw


def baseline_raw() -> dict:
    """A fresh copy of the baseline scenario's raw TOML tree."""
    return copy.deepcopy(_baseline())


def write_scenario(path: Path, raw: dict) -> Path:
    """Write ``raw`` as TOML (tomli-w writes nan and inf as TOML literals)."""
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    return path


def scenario_with(tmp: Path, edits: dict, name: str = "case.toml") -> Path:
    """A scenario file in ``tmp`` extending the baseline with raw-tree ``edits``."""
    return write_scenario(tmp / name, {"extends": str(BASELINE), **edits})


def trimmed(raw: dict, start: str, end: str) -> dict:
    """``raw`` on the calendar ``start``..``end``: dates clamped, keys outside dropped.

    Year-keyed and month-keyed tables lose keys outside the calendar (a quota
    path left empty gets one point at ``start``: the quota was not in force).
    """
    years = range(int(start[:4]), int(end[:4]) + 1)

    def clamp(text: str) -> str:
        return min(max(text, start), end)

    def walk(node, key=""):
        if isinstance(node, str) and MONTH.match(node):
            return clamp(node)
        if isinstance(node, list):
            return [walk(x) for x in node]
        if not isinstance(node, dict):
            return node
        if node and all(isinstance(k, str) and k.isdigit() and len(k) == 4 for k in node):
            return {k: walk(v) for k, v in node.items() if int(k) in years}
        if key == "points":
            kept = {k: v for k, v in node.items() if start <= k <= end}
            return kept or {start: 0.0}
        return {k: walk(v, k) for k, v in node.items()}

    out = walk(copy.deepcopy(raw))
    out["calendar"] = {"start": start, "end": end}
    for section in ("imports", "grey_market"):  # dated defaults (2023-01) made explicit
        for product in out.get(section, {}).values():
            product.setdefault("stockpile_date", start)
    for vendor in out.get("vendors", {}).values():
        for product in vendor.get("products", {}).values():
            product.setdefault("available_from", start)
    return out


def staging_leftovers(parent: Path) -> list[Path]:
    """Hidden staging or temporary entries chipsim's writers may leave behind."""
    if not parent.is_dir():
        return []
    return [
        p
        for p in parent.iterdir()
        if p.name.startswith(".") and (p.name.endswith((".staging", ".tmp")) or ".old-" in p.name)
    ]


def error_line(result) -> str:
    """The ``Error: ...`` line of a failed command (its last line on stderr)."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, f"exit {result.exit_code} with nothing on stderr"
    return lines[-1]


def check_outcome(result, out_dir: Path | None = None, existed: bool = False) -> str:
    """Assert the CLI contract for one invocation; return "ok" or "error"."""
    detail = f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        tb = "".join(traceback.format_exception(result.exception))
        raise AssertionError(f"uncaught exception\n{tb}\n{detail}")
    assert result.exit_code in (0, 2), detail
    assert "Traceback" not in result.output, detail
    if out_dir is not None:
        assert not staging_leftovers(out_dir.parent), staging_leftovers(out_dir.parent)
    if result.exit_code == 2:
        line = error_line(result)
        assert line.startswith("Error: "), detail
        assert sum(x.startswith("Error") for x in result.stderr.splitlines()) == 1, detail
        if out_dir is not None and not existed:
            assert not out_dir.exists(), f"partial output left at {out_dir}\n{detail}"
        return "error"
    if out_dir is not None and out_dir.exists():
        check_run_dir(out_dir)
    return "ok"


def check_run_dir(out_dir: Path) -> dict:
    """A complete run directory: its three files (and effects.csv if any), manifest listing them."""
    manifest = json.loads((out_dir / "manifest.json").read_text("utf-8"))
    assert RUN_FILES <= set(manifest["files"]) <= RUN_FILES | {"effects.csv"}
    assert {p.name for p in out_dir.iterdir()} == set(manifest["files"]) | {MARKER}, sorted(
        out_dir.iterdir()
    )
    return manifest


def key_exists(path: str, raw: dict) -> bool:
    """True when a dotted error path names a key of ``raw`` (or a missing leaf).

    Keys may themselves contain dots, so components are matched greedily; a
    trailing ``[i]`` index is dropped, and missing trailing components are
    allowed when they are schema field names (a required key that is absent,
    or a section left at its defaults).
    """
    parts = re.sub(r"\[\d+\]$", "", path).split(".")
    node = raw
    i = 0
    while i < len(parts):
        if not isinstance(node, dict):
            return False
        for j in range(len(parts), i, -1):
            key = ".".join(parts[i:j])
            if key in node:
                node, i = node[key], j
                break
        else:
            return i == len(parts) - 1 or set(parts[i:]) <= schema_fields()
    return True


@functools.cache
def schema_fields() -> frozenset[str]:
    """Every field name of the scenario dataclasses."""
    import dataclasses

    from sim.scenario import schema

    return frozenset(
        f.name
        for obj in vars(schema).values()
        if dataclasses.is_dataclass(obj)
        for f in dataclasses.fields(obj)
    )


class WriteMonitor:
    """Records every path opened for writing and every rename, via monkeypatch.

    Installed over ``builtins.open``, ``io.open``, ``os.open`` and
    ``os.replace``/``os.rename``; used to check that writers only ever write
    temporary names and move them into place.
    """

    def __init__(self, monkeypatch):
        import builtins
        import io
        import os

        self.opened: list[Path] = []
        self.renamed: list[tuple[Path, Path]] = []
        real_open, real_os_open = builtins.open, os.open
        real_replace, real_rename = os.replace, os.rename
        write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

        def watched_open(file, mode="r", *args, **kwargs):
            if isinstance(file, (str, Path)) and any(c in mode for c in "wax+"):
                self.opened.append(Path(file))
            return real_open(file, mode, *args, **kwargs)

        def watched_os_open(path, flags, *args, **kwargs):
            if flags & write_flags:
                self.opened.append(Path(path))
            return real_os_open(path, flags, *args, **kwargs)

        def watched_replace(src, dst, *args, **kwargs):
            self.renamed.append((Path(src), Path(dst)))
            return real_replace(src, dst, *args, **kwargs)

        def watched_rename(src, dst, *args, **kwargs):
            self.renamed.append((Path(src), Path(dst)))
            return real_rename(src, dst, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", watched_open)
        monkeypatch.setattr(io, "open", watched_open)
        monkeypatch.setattr(os, "open", watched_os_open)
        monkeypatch.setattr(os, "replace", watched_replace)
        monkeypatch.setattr(os, "rename", watched_rename)

    def direct_writes(self, under: Path) -> list[Path]:
        """Paths under ``under`` opened for writing under a non-temporary name."""
        under = under.resolve()
        return [
            p
            for p in self.opened
            if p.resolve().is_relative_to(under)
            and not (p.name.startswith(".") and p.name.endswith(".tmp"))
        ]


UNDEFINED_OK = ("domestic_share", "quota_compliance")  # metrics that may be undefined


def check_finite_outputs(run_dir: Path) -> None:
    """No NaN/inf text in summary.csv, empty cells only for shares; npz without inf."""
    with open(run_dir / "summary.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    for row in rows:
        for name in ("mean", "p05", "p25", "p50", "p75", "p95"):
            cell = row[name]
            if cell == "":
                assert row["metric"].startswith(UNDEFINED_OK), row
            else:
                assert math.isfinite(float(cell)) and cell.lower() not in ("nan", "inf"), row
    from sim.results.run_dir import read_replicates

    for name, array in read_replicates(run_dir).items():
        if array.dtype.kind == "f":
            assert not np.isinf(array).any(), name
