"""A run directory: summary.csv, dictionary.csv, replications.npz, effects.csv, manifest.json.

manifest.json is written last.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from sim.model.ensemble import EnsembleResult
from sim.model.recorder import narrow
from sim.model.store import DiskArray
from sim.results.atomic import staged_directory, staging, write_stream, write_text, zip_member
from sim.results.claim import Claim
from sim.results.dictionary import FILE as DICTIONARY_FILE
from sim.results.dictionary import dictionary_csv
from sim.results.effects import FILENAME as EFFECTS_FILE
from sim.results.effects import Effects, effects_csv
from sim.results.fields import manifest_fields
from sim.results.provenance import git_commit as provenance_git_commit
from sim.results.provenance import provenance
from sim.results.provenance import versions as provenance_versions
from sim.results.summary import COLUMNS, summary_csv
from sim.scenario.dump import scenario_hash, to_raw
from sim.scenario.schema import Scenario

PACKAGES = ("chipsim", "numpy", "scipy", "simpy", "click")


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """Build an .npz archive with fixed timestamps, so equal arrays give equal bytes.

    Members are stored uncompressed: per-replication floats hardly compress
    (deflate saves about 11%) and deflating took a quarter of a second for
    10,000 replications at four levels, an eighth of the run's time budget.
    """
    return npz_archive((name, arrays[name]) for name in sorted(arrays)).getvalue()


def npz_archive(members: Iterable[tuple[str, np.ndarray]]) -> io.BytesIO:
    """Build the archive of :func:`npz_bytes` member by member, in a buffer.

    Only the archive and one member are in memory at once.
    """
    buffer = io.BytesIO()
    write_npz(buffer, members)
    return buffer


def write_npz(handle: BinaryIO, members: Iterable[tuple[str, np.ndarray]]) -> None:
    """Write the archive of :func:`npz_bytes` to an open binary file, member by member."""
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as archive:
        for name, array in members:
            add_member(archive, name, array)


def add_member(archive: zipfile.ZipFile, name: str, array) -> None:
    """Store ``array`` as ``name.npy`` with a fixed timestamp (one copy of it in memory).

    A :class:`sim.model.store.DiskArray` is streamed from its file instead,
    a chunk at a time.
    """
    if isinstance(array, DiskArray):
        stream_member(archive, name, array)
        return
    member = io.BytesIO()
    np.save(member, array, allow_pickle=False)
    info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    with member.getbuffer() as data:
        archive.writestr(info, data)


def stream_member(archive: zipfile.ZipFile, name: str, array: DiskArray) -> None:
    """Store a disk array as ``name.npy`` without holding it in memory (zip64 entry)."""
    info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    header = {
        "descr": np.lib.format.dtype_to_descr(array.dtype),
        "fortran_order": False,
        "shape": array.shape,
    }
    with zip_member(archive, info) as out:
        np.lib.format.write_array_header_2_0(out, header)
        for chunk in array.chunks():
            out.write(chunk.data.cast("B"))


def replicate_arrays(result: EnsembleResult) -> dict[str, np.ndarray]:
    """National per-replication values (float32: ample for paired comparisons).

    An array with a value beyond float32's range stays float64, so no finite
    value is ever stored as infinity.
    """
    return dict(replicate_members(result))


def replicate_members(result: EnsembleResult) -> Iterator[tuple[str, np.ndarray]]:
    """Yield the arrays of :func:`replicate_arrays` in name order, each made when asked for."""
    names = {f"national.{m}": m for m in result.replicates}
    for name in sorted([*names, "quota_levels", "years"]):
        if name == "quota_levels":
            yield name, np.array(result.levels)
        elif name == "years":
            yield name, np.array(result.years)
        else:
            values = result.replicates[names[name]]  # on disk: as blocks narrowed it
            yield name, values if isinstance(values, DiskArray) else narrow(values)


def versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Return the installed versions of ``names`` (chipsim and its core by default)."""
    return provenance_versions(names)


def git_commit(scenario_file: str | Path | None = None) -> str | None:
    """Return the commit of the git tree chipsim runs from (see sim.results.provenance)."""
    return provenance_git_commit(scenario_file)


def manifest(
    scenario: Scenario,
    scenario_file: str,
    seed: int,
    replications: int,
    levels: list[str],
    wall_time: float,
) -> dict:
    """Everything needed to reproduce (and audit) a run."""
    return {
        "scenario_file": scenario_file,
        "scenario_name": scenario.name,
        "scenario_hash": scenario_hash(scenario),
        "scenario": to_raw(scenario),
        "seed": seed,
        "replications": replications,
        "quota_levels": levels,
        "calendar": {"start": scenario.calendar.start, "end": scenario.calendar.end},
        **provenance(scenario_file),
        "wall_time_s": round(wall_time, 3),
        "fields": {"summary.csv": manifest_fields(COLUMNS)},
        "files": ["summary.csv", DICTIONARY_FILE, "replications.npz", "manifest.json"],
    }


def write_run(
    target: str | Path,
    result: EnsembleResult,
    info: dict,
    force: bool,
    claim: Claim | None = None,
    effects: Effects | None = None,
) -> Path:
    """Write a complete run directory atomically; ``info`` becomes manifest.json.

    ``claim``: the claim of ``target`` the caller already holds (see
    :func:`sim.results.atomic.output_directory`); without one it is claimed here.
    ``effects``: the counterfactual effects, written as effects.csv (none: no file).
    """
    target = Path(target)
    stager = (
        staging(claim.target, force, "run")
        if claim is not None
        else staged_directory(target, force, "run")
    )
    with stager as stage:
        write_text(stage / "summary.csv", summary_csv(result.rows))
        names = [row.metric for row in result.rows]
        if effects is not None:
            names += [row.metric for row in effects.rows]
        write_text(stage / DICTIONARY_FILE, dictionary_csv(names))
        write_stream(
            stage / "replications.npz", lambda handle: write_npz(handle, replicate_members(result))
        )
        if effects is not None:
            write_text(stage / EFFECTS_FILE, effects_csv(effects.rows))
        write_text(stage / "manifest.json", json.dumps(info, indent=2, sort_keys=True) + "\n")
    return target


def read_manifest(run_dir: str | Path) -> dict:
    """Read the manifest of a complete run directory (checked: sim.results.readers)."""
    from sim.results.readers import read_manifest as checked

    return checked(run_dir)


def read_replicates(run_dir: str | Path) -> dict[str, np.ndarray]:
    """Read the arrays of replications.npz (checked: sim.results.readers)."""
    from sim.results.readers import read_replicates as checked

    return checked(run_dir)
