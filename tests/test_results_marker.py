"""sim.results.marker: the hidden marker and what --force may replace."""

from __future__ import annotations

import json
import os

import pytest

from sim.results.marker import (
    MARKER,
    chipsim_manifest,
    foreign,
    marker_bytes,
    marker_kind,
    why_not_replaceable,
)


def _run(path, kind="run", manifest=True):
    path.mkdir()
    (path / MARKER).write_bytes(marker_bytes(kind))
    if manifest:
        (path / "manifest.json").write_text(json.dumps({"files": ["manifest.json"]}))
    return path


def test_marker_round_trip_and_unknown_kinds(tmp_path):
    assert marker_kind(_run(tmp_path / "r", "sweep")) == "sweep"
    (tmp_path / "r" / MARKER).write_text(json.dumps({"chipsim_output": "nope", "format": 1}))
    assert marker_kind(tmp_path / "r") is None
    (tmp_path / "r" / MARKER).write_text(json.dumps({"chipsim_output": "run", "format": 2}))
    assert marker_kind(tmp_path / "r") is None
    assert marker_kind(tmp_path) is None


def test_finished_run_and_empty_directory_may_be_replaced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = _run(tmp_path / "r")
    (run / "summary.csv").write_text("")
    (run / "report.html").write_text("")  # a file chipsim adds
    assert why_not_replaceable(run) is None
    (tmp_path / "empty").mkdir()
    assert why_not_replaceable(tmp_path / "empty") is None


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("unmarked", "no .chipsim-output marker"),
        ("foreign", "holds 'notes.txt'"),
        ("unfinished", "neither a finished output"),
        ("bad-manifest", "not a chipsim manifest"),
        ("file", "not a directory"),
        ("cwd", "working directory"),
    ],
)
def test_refusals_say_why(tmp_path, monkeypatch, setup, reason):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "r"
    if setup == "unmarked":
        target.mkdir()
        (target / "summary.csv").write_text("")
    elif setup == "file":
        target.write_text("")
    elif setup == "cwd":
        target = tmp_path
    else:
        _run(target, manifest=setup != "unfinished")
        (target / "notes.txt" if setup == "foreign" else target / "summary.csv").write_text("")
        if setup == "bad-manifest":
            (target / "manifest.json").write_text("{}")
    assert reason in why_not_replaceable(target)


def test_unfinished_sweep_with_batches_may_be_replaced_but_not_foreign_batches(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    sweep = _run(tmp_path / "s", "sweep", manifest=False)
    (sweep / "batches").mkdir()
    (sweep / "batches" / "settings.json").write_text("{}")
    (sweep / "batches" / "b000001.npz").write_bytes(b"")
    assert why_not_replaceable(sweep) is None
    (sweep / "batches" / "mine.txt").write_text("")
    assert why_not_replaceable(sweep) == "batches/mine.txt is not a file chipsim writes there"


def test_foreign_and_manifest_checks(tmp_path):
    run = _run(tmp_path / "r")
    entries = {e.name: e for e in os.scandir(run)}
    assert foreign("manifest.json", entries["manifest.json"], "run") is None
    assert foreign("manifest.json", entries["manifest.json"], "sweep") is None
    assert foreign(MARKER, entries[MARKER], "sweep") is None
    assert chipsim_manifest(run / "manifest.json")
    assert not chipsim_manifest(run / MARKER)
