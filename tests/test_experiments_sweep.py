"""Sweeps give the same bytes whatever runs them; a resumed sweep equals an uninterrupted one."""

import functools
import json
import signal
import subprocess
import sys
import time

import numpy as np
import pyarrow.parquet as pq
import pytest
from experiments_support import SMALL, CrashingPool, StopAfter, digests

from sim.experiments import evaluators
from sim.experiments.store import ResumeMismatch, RunStore
from sim.experiments.sweep import plan, run

pytestmark = pytest.mark.slow  # measured: see the README's Tests section


@pytest.fixture(scope="module")
def small_plan():
    return plan(SMALL)


@pytest.fixture(scope="module")
def reference(small_plan, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "sweep"
    run(small_plan, out, evaluators.Sequential())
    return digests(out)


def test_a_sweep_writes_points_results_and_manifest(small_plan, tmp_path):
    out = tmp_path / "sweep"
    run(small_plan, out, evaluators.Sequential())
    assert sorted(p.name for p in out.iterdir()) == [
        ".chipsim-output",
        "dictionary.csv",
        "manifest.json",
        "points.csv",
        "results.parquet",
    ]
    header = (out / "points.csv").read_text().splitlines()[0].split(",")
    assert header[0] == "point" and header[1].endswith("yield_curve.ceiling")
    table = pq.read_table(out / "results.parquet")
    assert table.column_names == [
        "point",
        "quota",
        "metric",
        "unit",
        "region",
        "period",
        "mean",
        "p05",
        "p25",
        "p50",
        "p75",
        "p95",
    ]
    points = table["point"].to_numpy()
    assert np.all(np.diff(points) >= 0) and set(points) == set(range(small_plan.design.size))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replications"] == 12 and manifest["quota_levels"] == ["announced", "0.7"]
    assert manifest["command"].startswith("chipsim sweep ")


def test_results_are_identical_across_evaluators(small_plan, reference, tmp_path):
    from distributed import Client, LocalCluster

    out = tmp_path / "pool"
    run(small_plan, out, evaluators.LocalPool(2))
    assert digests(out) == reference
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    dask = evaluators.DaskEvaluator(Client(cluster), cluster)
    try:
        run(small_plan, tmp_path / "dask", dask)
    finally:
        dask.close()
    assert digests(tmp_path / "dask") == reference


def test_an_interrupted_sweep_resumes_to_the_same_bytes(small_plan, reference, tmp_path):
    out = tmp_path / "sweep"
    with pytest.raises(KeyboardInterrupt):
        run(small_plan, out, StopAfter(5))
    store = RunStore(out)
    assert len(store.finished()) == 5 and not store.complete
    computed = run(small_plan, out, evaluators.Sequential(), resume=True)["computed"]
    assert computed == small_plan.batch_count - 5
    assert digests(out) == reference


def test_a_dead_local_worker_costs_only_a_retry(small_plan, reference, tmp_path):
    run(small_plan, tmp_path / "sweep", CrashingPool(2, tmp_path / "crashed"))
    assert (tmp_path / "crashed").exists()
    assert digests(tmp_path / "sweep") == reference


def test_resume_refuses_other_settings(small_plan, tmp_path):
    from dataclasses import replace

    out = tmp_path / "sweep"
    with pytest.raises(KeyboardInterrupt):
        run(small_plan, out, StopAfter(2))
    other = plan(replace(small_plan.options, reps=13))
    with pytest.raises(ResumeMismatch, match="replications: 12 there, 13 now"):
        run(other, out, evaluators.Sequential(), resume=True)


@pytest.mark.slow
def test_sigkill_of_the_main_process_then_resume(tmp_path):
    """Kill ``chipsim sweep`` (SIGKILL) once some batches are stored; --resume finishes it."""
    from dataclasses import replace

    one_each = plan(replace(SMALL, batch=1))  # 12 batches of one point
    run(one_each, tmp_path / "reference", evaluators.Sequential())
    out = tmp_path / "sweep"
    o = one_each.options
    command = [
        sys.executable,
        "-m",
        "sim",
        "sweep",
        o.scenario_file,
        "--set",
        f"{o.sets[0][0]}={','.join(o.sets[0][1])}",
        "--sample",
        o.sample,
        "--n",
        str(o.n),
        "--reps",
        str(o.reps),
        "--seed",
        str(o.seed),
        "--param",
        o.params[0],
        "--quota",
        o.quotas[0],
        "--quota",
        o.quotas[1],
        "--batch",
        "1",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(RunStore(out).finished()) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    stored = RunStore(out).finished()
    assert 3 <= len(stored) < one_each.batch_count and not RunStore(out).complete
    result = subprocess.run(command + ["--resume"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert digests(out) == digests(tmp_path / "reference")


@pytest.mark.slow
def test_a_lost_dask_worker_is_retried(small_plan, reference, tmp_path):
    """A worker process that dies mid-task: the scheduler reruns its batch elsewhere."""
    import cloudpickle
    import experiments_support
    from distributed import Client, LocalCluster

    cloudpickle.register_pickle_by_value(experiments_support)
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    dask = evaluators.DaskEvaluator(Client(cluster), cluster)
    dask.task = functools.partial(experiments_support.crash_once, str(tmp_path / "crashed"))
    try:
        run(small_plan, tmp_path / "sweep", dask)
        described = dask.describe()
    finally:
        dask.close()
        cloudpickle.unregister_pickle_by_value(experiments_support)
    assert (tmp_path / "crashed").exists()
    assert digests(tmp_path / "sweep") == reference
    assert len(described["workers_lost"]) == 1  # the crashed worker (its nanny starts another)
    manifest = json.loads((tmp_path / "sweep" / "manifest.json").read_text())
    assert manifest["evaluator"]["workers_lost"] == described["workers_lost"]
    assert manifest["evaluator"]["workers_used"]


def test_a_design_pinning_every_uncertain_parameter_runs_one_replication():
    """Even with --reps 200: all replications of a point would be the same run."""
    from dataclasses import replace

    from experiments_support import BASELINE

    from sim.experiments.sweep import SweepOptions

    chosen = plan(replace(SweepOptions(BASELINE), sample="lhs", n=3, reps=200))
    assert chosen.job.replications == 1 and chosen.varying == []
    assert any("running 1 per point instead of the 200 asked for" in n for n in chosen.notes)


def test_a_partial_design_says_which_parameters_still_vary(small_plan):
    varied = {spec.path for spec in small_plan.design.columns}
    assert small_plan.varying and not varied & set(small_plan.varying)
    assert "demand.budget_usd" in small_plan.varying  # the baseline's demand is a budget
    note = next(n for n in small_plan.notes if "still vary" in n)
    assert (
        f"within each point {len(small_plan.varying)} uncertain parameters still vary "
        f"across the 12 replications"
        in note
        and "demand.budget_usd" in note
    )


def test_the_manifest_records_the_evaluator_and_what_varies(small_plan, tmp_path):
    out = tmp_path / "sweep"
    run(small_plan, out, evaluators.LocalPool(2))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["evaluator"] == {"kind": "local pool", "workers": 2, "restarts": 0}
    assert manifest["varying_within_point"] == small_plan.varying


def test_a_failed_sweep_says_what_it_keeps_for_resume_only_once_it_started(tmp_path):
    from sim.experiments.sweep import saved_note

    out = tmp_path / "sweep"
    assert saved_note(out) is None  # nothing started: nothing to resume
    RunStore(out).open({"seed": 1}, "point\n0\n", resume=False, force=False)
    assert saved_note(out) == (
        "the sweep directory is kept (no batch finished yet): rerun with --resume"
    )
    (out / "batches" / "b000000.npz").write_bytes(b"")
    (out / "batches" / "b000003.npz").write_bytes(b"")
    assert saved_note(out) == "2 finished batches are saved: rerun with --resume"
