"""Issue 21, class 7: SIGTERM is handled as Ctrl-C is.

SIGTERM (what ``kill``, ``timeout`` and service managers send) got none of
SIGINT's handling: the command died at once (status -15), said nothing and
left its lock. One handler (sim.interfaces.cli.on_signal) now serves SIGINT and SIGTERM
in the chipsim process: it raises KeyboardInterrupt, or for SIGTERM its
subclass Terminated, so the same cleanup runs (staging removed, lock released,
a sweep's finished batches kept for --resume, workers stopped). The exit
status is 128 + the signal's number, as a shell reports a command the signal
killed: 130 after SIGINT, 143 after SIGTERM (so callers can tell a stop
request from Ctrl-C). A forked worker that inherits the handler lets SIGTERM
end it, as before (that is how its parent stops it).

In-process tests raise the signals at known points; the subprocess tests run
a few of the random-time trials of benchmarks/signal_table.py (which prints
the whole table) and check their properties.
"""

from __future__ import annotations

import importlib.util
import os
import random
import re
import signal
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hardening_support import BASELINE, check_run_dir, staging_leftovers

import sim.interfaces.cli as cli
from sim.experiments.store import RunStore
from sim.interfaces.cli import main

ROOT = Path(__file__).resolve().parents[1]
RUN = ["run", str(BASELINE), "--reps", "12", "--quota", "announced", "--explain-reps", "0"]
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
    "4",
    "--seed",
    "5",
    "--quota",
    "announced",
    "--batch",
    "1",
    "--workers",
    "1",
]  # 4 one-point batches, in this process


def signalled(signum: int):
    """A stand-in that delivers ``signum`` to this process, as ``kill`` would."""

    def deliver(*args, **kwargs):
        os.kill(os.getpid(), signum)
        raise AssertionError("the signal's handler did not raise")

    return deliver


def invoke(args):
    return CliRunner().invoke(main, [str(a) for a in args])


def entries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# -- in this process, at known points -------------------------------------------------------


@pytest.mark.parametrize(
    "signum, status, words",
    [
        (signal.SIGTERM, 143, "interrupted (SIGTERM): nothing was written"),
        (signal.SIGINT, 130, "interrupted: nothing was written"),
    ],
)
def test_a_signalled_run_exits_with_its_status_and_leaves_nothing(
    tmp_path, monkeypatch, signum, status, words
):
    """Issue 21: SIGTERM killed the run at once (status -15), silent, its lock left."""
    monkeypatch.setattr("sim.interfaces.runner.simulate", signalled(signum))
    before = {s: signal.getsignal(s) for s in cli.HANDLED}
    result = invoke([*RUN, "--out", tmp_path / "out"])
    assert result.exit_code == status, result.output
    assert result.stderr.strip().splitlines()[-1] == words
    assert "Traceback" not in result.output and "Aborted" not in result.output
    assert entries(tmp_path) == []  # no output, no staging, no lock
    assert {s: signal.getsignal(s) for s in cli.HANDLED} == before  # handlers put back


class SignalledOnCollection:
    """An object whose ``__del__`` is where the signal's exception is raised (and swallowed)."""

    def __del__(self):
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(10_000):  # the handler runs here, inside __del__
            pass


def test_a_signal_swallowed_by_a_finaliser_is_delivered_again(tmp_path, monkeypatch):
    """Issue 21: a signal landing in Dask's GC callback printed "Exception ignored ...
    KeyboardInterrupt" and the sweep went on to finish with status 0."""

    def simulate(*args, **kwargs):
        SignalledOnCollection()  # dropped at once: its __del__ runs now
        for _ in range(10_000_000):  # ordinary code, where the signal comes again
            pass
        raise AssertionError("the signal was lost")

    monkeypatch.setattr("sim.interfaces.runner.simulate", simulate)
    result = invoke([*RUN, "--out", tmp_path / "out"])
    assert result.exit_code == 143, result.output
    assert "Exception ignored" not in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "interrupted (SIGTERM): nothing was written"
    assert entries(tmp_path) == []


def test_a_signal_turned_into_another_error_still_ends_as_interrupted(tmp_path, monkeypatch):
    """Issue 21: SIGINT while matplotlib drew a report came out of its C++ renderer as
    "ValueError: Invalid bounding box": a traceback and status 1."""

    def simulate(*args, **kwargs):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):
                pass
        except BaseException:  # what a C extension does with a failed call back into Python
            raise ValueError("Invalid bounding box") from None
        raise AssertionError("no signal")

    monkeypatch.setattr("sim.interfaces.runner.simulate", simulate)
    result = invoke([*RUN, "--out", tmp_path / "out"])
    assert result.exit_code == 143, result.output
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "interrupted (SIGTERM): stopped (ValueError on the way); no output is left half-written"
    )
    assert entries(tmp_path) == []


def test_an_error_without_a_signal_is_not_taken_for_one(tmp_path, monkeypatch):
    monkeypatch.setattr("sim.interfaces.runner.simulate", lambda *a, **k: 1 / 0)
    result = invoke([*RUN, "--out", tmp_path / "out"])
    assert isinstance(result.exception, ZeroDivisionError)


@pytest.mark.slow
def test_a_sigterm_mid_sweep_keeps_the_batches_for_resume(tmp_path, monkeypatch):
    out = tmp_path / "out"
    real, writes = RunStore.write, []

    def write(self, result):
        writes.append(result.index)
        if len(writes) == 3:
            os.kill(os.getpid(), signal.SIGTERM)
        return real(self, result)

    monkeypatch.setattr(RunStore, "write", write)
    result = invoke([*SWEEP, "--out", out])
    assert result.exit_code == 143, result.output
    assert re.fullmatch(
        r"interrupted: 2 of 4 batches saved in .*/; repeat the command with "
        "--resume to finish",
        result.stderr.strip().splitlines()[-1],
    )
    assert RunStore(out).finished() == set(writes[:2])
    assert ".out.lock" not in entries(tmp_path) and staging_leftovers(tmp_path) == []
    monkeypatch.setattr(RunStore, "write", real)
    result = invoke([*SWEEP, "--out", out, "--resume"])
    assert result.exit_code == 0, result.output
    assert RunStore(out).complete


def test_a_signal_during_the_report_of_a_run_says_the_run_is_whole(tmp_path, monkeypatch):
    """``run --report``: the run directory is complete; "nothing was written" was wrong."""
    monkeypatch.setattr("sim.report.writer.write_report", signalled(signal.SIGTERM))
    out = tmp_path / "out"
    result = invoke([*RUN, "--out", out, "--report"])
    assert result.exit_code == 143, result.output
    assert result.stderr.strip().splitlines()[-1] == (
        f"interrupted (SIGTERM): {out}/ is complete; its report.html was not written "
        "(chipsim report writes it)"
    )
    check_run_dir(out)


@pytest.mark.slow
def test_report_in_both_formats_says_which_file_it_wrote(tmp_path, monkeypatch):
    invoke([*RUN, "--out", tmp_path / "run"])
    monkeypatch.setattr("sim.report.writer.render_pdf", signalled(signal.SIGINT))
    result = invoke(["report", tmp_path / "run", "--format", "both", "-o", tmp_path / "r"])
    assert result.exit_code == 130, result.output
    last = result.stderr.strip().splitlines()[-1]
    assert last == f"interrupted: wrote {tmp_path / 'r.html'} only"
    assert (tmp_path / "r.html").is_file() and not (tmp_path / "r.pdf").exists()
    assert staging_leftovers(tmp_path) == []


def test_a_signal_ignored_at_start_stays_ignored(tmp_path, monkeypatch):
    """``nohup`` or a background job: chipsim does not take a signal its caller ignored."""
    seen = {}

    def look(*args, **kwargs):
        seen.update({s: signal.getsignal(s) for s in cli.HANDLED})
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.interfaces.runner.simulate", look)
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        assert invoke([*RUN, "--out", tmp_path / "out"]).exit_code == 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen[signal.SIGTERM] == signal.SIG_IGN and seen[signal.SIGINT] == cli.on_signal


def test_a_forked_worker_is_ended_by_sigterm_as_before():
    """The handler a forked worker inherits lets SIGTERM end it (how its parent stops it),
    even a SIGTERM sent the moment it is forked (Python drops a signal that arrives before
    its after-fork step; SIGTERM is blocked across the fork so it waits instead)."""
    with cli.signals_handled():
        for _ in range(20):
            pid = os.fork()
            if pid == 0:  # the worker: wait for the signal
                try:
                    while True:
                        signal.pause()
                finally:
                    os._exit(3)  # reached only if SIGTERM raised instead of ending it
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 30
            while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
                time.sleep(0.005)
            if done[0] == 0:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail("a forked worker outlived SIGTERM")
            assert os.WIFSIGNALED(done[1]) and os.WTERMSIG(done[1]) == signal.SIGTERM
    assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == set()  # nothing left blocked


# -- random-time trials in real processes (benchmarks/signal_table.py) ----------------------


def load_table():
    spec = importlib.util.spec_from_file_location(
        "signal_table", ROOT / "benchmarks" / "signal_table.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["signal_table"] = module  # its dataclasses look themselves up
    spec.loader.exec_module(module)
    return module


# A traceback printed by a pool worker being started (multiprocessing's forkserver) when the
# sweep is stopped at that moment: the worker finds the pool's semaphore already gone.
POOL_START_RACE = re.compile(r"multiprocessing/synchronize\.py.*\n.*\n.*\nFileNotFoundError")


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    module = load_table()
    return module, module.Bench(tmp_path_factory.mktemp("signal-table"))


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds processes via /proc")
@pytest.mark.parametrize("command", ["run", "sweep", "report"])
def test_random_time_signals_leave_nothing_behind(table, tmp_path, command):
    """One SIGTERM and one SIGINT at a seeded random time, one to the process group (as
    ``timeout`` and Ctrl-C send it), one to the process alone (as ``kill``)."""
    module, bench = table
    seconds = bench.reference(command)
    rng = random.Random(f"{command}-21")
    for k, (name, to) in enumerate([("SIGTERM", "group"), ("SIGINT", "process")]):
        delay = rng.uniform(0.0, 0.6 * seconds)  # after chipsim took over the signals
        trial = bench.trial(command, name, to, delay, tmp_path / f"t{k}", after_handlers=True)
        where = f"{command} {name} to {to} at {delay:.2f} s: {trial}"
        assert trial.handled or trial.status == 0, where
        # -2: CPython re-raises SIGINT at exit when the KeyboardInterrupt passed through C
        # code that ran Python (an import); the shell reports it as 130 too.
        assert trial.status in (0, 128 + module.SIGNALS[name]) or (
            name == "SIGINT" and trial.status == -signal.SIGINT
        ), where
        if trial.status != 0:
            assert trial.message.startswith("interrupted"), where
        if trial.traceback:  # only the known pool start-up race (sim.experiments.evaluators)
            assert command == "sweep" and POOL_START_RACE.search(trial.notes), where
        assert trial.left == [], where
        assert not trial.lock and trial.partial == [], where
        assert (
            trial.output
            in {
                "run": ("absent", "complete"),
                "report": ("absent", "complete"),
                "sweep": ("absent", "complete", "resumable"),
            }[command]
        ), where
        if trial.output == "resumable":
            assert trial.resumed == "yes", where


def test_the_message_is_chipsims_last_line_not_a_workers_traceback():
    module = load_table()
    race = (
        "interrupted: 0 of 6 batches saved in out/\nTraceback (most recent call last):\n"
        '  File "synchronize.py", line 115, in __setstate__\n'
        "FileNotFoundError: [Errno 2] No such file or directory\n"
    )
    assert module.last_message(race) == "interrupted: 0 of 6 batches saved in out/"
    assert module.last_message("Error: --reps: expected an integer\n") == (
        "Error: --reps: expected an integer"
    )
    assert module.last_message("") == ""
