"""Damaged output directories (tests/corpus/index.toml, [damaged.*]): exit 2, never a traceback.

Each case takes a fresh copy of a finished run, a finished sweep or a sweep
stopped after two batches, replaces one file, and runs the commands that read
it: ``report``, ``diff``, ``discover`` and ``sweep --resume`` must each exit 2
with one Error line naming the file and what is wrong. FIFOs and /dev/zero
run in a child process with a time and memory limit, so a regression fails
instead of hanging the suite.
"""

from __future__ import annotations

import errno
import io
import os
import resource
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hardening_support import BASELINE, check_outcome, error_line

from sim.interfaces.cli import main
from sim.interfaces.runner import RunOptions, execute

CORPUS = Path(__file__).parent / "corpus"
CASES = tomllib.loads((CORPUS / "index.toml").read_text("utf-8"))["damaged"]
CEILING = "vendors.huawei.products.ascend_910c.yield_curve.ceiling"
SWEEP = [
    "sweep",
    str(BASELINE),
    "--set",
    f"{CEILING}=0.45,0.65",
    "--sample",
    "lhs",
    "--n",
    "2",
    "--param",
    "memory.*",
    "--reps",
    "8",
    "--seed",
    "5",
    "--quota",
    "announced",
    "--batch",
    "1",
    "--workers",
    "1",
]  # 4 one-point batches
TARGET = ["--target", "domestic_share_units@2027 >= 0.7"]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    """A finished run, a finished sweep and an unfinished sweep to copy from."""
    base = tmp_path_factory.mktemp("damaged")
    run = execute(
        BASELINE,
        RunOptions(replications=20, seed=7, levels=["announced", "0.9"], out_dir=base / "run"),
    ).out_dir
    assert CliRunner().invoke(main, SWEEP + ["--out", str(base / "sweep")]).exit_code == 0
    import sim.experiments.store as store

    real, calls = store.write_bytes, []

    def full_after_two(path, data):
        if Path(path).suffix == ".npz":
            calls.append(path)
            if len(calls) == 3:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, data)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "write_bytes", full_after_two)
        stopped = CliRunner().invoke(main, SWEEP + ["--out", str(base / "unfinished")])
    assert stopped.exit_code == 2 and (base / "unfinished" / "batches" / "b000001.npz").is_file()
    return {"run": run, "sweep": base / "sweep", "unfinished": base / "unfinished"}


def damage(path: Path, case: dict) -> None:
    """Replace ``path`` as the case says."""
    kind = case.get("damage")
    original = path.read_bytes()
    path.unlink()
    if "content" in case:
        path.write_text(case["content"], encoding="utf-8")
    elif kind == "truncate":
        path.write_bytes(original[: len(original) // 2])
    elif kind == "garbage":
        path.write_bytes(np.random.default_rng(13).bytes(4096))
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "huge":
        with open(path, "wb") as handle:
            handle.truncate(65 * 2**20)  # sparse: costs no disk
    elif kind in ("npz-shape", "npz-keys"):
        buffer = io.BytesIO()
        arrays = (
            {
                "quota_levels": np.array(["announced"]),
                "years": np.arange(2023, 2028),
                "national.domestic_share_units": np.zeros(3),
            }
            if kind == "npz-shape"
            else {"other": np.zeros(2)}
        )
        np.savez(buffer, **arrays)
        path.write_bytes(buffer.getvalue())
    else:
        raise AssertionError(f"unknown damage {kind!r}")


def arguments(command: str, target: Path, good_run: Path, tmp: Path) -> list[str]:
    return {
        "report": ["report", str(target), "-o", str(tmp / "report.html")],
        "diff": ["diff", str(good_run), str(target)],
        "discover": ["discover", str(target), *TARGET],
        "resume": SWEEP + ["--out", str(target), "--resume"],
    }[command]


def limit_memory() -> None:  # in the child: a regression raises MemoryError, never OOM
    resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))


def in_child(args: list[str]) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit_memory,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return done.returncode, done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_damaged_directory(name, sources, tmp_path):
    case = CASES[name]
    target = tmp_path / case["kind"]
    shutil.copytree(sources[case["kind"]], target, symlinks=True)
    damage(target / case["file"], case)
    for command in case["commands"]:
        args = arguments(command, target, sources["run"], tmp_path)
        if case.get("damage") in ("fifo", "dev-zero"):
            status, stderr = in_child(args)
            assert status == 2 and "Traceback" not in stderr, stderr
            line = stderr.strip().splitlines()[-1]
        else:
            result = CliRunner().invoke(main, args)
            assert check_outcome(result) == "error", (command, result.output)
            line = error_line(result)
        assert Path(case["file"]).name in line and case["message"] in line, (command, line)
        assert not (tmp_path / "report.html").exists()


def test_every_damaged_case_names_known_commands():
    for name, case in CASES.items():
        assert set(case["commands"]) <= {"report", "diff", "discover", "resume"}, name
        assert case["kind"] in ("run", "sweep", "unfinished"), name


def test_resume_into_a_read_only_sweep_directory_is_exit_2(sources, tmp_path, monkeypatch):
    """Issue 13: a read-only sweep directory gave a traceback. (As root, chmod cannot make
    one, so the writes fail the way they would: EACCES from creating the temporary file.)"""
    import sim.results.atomic as atomic

    target = tmp_path / "unfinished"
    shutil.copytree(sources["unfinished"], target)
    real = atomic.tempfile.mkstemp

    def read_only(*args, dir=None, **kwargs):
        if dir is not None and Path(dir).resolve().is_relative_to(target.resolve()):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(atomic.tempfile, "mkstemp", read_only)
    result = CliRunner().invoke(main, SWEEP + ["--out", str(target), "--resume"])
    assert check_outcome(result) == "error"
    line = error_line(result)
    assert str(target) in line and "Permission denied" in line and "--resume" in line
