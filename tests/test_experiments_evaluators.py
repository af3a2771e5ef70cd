"""Evaluators under stress: a worker dying at submit, too many workers, Dask without workers."""

from __future__ import annotations

import os
from concurrent.futures.process import BrokenProcessPool

import pytest
from experiments_support import SMALL, digests

from sim.experiments import evaluators
from sim.experiments.sweep import plan, run


class BreaksAtSubmit(evaluators.LocalPool):
    """A pool whose executor raises BrokenProcessPool from ``submit`` once (a worker just died)."""

    def __init__(self, workers: int, at: int):
        super().__init__(workers)
        self.at, self.submits = at, 0

    def _pool(self):
        pool = super()._pool()
        real = pool.submit

        def submit(*args, **kwargs):
            self.submits += 1
            if self.submits == self.at:
                raise BrokenProcessPool("a child process terminated abruptly")
            return real(*args, **kwargs)

        pool.submit = submit
        return pool


@pytest.fixture(scope="module")
def small_plan():
    return plan(SMALL)


@pytest.mark.slow
def test_a_pool_broken_at_submit_costs_only_a_retry(small_plan, tmp_path):
    run(small_plan, tmp_path / "reference", evaluators.Sequential())
    pool = BreaksAtSubmit(2, at=3)  # after two batches are in flight
    run(small_plan, tmp_path / "sweep", pool)
    assert pool.restarts == 1 and pool.describe()["restarts"] == 1
    assert digests(tmp_path / "sweep") == digests(tmp_path / "reference")


def test_workers_above_the_cpu_count_are_capped_with_a_note(monkeypatch):
    monkeypatch.setattr(evaluators, "cpu_count", lambda: 2)
    notes = []
    pool = evaluators.make(1024, None, notes.append)
    assert isinstance(pool, evaluators.LocalPool) and pool.workers == 2
    assert notes == [
        "note: --workers 1024 is more than the 2 CPUs here: using 2 (more "
        "processes than CPUs only add memory and switching)"
    ]
    notes.clear()
    assert evaluators.make(2, None, notes.append).workers == 2 and notes == []


@pytest.mark.slow
def test_a_local_dask_cluster_runs_each_worker_in_a_process_of_its_own():
    # much of the model is Python holding the GIL: threads of one process would mostly
    # take turns, so each worker gets a process of its own
    evaluator = evaluators.DaskEvaluator.connect("local", workers=2)
    try:
        pids = evaluator.client.run(os.getpid)  # {worker address: its process id}
        assert len(pids) == 2 and len(set(pids.values()) | {os.getpid()}) == 3
    finally:
        evaluator.close()


def dask(workers: int, monkeypatch):
    from distributed import Client, LocalCluster

    monkeypatch.setattr(evaluators, "WORKER_WAIT", 1.0)
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None
    )
    return evaluators.DaskEvaluator(Client(cluster), cluster, address=cluster.scheduler_address)


def test_a_scheduler_without_workers_is_a_clear_error(small_plan, monkeypatch):
    evaluator = dask(0, monkeypatch)
    try:
        with pytest.raises(
            evaluators.NoWorkers,
            match="has no workers .waited 1 s.; start workers with `dask worker ADDRESS`",
        ):
            next(evaluator.run(small_plan.job, [small_plan.batch(0)]))
    finally:
        evaluator.close()


@pytest.mark.slow
def test_losing_every_worker_mid_run_is_a_clear_error(small_plan, monkeypatch):
    evaluator = dask(1, monkeypatch)
    try:
        results = evaluator.run(small_plan.job, (small_plan.batch(i) for i in range(6)))
        first = next(results)
        assert first.index in range(6)
        evaluator.cluster.scale(0)
        with pytest.raises(evaluators.NoWorkers, match="lost all its workers"):
            list(results)
        assert len(evaluator.lost) == 1 and evaluator.describe()["workers_lost"]
        assert evaluator.describe()["workers_used"] == sorted(evaluator.lost)
    finally:
        evaluator.close()


@pytest.mark.slow
def test_the_cli_says_the_scheduler_has_no_workers(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from distributed import LocalCluster
    from experiments_support import BASELINE, CEILING

    from sim.interfaces.cli import main

    monkeypatch.setattr(evaluators, "WORKER_WAIT", 1.0)
    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        result = CliRunner().invoke(
            main,
            [
                "sweep",
                BASELINE,
                "--set",
                f"{CEILING}=0.5,0.6",
                "--reps",
                "2",
                "--quota",
                "announced",
                "--scheduler",
                cluster.scheduler_address,
                "--out",
                str(tmp_path / "s"),
            ],
        )
    assert result.exit_code == 2, result.output
    assert "has no workers" in result.output and "rerun with --resume" in result.output
    assert "cannot write output" not in result.output and "Traceback" not in result.output
