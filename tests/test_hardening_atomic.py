"""Atomic outputs: temp-and-rename for every file, staging for run directories.

A run directory appears complete (manifest.json last) or not at all; an
interrupted write leaves neither the target nor a staging directory, and an
earlier run being replaced with --force survives a failed replacement intact.
SIGKILLs at known points of a write: tests/test_hardening_processes.py.
"""

from __future__ import annotations

import contextlib
import errno
import os
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
from sim.interfaces.cli import main
from sim.interfaces.runner import RunOptions, execute
from sim.results.marker import MARKER

pytestmark = pytest.mark.slow  # measured: see the README's Tests section

RUN = ["--reps", "5", "--quota", "announced", "--quota", "1.0"]


def snapshot(directory: Path) -> dict[str, bytes]:
    """File name -> bytes of a directory's files."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_every_file_is_written_under_a_temporary_name_and_renamed(tmp_path, monkeypatch):
    monitor = WriteMonitor(monkeypatch)
    moved = []
    real_move = atomic.move_new
    monkeypatch.setattr(
        atomic, "move_new", lambda src, dst: (moved.append((src, dst)), real_move(src, dst))
    )
    out = tmp_path / "run"
    execute(BASELINE, RunOptions(replications=5, seed=1, levels=["announced"], out_dir=out))
    lock = tmp_path / ".run.lock"  # the claim's lock file: created empty, never written
    assert [p for p in monitor.direct_writes(tmp_path) if p != lock] == []
    files = [
        (src, dst)
        for src, dst in monitor.renamed
        if dst.name
        in (MARKER, "summary.csv", "dictionary.csv", "replications.npz", "manifest.json")
    ]
    assert [dst.name for _, dst in files] == [
        MARKER,
        "summary.csv",
        "dictionary.csv",
        "replications.npz",
        "manifest.json",
    ]
    for src, dst in files:  # a hidden temporary beside the file, inside the staging dir
        assert src.parent == dst.parent and src.name.startswith(f".{dst.name}.")
        assert dst.parent.name.endswith(".staging")
    # the directory itself arrives in one rename (that refuses to replace), last of all
    assert moved == [(files[-1][1].parent, out)]
    check_run_dir(out)
    assert not lock.exists()


def fail_nth_rename(monkeypatch, n: int, exc: BaseException, exchange: bool = True) -> None:
    """Make the n-th rename of a run's write fail with ``exc``.

    Renames in order: the marker and three files (os.replace), then the
    directory (move_new; for --force, exchange or, without it, two os.replace).
    """
    calls = []
    real = os.replace

    def counted(real_call):
        def call(src, dst, *args):
            calls.append(dst)
            if len(calls) == n:
                raise exc
            return real_call(src, dst, *args)

        return call

    monkeypatch.setattr(atomic.os, "replace", counted(real))
    monkeypatch.setattr(atomic, "move_new", counted(atomic.move_new))
    monkeypatch.setattr(
        atomic, "exchange", counted(atomic.exchange) if exchange else lambda src, dst: False
    )


@pytest.mark.parametrize("failing_call", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("exc", [OSError(errno.EIO, "I/O error"), KeyboardInterrupt()])
def test_interrupted_write_leaves_no_output(tmp_path, monkeypatch, failing_call, exc):
    """Fail the n-th rename (four files, then the directory): no target, no staging."""
    fail_nth_rename(monkeypatch, failing_call, exc)
    out = tmp_path / "run"
    with pytest.raises(type(exc)):
        execute(BASELINE, RunOptions(replications=5, seed=1, levels=["announced"], out_dir=out))
    assert not out.exists()
    assert staging_leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no lock file either


@pytest.mark.parametrize("exchange, calls", [(True, 5), (False, 6)], ids=["exchange", "renames"])
def test_failed_force_replacement_keeps_the_previous_run(tmp_path, monkeypatch, exchange, calls):
    """Every rename of a --force replacement failing in turn: the previous run stays whole."""
    out = tmp_path / "run"
    execute(BASELINE, RunOptions(replications=5, seed=1, levels=["announced"], out_dir=out))
    before = snapshot(out)
    for failing_call in range(1, calls + 1):
        with monkeypatch.context() as patch:
            fail_nth_rename(patch, failing_call, OSError(errno.EIO, "I/O error"), exchange)
            with pytest.raises(OSError):
                execute(
                    BASELINE,
                    RunOptions(
                        replications=5, seed=2, levels=["announced"], out_dir=out, force=True
                    ),
                )
        assert snapshot(out) == before, failing_call
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
    line = error_line(result)
    assert "No space left on device" in line
    # Issue 13: the line read "Error: None: cannot write output: ..."; it names the file.
    assert "None" not in line and f"{tmp_path}/.run." in line and ".staging/" in line
    assert staging_leftovers(tmp_path) == []


def test_force_refuses_directories_that_are_not_runs(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(main, ["run", str(BASELINE), *RUN, "--out", str(mine), "--force"])
    assert check_outcome(result, mine, existed=True) == "error"
    assert "refusing to replace" in error_line(result)
    assert (mine / "notes.txt").read_text() == "keep me"


def test_force_refuses_the_working_directory(tmp_path):
    (tmp_path / "manifest.json").write_text("{}")  # even one that looks like a run
    with contextlib.chdir(tmp_path):
        result = CliRunner().invoke(main, ["run", str(BASELINE), *RUN, "--out", ".", "--force"])
    assert check_outcome(result) == "error"
    assert "refusing to replace" in error_line(result)
    assert (tmp_path / "manifest.json").read_text() == "{}"


def test_force_replaces_a_finished_run_and_an_empty_directory(tmp_path):
    for target in (tmp_path / "run", tmp_path / "empty"):
        if target.name == "run":
            execute(
                BASELINE, RunOptions(replications=5, seed=1, levels=["announced"], out_dir=target)
            )
        else:
            target.mkdir()
        result = CliRunner().invoke(
            main, ["run", str(BASELINE), *RUN, "--out", str(target), "--force"]
        )
        assert check_outcome(result, target) == "ok"
        check_run_dir(target)
