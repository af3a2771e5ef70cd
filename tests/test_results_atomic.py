"""sim.results.atomic: files by temp-and-rename, output directories via a staging directory."""

from __future__ import annotations

import errno
import os

import pytest

from sim.results import atomic, renames
from sim.results.claim import OutputRefused
from sim.results.marker import MARKER, marker_kind


def test_write_bytes_replaces_whole_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "sub" / "f.txt"
    atomic.write_text(path, "one")
    atomic.write_bytes(path, b"two")
    assert path.read_bytes() == b"two"
    assert os.listdir(path.parent) == ["f.txt"]
    assert path.stat().st_mode & 0o777 == 0o666 & ~atomic.current_umask()


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")

    def fail(handle):
        handle.write(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError) as caught:
        atomic.write_stream(path, fail)
    assert caught.value.filename == str(path)  # named although the error named no file
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["f.txt"]


def test_staged_directory_appears_only_on_success_with_its_marker(tmp_path):
    target = tmp_path / "run"
    with atomic.staged_directory(target, kind="sweep") as stage:
        (stage / "manifest.json").write_text("{}")
        assert not target.exists()
    assert marker_kind(target) == "sweep" and (target / "manifest.json").exists()
    with pytest.raises(RuntimeError), atomic.staged_directory(tmp_path / "failed") as stage:
        raise RuntimeError("the command failed")
    assert sorted(os.listdir(tmp_path)) == ["run"]  # no staging dir, lock or target left


def test_existing_output_needs_force_and_must_be_chipsims(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "run"
    with atomic.staged_directory(target) as stage:
        (stage / "manifest.json").write_text('{"files": ["manifest.json"]}')
    with pytest.raises(OutputRefused, match="output directory exists; pass --force"):
        with atomic.staged_directory(target):
            pass
    with atomic.staged_directory(target, force=True) as stage:
        (stage / "manifest.json").write_text('{"files": ["manifest.json"], "n": 2}')
    assert '"n": 2' in (target / "manifest.json").read_text()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("")
    with pytest.raises(OutputRefused, match="refusing to replace it with --force: not written"):
        atomic.check_replace(mine, force=True)
    assert not atomic.replaceable(mine) and atomic.replaceable(target)


@pytest.mark.parametrize("native", [True, False])
def test_replace_directory_swaps_and_removes_the_old(tmp_path, monkeypatch, native):
    if not native:
        monkeypatch.setattr(renames, "_renameat2", lambda: None)
    old, new = tmp_path / "out", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    (old / "a").write_text("old")
    (new / "b").write_text("new")
    atomic.replace_directory(new, old)
    assert os.listdir(old) == ["b"] and os.listdir(tmp_path) == ["out"]


def test_target_appearing_while_working_is_not_replaced(tmp_path):
    target = tmp_path / "run"
    with pytest.raises(OutputRefused, match="appeared while chipsim was working"):
        with atomic.staged_directory(target) as stage:
            (stage / "x").write_text("")
            target.mkdir()
            (target / "theirs").write_text("")
    assert os.listdir(target) == ["theirs"]
    assert not list(tmp_path.glob(".run.*.staging"))
    assert MARKER not in os.listdir(target)
