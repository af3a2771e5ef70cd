"""The marker of a directory chipsim wrote, and the rule for what ``--force`` may replace.

Every output directory (run, sweep, sensitivity) holds a hidden marker file,
``.chipsim-output``, written into it before it first appears. ``--force``
replaces a directory only when it is empty, or when it holds that marker, a
manifest that parses as chipsim's (for a sweep still running: its
``batches/settings.json``) and, beside them, only files chipsim writes there.
A web app's folder with a manifest.json, a project with a ``batches/``
folder or an output of an older chipsim without the marker is refused.
"""

from __future__ import annotations

import fnmatch
import json
import os
import stat
from pathlib import Path

from sim.results.dictionary import FILE as DICTIONARY
from sim.results.reading import DamagedFile, read_json_object

MARKER = ".chipsim-output"
KINDS = ("run", "sweep", "sensitivity")
# Files each kind writes, and files later commands add (report, discover, diff).
FILES = {
    "run": {"summary.csv", DICTIONARY, "replications.npz", "effects.csv", "manifest.json"},
    "sweep": {"points.csv", "results.parquet", DICTIONARY, "manifest.json"},
    "sensitivity": {
        "sensitivity.csv",
        "sensitivity_warnings.csv",
        "sample.parquet",
        "outputs.parquet",
        DICTIONARY,
        "manifest.json",
    },
}
ADDED = ("report.html", "report.pdf", "discover.csv", "diff-vs-*.html", ".*.tmp")
BATCH_FILES = ("b[0-9][0-9][0-9][0-9][0-9][0-9].npz", "settings.json", ".*.tmp")


def marker_bytes(kind: str) -> bytes:
    """Content of the marker of a ``kind`` directory."""
    return (json.dumps({"chipsim_output": kind, "format": 1}, sort_keys=True) + "\n").encode()


def marker_kind(directory: Path) -> str | None:
    """Return the kind the directory's marker names, or None (no chipsim marker)."""
    try:
        data = read_json_object(directory / MARKER, limit=4096)
    except DamagedFile:
        return None
    kind = data.get("chipsim_output")
    return kind if kind in KINDS and data.get("format") == 1 else None


def why_not_replaceable(target: Path) -> str | None:
    """None when ``--force`` may replace ``target``, else the reason it may not.

    Never the working directory or one containing it; never a symlink.
    """
    if target.is_symlink() or not target.is_dir():
        return "not a directory"
    if Path.cwd().resolve().is_relative_to(target.resolve()):
        return "it is (or contains) the working directory"
    entries = {entry.name: entry for entry in os.scandir(target)}
    if not entries:
        return None
    kind = marker_kind(target)
    if kind is None:
        return (
            f"not written by chipsim (no {MARKER} marker), so it may hold your own "
            "files; delete it yourself or choose another --out"
        )
    finished = "manifest.json" in entries
    if finished and not chipsim_manifest(target / "manifest.json"):
        return "its manifest.json is not a chipsim manifest"
    if not finished and not (kind == "sweep" and _is_file(target / "batches" / "settings.json")):
        return "neither a finished output (manifest.json) nor an unfinished sweep"
    for name, entry in entries.items():
        problem = foreign(name, entry, kind)
        if problem:
            return problem
    return None


def foreign(name: str, entry: os.DirEntry, kind: str) -> str | None:
    """Why ``entry`` is not a file chipsim writes in a ``kind`` directory (None if it is)."""
    if name == MARKER or (name in FILES[kind] and _is_file(entry)):
        return None
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in ADDED) and _is_file(entry):
        return None
    if kind == "sweep" and name == "batches" and entry.is_dir(follow_symlinks=False):
        for item in os.scandir(entry.path):
            if not (any(fnmatch.fnmatchcase(item.name, p) for p in BATCH_FILES) and _is_file(item)):
                return f"batches/{item.name} is not a file chipsim writes there"
        return None
    return f"it holds {name!r}, which chipsim did not write"


def chipsim_manifest(path: Path) -> bool:
    """Whether ``path`` parses as a chipsim manifest (a ``files`` list naming itself)."""
    try:
        data = read_json_object(path)
    except DamagedFile:
        return False
    files = data.get("files")
    return isinstance(files, list) and "manifest.json" in files


def _is_file(entry) -> bool:
    """Tell whether ``entry`` (a Path or an os.DirEntry) is a regular file, not a symlink."""
    try:
        mode = (
            os.lstat(entry).st_mode
            if isinstance(entry, Path)
            else entry.stat(follow_symlinks=False).st_mode
        )
    except OSError:
        return False
    return stat.S_ISREG(mode)
