"""A run directory: summary.csv, replications.npz and manifest.json (written last)."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from importlib import metadata
from pathlib import Path

import numpy as np

from sim.model.ensemble import EnsembleResult
from sim.results.atomic import staged_directory, write_bytes, write_text
from sim.results.summary import summary_csv
from sim.scenario.dump import scenario_hash, to_raw
from sim.scenario.schema import Scenario

PACKAGES = ("chipsim", "numpy", "scipy", "simpy", "click")


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz archive with fixed timestamps, so equal arrays give equal bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.save(member, arrays[name], allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def replicate_arrays(result: EnsembleResult) -> dict[str, np.ndarray]:
    """National per-replication values (float32: ample for paired comparisons)."""
    arrays = {f"national.{m}": v.astype(np.float32) for m, v in result.replicates.items()}
    arrays["quota_levels"] = np.array(result.levels)
    arrays["years"] = np.array(result.years)
    return arrays


def versions() -> dict[str, str]:
    """Installed versions of chipsim and its core dependencies."""
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def git_commit() -> str | None:
    """The commit of the source tree, when it is a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def manifest(scenario: Scenario, scenario_file: str, seed: int, replications: int,
             levels: list[str], wall_time: float) -> dict:
    """Everything needed to reproduce (and audit) a run."""
    return {
        "scenario_file": scenario_file, "scenario_name": scenario.name,
        "scenario_hash": scenario_hash(scenario), "scenario": to_raw(scenario),
        "seed": seed, "replications": replications, "quota_levels": levels,
        "calendar": {"start": scenario.calendar.start, "end": scenario.calendar.end},
        "versions": versions(), "git_commit": git_commit(),
        "wall_time_s": round(wall_time, 3),
        "files": ["summary.csv", "replications.npz", "manifest.json"],
    }


def write_run(target: str | Path, result: EnsembleResult, info: dict, force: bool) -> Path:
    """Write a complete run directory atomically; ``info`` becomes manifest.json."""
    target = Path(target)
    with staged_directory(target, force) as stage:
        write_text(stage / "summary.csv", summary_csv(result.rows))
        write_bytes(stage / "replications.npz", npz_bytes(replicate_arrays(result)))
        write_text(stage / "manifest.json", json.dumps(info, indent=2, sort_keys=True) + "\n")
    return target


def read_manifest(run_dir: str | Path) -> dict:
    """The manifest of a complete run directory."""
    return json.loads((Path(run_dir) / "manifest.json").read_text("utf-8"))


def read_replicates(run_dir: str | Path) -> dict[str, np.ndarray]:
    """The arrays of replications.npz."""
    with np.load(Path(run_dir) / "replications.npz", allow_pickle=False) as data:
        return {name: data[name] for name in data.files}
