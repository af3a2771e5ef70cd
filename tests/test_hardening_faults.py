"""Faults during sweeps: a full disk, SIGKILL at any moment, a killed Dask worker.

Decisions (docs/outputs.md, "Exit status"): a write failing with an OSError
(ENOSPC, EACCES, ...) ends the command with exit status 2 and one Error line
naming the path and the OS reason - the user must act (free space, fix the
path) - and, for a sweep, saying that finished points are saved and
``--resume`` finishes the job. A resumed sweep equals an uninterrupted one.
"""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hardening_processes import start, survivors
from hardening_support import BASELINE, check_outcome, error_line

experiments = pytest.importorskip("sim.experiments")  # the sweep (issue 4)
from sim.experiments.store import RunStore  # noqa: E402
from sim.interfaces.cli import main  # noqa: E402
from sim.results.marker import MARKER, marker_bytes  # noqa: E402

pytestmark = pytest.mark.slow  # measured: see the README's Tests section

CEILING = "vendors.huawei.products.ascend_910c.yield_curve.ceiling"
SWEEP = [
    "sweep",
    str(BASELINE),
    "--set",
    f"{CEILING}=0.45,0.55,0.65,0.75",
    "--sample",
    "lhs",
    "--n",
    "3",
    "--param",
    "memory.*",
    "--reps",
    "8",
    "--seed",
    "5",
    "--quota",
    "announced",
    "--quota",
    "0.9",
    "--batch",
    "1",
]  # 12 one-point batches
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}


def digests(run_dir: Path) -> dict[str, str]:
    """SHA-256 of the files that must not depend on how a sweep ran."""
    return {
        n: hashlib.sha256((run_dir / n).read_bytes()).hexdigest()
        for n in ("points.csv", "results.parquet")
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("ref") / "sweep"
    result = CliRunner().invoke(main, SWEEP + ["--workers", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return digests(out)


def test_disk_full_mid_sweep_is_exit_2_and_keeps_finished_points(tmp_path, monkeypatch, reference):
    import sim.experiments.store as store

    real, calls = store.write_bytes, []

    def full_disk(path, data):
        if Path(path).suffix == ".npz":
            calls.append(path)
            if len(calls) == 4:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, data)

    monkeypatch.setattr(store, "write_bytes", full_disk)
    out = tmp_path / "sweep"
    result = CliRunner().invoke(main, SWEEP + ["--workers", "1", "--out", str(out)])
    assert check_outcome(result) == "error"
    line = error_line(result)
    assert "No space left on device" in line and "--resume" in line
    assert RunStore(out).finished() == {0, 1, 2} and not RunStore(out).complete
    assert not list((out / "batches").glob(".*.tmp"))
    monkeypatch.setattr(store, "write_bytes", real)  # space freed
    result = CliRunner().invoke(main, SWEEP + ["--workers", "1", "--out", str(out), "--resume"])
    assert check_outcome(result) == "ok"
    assert digests(out) == reference


def test_force_never_replaces_a_directory_that_is_not_a_sweep(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    result = CliRunner().invoke(main, SWEEP + ["--workers", "1", "--out", str(mine), "--force"])
    assert check_outcome(result, mine, existed=True) == "error"
    assert "refusing to replace" in error_line(result)
    assert (mine / "thesis.tex").read_text() == "years of work"


def test_results_parquet_holds_no_nan_or_infinity(tmp_path, reference):
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    out = tmp_path / "sweep"
    CliRunner().invoke(main, SWEEP + ["--workers", "1", "--out", str(out)])
    table = pq.read_table(out / "results.parquet")
    for name in ("mean", "p05", "p25", "p50", "p75", "p95"):
        column = table.column(name)
        assert not pc.any(pc.is_nan(column)).as_py(), name  # undefined is null, not NaN
        values = column.drop_null().to_numpy()
        assert np.isfinite(values).all(), name
    metrics = table.column("metric").to_numpy(zero_copy_only=False)
    nulls = table.column("mean").is_null().to_numpy(zero_copy_only=False)
    assert all(m.startswith(("domestic_share", "quota_compliance")) for m in metrics[nulls])


def test_repeated_sigkill_then_resume_equals_an_uninterrupted_sweep(tmp_path, reference):
    """SIGKILL the sweep three times as it stores a batch, resuming each time; same bytes.

    Each kill lands at a known point (before the 2nd batch of that attempt is
    stored, through tests/hardening_child.py), not after a delay.
    """
    out = tmp_path / "sweep"
    args = SWEEP + ["--workers", "1", "--out", str(out)]
    stored = []
    for attempt in range(3):
        started = start(args + (["--resume"] if attempt else []), tmp_path, "write", nth=2)
        started.wait_paused()
        started.kill()
        assert survivors(started.tag) == []
        store = RunStore(out)
        for index in store.finished():  # every stored batch is whole and readable
            store.read(index)
        stored.append(len(store.finished()))
    assert stored == [1, 2, 3]  # one more batch each time, none lost
    assert start(args + ["--resume"], tmp_path).finish() == 0
    assert digests(out) == reference


def test_resume_after_a_kill_during_sweep_start_up(tmp_path, reference):
    """A SIGKILL during start-up can only leave the hidden staging directory behind.

    The sweep directory itself appears by a rename, with its settings inside,
    so --resume finds either nothing (and starts afresh) or a resumable sweep.
    """
    out = tmp_path / "sweep"
    staging = tmp_path / ".sweep.new-99999"
    (staging / "batches").mkdir(parents=True)
    (staging / "batches" / ".settings.json.x1y2.tmp").write_text('{"partial')
    result = CliRunner().invoke(main, SWEEP + ["--workers", "1", "--out", str(out), "--resume"])
    assert result.exit_code == 0, result.output
    assert digests(out) == reference


def killed_sweep_remains(out: Path) -> None:
    """What a sweep killed after its first batch leaves: marker, settings, points, a batch."""
    (out / "batches").mkdir(parents=True)
    (out / MARKER).write_bytes(marker_bytes("sweep"))
    (out / "batches" / "settings.json").write_text('{"format": 1}\n')
    (out / "batches" / "b000000.npz").write_bytes(b"PK")
    (out / "batches" / ".b000001.npz.x1y2.tmp").write_bytes(b"PK")
    (out / "points.csv").write_text("point\n0\n")


def test_force_replaces_the_remains_of_a_killed_sweep(tmp_path, reference):
    out = tmp_path / "sweep"
    killed_sweep_remains(out)
    result = CliRunner().invoke(main, SWEEP + ["--workers", "1", "--out", str(out), "--force"])
    assert check_outcome(result) == "ok"
    assert digests(out) == reference


@pytest.mark.parametrize("extra", ["batches-only", "thesis", "foreign-batch", "no-marker"])
def test_force_refuses_a_folder_with_batches_that_is_not_a_sweep(tmp_path, extra):
    """Issue 13: `sweep --force` deleted any folder that had a batches/ subfolder."""
    out = tmp_path / "project"
    if extra == "batches-only":
        (out / "batches").mkdir(parents=True)
    else:
        killed_sweep_remains(out)
        if extra == "thesis":
            (out / "thesis.tex").write_text("years of work")
        elif extra == "foreign-batch":
            (out / "batches" / "data.xlsx").write_text("a user's spreadsheet")
        else:
            (out / MARKER).unlink()
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    result = CliRunner().invoke(main, SWEEP + ["--workers", "1", "--out", str(out), "--force"])
    assert check_outcome(result, out, existed=True) == "error"
    assert "refusing to replace" in error_line(result)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before


@pytest.mark.slow
def test_sigkill_of_a_dask_worker_midway(tmp_path, reference):
    """An external SIGKILL of a worker process: its batches are rescheduled, nothing lost."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        out = tmp_path / "sweep"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sim",
                *SWEEP,
                "--scheduler",
                cluster.scheduler_address,
                "--out",
                str(out),
            ],
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        while (
            (not out.exists() or len(RunStore(out).finished()) < 2)
            and time.monotonic() < deadline
            and process.poll() is None
        ):
            time.sleep(0.02)
        victim = sorted(client.run(os.getpid).values())[0]
        os.kill(victim, signal.SIGKILL)
        _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    assert digests(out) == reference
