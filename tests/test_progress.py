"""Progress on long waits: on stderr only, never in stdout or a file, and shown when forced.

``CHIPSIM_PROGRESS=lines`` forces plain lines (as in a log); ``off`` silences
them. A run, a diff's driver reruns and a calibration's screening must report
while leaving every byte of their output as it is without progress.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from chipsim_testing import BASELINE, SEED
from click.testing import CliRunner

from sim.experiments import progress
from sim.experiments.progress import ENV, Display, Meter, Progress
from sim.interfaces.cli import main
from sim.model import parallel
from sim.model.ensemble import Blocking, SimulateOptions, calendar_of, simulate
from sim.scenario import load


@pytest.fixture
def clock(monkeypatch):
    """A hand-moved clock for the progress module: ``clock[0]`` is the time in seconds."""
    now = [100.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: now[0])
    monkeypatch.delenv(ENV, raising=False)
    return now


def test_a_wait_shorter_than_the_delay_shows_nothing(clock):
    stream = io.StringIO()
    bar = Progress(10, display=Display(label="x", delay=2.0, stream=stream))
    clock[0] += 1.9
    bar.update(10)
    bar.close()
    assert stream.getvalue() == ""


def test_a_longer_wait_shows_a_first_line_after_the_delay_then_sparse_ones(clock):
    stream = io.StringIO()
    bar = Progress(
        10, Display(label="simulating", unit="months", interval=5.0, delay=2.0, stream=stream)
    )
    bar.update(1)
    clock[0] += 2.5
    bar.update(1)  # the first line: the delay has passed
    clock[0] += 1.0
    bar.update(1)  # within the interval: nothing
    clock[0] += 0.5
    bar.update(7)  # the end
    lines = stream.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "simulating: 2/10 months",
        "simulating: 10/10 months",
    ]


@pytest.mark.parametrize("chosen,shown", [("lines", True), ("off", False)])
def test_the_environment_forces_plain_lines_or_silence(clock, monkeypatch, chosen, shown):
    monkeypatch.setenv(ENV, chosen)
    stream = io.StringIO()
    bar = Progress(5, Display(label="x", delay=2.0, bar=True, stream=stream))  # a bar: tqdm
    assert bar.bar is None
    bar.update(5)
    assert stream.getvalue().startswith("x: 5/5 points (100%)") is shown
    assert (stream.getvalue() == "") is not shown


def test_a_meter_closes_at_its_total_and_ignores_later_calls(clock, monkeypatch, capsys):
    monkeypatch.setenv(ENV, "lines")
    meter = Meter("reruns", "months")
    for done in (0, 5, 10, 10):
        meter(done, 10)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("reruns: 10/10 months (100%)")


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_reports_its_months_and_gives_the_same_numbers(workers):
    if workers > 1 and not parallel.can_fork():
        pytest.skip("worker processes need fork")
    scenario = load(BASELINE)
    seen = []
    blocking = Blocking(size=20, workers=workers)
    plain = simulate(
        scenario, 60, SEED, ["announced", "1.0"], options=SimulateOptions(blocking=blocking)
    )
    followed = simulate(
        scenario,
        60,
        SEED,
        ["announced", "1.0"],
        options=SimulateOptions(
            blocking=Blocking(
                size=20, workers=workers, progress=lambda done, total: seen.append((done, total))
            )
        ),
    )
    total = 3 * calendar_of(scenario).months  # three blocks of 20
    assert seen[-1] == (total, total) and {t for _, t in seen} == {total}
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    if workers == 1:
        assert len(seen) > 3  # month by month, not only block by block
    assert [r[:4] for r in plain.rows] == [r[:4] for r in followed.rows]
    for a, b in zip(plain.rows, followed.rows, strict=True):
        np.testing.assert_array_equal(a[4], b[4])
    for key in plain.replicates:
        np.testing.assert_array_equal(plain.replicates[key], followed.replicates[key])


def invoke(monkeypatch, chosen: str, args: list):
    """Run the command line with CHIPSIM_PROGRESS=chosen; stdout and stderr kept apart."""
    monkeypatch.setenv(ENV, chosen)
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def without_time(text: str, *paths) -> str:
    """Stdout without its wall-time line and with the output paths made equal."""
    for path in paths:
        text = text.replace(str(path), "OUT")
    return "\n".join(
        line for line in text.splitlines() if " in " not in line or not line.startswith("Wrote")
    )


def test_run_progress_goes_to_stderr_and_changes_no_output(tmp_path, monkeypatch):
    args = ["run", BASELINE, "--reps", 40, "--quota", "announced", "--explain-reps", 0, "--out"]
    forced = invoke(monkeypatch, "lines", [*args, tmp_path / "a"])
    quiet = invoke(monkeypatch, "off", [*args, tmp_path / "b"])
    assert "simulating: " in forced.stderr and "simulating" not in forced.stdout
    assert "simulating" not in quiet.stderr
    assert without_time(forced.stdout, tmp_path / "a") == without_time(quiet.stdout, tmp_path / "b")
    for name in ("summary.csv", "replications.npz"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


@pytest.mark.slow
def test_diff_driver_reruns_show_progress_on_stderr_only(tmp_path, monkeypatch):
    variant = tmp_path / "variant.toml"
    variant.write_text(
        f"extends = {str(BASELINE)!r}\ndemand.budget_usd = {{ value = 2.4e10 }}\n", "utf-8"
    )
    for name, scenario in (("a", BASELINE), ("b", variant)):
        invoke(
            monkeypatch,
            "off",
            [
                "run",
                scenario,
                "--reps",
                30,
                "--quota",
                "announced",
                "--explain-reps",
                0,
                "--out",
                tmp_path / name,
            ],
        )
    args = ["diff", tmp_path / "a", tmp_path / "b"]
    forced, quiet = invoke(monkeypatch, "lines", args), invoke(monkeypatch, "off", args)
    assert "diff (driver reruns): " in forced.stderr and "(100%)" in forced.stderr
    assert "driver reruns" not in forced.stdout and quiet.stderr == ""
    assert forced.stdout == quiet.stdout


def test_discover_counts_each_box_s_prim_runs_and_finds_the_same_box(monkeypatch, capsys):
    """A box planted in noise: the trajectory and the resampling runs are counted, on stderr."""
    from sim.experiments import discovery, prim

    rng = np.random.default_rng(4)
    x = rng.random((400, 3))
    cases = (x[:, 0] < 0.3) & (x[:, 2] > 0.6)
    inputs = discovery.Inputs(["a", "b", "c"], ["number"] * 3, [True] * 3, x, [], 3)
    monkeypatch.setenv(ENV, "lines")
    shown = discovery.discover(inputs, cases, boxes=1, min_density=0.85, shown=True)
    captured = capsys.readouterr()
    runs = 1 + prim.RESAMPLES
    assert f"discover (box 1): {runs}/{runs} PRIM runs (100%)" in captured.err
    assert captured.out == ""
    quiet = discovery.discover(inputs, cases, boxes=1, min_density=0.85)
    assert capsys.readouterr().err == ""
    np.testing.assert_array_equal(shown[0].stability, quiet[0].stability)
    assert shown[0].box.restricted(x) == quiet[0].box.restricted(x)
