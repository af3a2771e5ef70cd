"""Atomic outputs: temp-and-rename for every file, staging for run directories.

A run directory appears complete (manifest.json last) or not at all; an
interrupted write leaves neither the target nor a staging directory, and an
earlier run being replaced with --force survives a failed replacement intact.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hardening_support import (
    BASELINE,
    WriteMonitor,
    check_outcome,
    check_run_dir,
    error_line,
    staging_leftovers,
)

import sim.results.atomic as atomic
from sim.cli import main
from sim.runner import execute

RUN = ["--reps", "5", "--quota", "announced", "--quota", "1.0"]


def snapshot(directory: Path) -> dict[str, bytes]:
    """File name -> bytes of a directory's files."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_every_file_is_written_under_a_temporary_name_and_renamed(tmp_path, monkeypatch):
    monitor = WriteMonitor(monkeypatch)
    out = tmp_path / "run"
    execute(BASELINE, 5, 1, ["announced"], out)
    assert monitor.direct_writes(tmp_path) == []
    files = [(src, dst) for src, dst in monitor.renamed if dst.name in
             ("summary.csv", "replications.npz", "manifest.json")]
    assert [dst.name for _, dst in files] == ["summary.csv", "replications.npz", "manifest.json"]
    for src, dst in files:  # a hidden temporary beside the file, inside the staging dir
        assert src.parent == dst.parent and src.name.startswith(f".{dst.name}.")
        assert dst.parent.name.endswith(".staging")
    last = monitor.renamed[-1]  # the directory itself arrives in one rename, last of all
    assert last[1] == out and last[0] == files[-1][1].parent
    check_run_dir(out)


@pytest.mark.parametrize("failing_call", [1, 2, 3, 4])
@pytest.mark.parametrize("exc", [OSError(errno.EIO, "I/O error"), KeyboardInterrupt()])
def test_interrupted_write_leaves_no_output(tmp_path, monkeypatch, failing_call, exc):
    """Fail the n-th rename (three files, then the directory): no target, no staging."""
    calls = []
    real = os.replace

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == failing_call:
            raise exc
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", flaky)
    out = tmp_path / "run"
    with pytest.raises(type(exc)):
        execute(BASELINE, 5, 1, ["announced"], out)
    assert not out.exists()
    assert staging_leftovers(tmp_path) == []


@pytest.mark.parametrize("failing_call", [1, 2, 3, 4, 5])
def test_failed_force_replacement_keeps_the_previous_run(tmp_path, monkeypatch, failing_call):
    """Renames: three files, the old run moved aside, the new one moved in."""
    out = tmp_path / "run"
    execute(BASELINE, 5, 1, ["announced"], out)
    before = snapshot(out)
    calls = []
    real = os.replace

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == failing_call:
            raise OSError(errno.EIO, "I/O error")
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", flaky)
    with pytest.raises(OSError):
        execute(BASELINE, 5, 2, ["announced"], out, force=True)
    assert snapshot(out) == before
    assert staging_leftovers(tmp_path) == []


def test_disk_full_is_a_clear_exit_2(tmp_path, monkeypatch):
    """ENOSPC while writing: one Error line (exit 2), nothing partial."""
    real = atomic.os.fsync
    calls = []

    def full(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd)

    monkeypatch.setattr(atomic.os, "fsync", full)
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", str(BASELINE), *RUN, "--out", str(out)])
    assert check_outcome(result, out) == "error"
    assert "No space left on device" in error_line(result)
    assert staging_leftovers(tmp_path) == []


def test_force_refuses_directories_that_are_not_runs(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(main, ["run", str(BASELINE), *RUN, "--out", str(mine),
                                       "--force"])
    assert check_outcome(result, mine, existed=True) == "error"
    assert "refusing to replace" in error_line(result)
    assert (mine / "notes.txt").read_text() == "keep me"


def test_force_refuses_the_working_directory(tmp_path):
    (tmp_path / "manifest.json").write_text("{}")  # even one that looks like a run
    with contextlib.chdir(tmp_path):
        result = CliRunner().invoke(main, ["run", str(BASELINE), *RUN, "--out", ".",
                                           "--force"])
    assert check_outcome(result) == "error"
    assert "refusing to replace" in error_line(result)
    assert (tmp_path / "manifest.json").read_text() == "{}"


def test_force_replaces_a_finished_run_and_an_empty_directory(tmp_path):
    for target in (tmp_path / "run", tmp_path / "empty"):
        if target.name == "run":
            execute(BASELINE, 5, 1, ["announced"], target)
        else:
            target.mkdir()
        result = CliRunner().invoke(main, ["run", str(BASELINE), *RUN, "--out", str(target),
                                           "--force"])
        assert check_outcome(result, target) == "ok"
        check_run_dir(target)


@pytest.mark.slow
def test_sigkill_during_a_run_never_leaves_a_complete_looking_partial(tmp_path):
    """Kill ``chipsim run`` at several moments: the target is complete or absent."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    outcomes = set()
    for delay in (0.5, 1.0, 1.5, 2.0, 2.5):
        out = tmp_path / f"run-{delay}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "run", str(BASELINE), "--reps", "3000",
             "--out", str(out)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if out.exists():
            check_run_dir(out)
            outcomes.add("complete")
        else:
            outcomes.add("absent")
    assert "absent" in outcomes  # the kills did land mid-run at least once
    for entry in tmp_path.iterdir():  # a killed writer may leave only hidden staging dirs
        if not entry.name.startswith("."):
            check_run_dir(entry)
