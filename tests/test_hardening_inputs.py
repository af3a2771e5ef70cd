"""Issue 13's inputs: files that hung or crashed, Ctrl-C, and work too large for memory.

* A scenario or ``extends`` target that is a FIFO is refused at once (it hung
  forever); an over-long ``extends`` name is one Error line under every
  command that loads scenarios (it was an ENAMETOOLONG traceback).
* Ctrl-C ends every command with status 130 and nothing written.
* A run, sweep or study whose memory estimate exceeds the memory available is
  refused up front with the estimate (exit 2), instead of being killed by the
  OOM killer or dying in a MemoryError traceback; the estimate's law is tested
  with hypothesis (more of anything never needs less memory).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hardening_support import BASELINE, check_outcome, error_line
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.interfaces.cli import main
from sim.model import budget
from sim.scenario import load

ROOT = Path(__file__).resolve().parents[1]
LOADERS = {  # every command that loads a scenario, with cheap options
    "params": ["params"],
    "run": ["run", "--reps", "3"],
    "sweep": ["sweep", "--n", "2", "--reps", "2"],
    "sensitivity": ["sensitivity", "--n", "2", "--reps", "1"],
    "calibrate": ["calibrate", "--n", "100", "--reps", "20"],
}


def with_scenario(command: str, scenario: Path, out: Path) -> list[str]:
    head, *rest = LOADERS[command]
    outputs = (
        []
        if command == "params"
        else ["--out", str(out / ("fit.toml" if command == "calibrate" else "o"))]
    )
    return [head, str(scenario), *rest, *outputs]


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(LOADERS))
@pytest.mark.parametrize("where", ["scenario", "extends"])
def test_a_fifo_scenario_is_refused_at_once(tmp_path, command, where):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    scenario = fifo
    if where == "extends":
        scenario = tmp_path / "child.toml"
        scenario.write_text('extends = "pipe.toml"\n')
    args = with_scenario(command, scenario, tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("Error: ") and "not a regular file" in line and "pipe.toml" in line


@pytest.mark.parametrize("command", sorted(LOADERS))
def test_an_over_long_extends_name_is_one_error_line(tmp_path, command):
    scenario = tmp_path / "long.toml"
    scenario.write_text(f'extends = "{"a" * 5000}.toml"\n')
    result = CliRunner().invoke(main, with_scenario(command, scenario, tmp_path))
    assert check_outcome(result) == "error"
    line = error_line(result)
    assert "extends" in line and "file name too long" in line and len(line) < 400


INTERRUPTIBLE = {  # command -> (arguments, the library call that Ctrl-C interrupts)
    "run": (["run", str(BASELINE), "--reps", "5"], "sim.interfaces.runner.simulate"),
    "sensitivity": (
        ["sensitivity", str(BASELINE), "--n", "2", "--reps", "1"],
        "sim.experiments.study.evaluate",
    ),
    "calibrate": (
        ["calibrate", str(BASELINE), "--n", "100", "--reps", "20"],
        "sim.experiments.calibration.command.calibrate",
    ),
    "sweep": (
        ["sweep", str(BASELINE), "--n", "2", "--reps", "2", "--workers", "1"],
        "sim.experiments.sweep.RunStore.write",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(INTERRUPTIBLE))
def test_ctrl_c_exits_130_with_nothing_half_written(tmp_path, monkeypatch, command):
    """Issue 13: run, sensitivity and calibrate printed "Aborted!" and exited 1."""
    args, target = INTERRUPTIBLE[command]

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(target, interrupted)
    out = tmp_path / ("fit.toml" if command == "calibrate" else "out")
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 130, result.output
    assert "Aborted!" not in result.output and "Traceback" not in result.output
    assert "interrupted" in result.stderr
    if command == "sweep":  # a sweep keeps what it has, for --resume
        assert (out / "batches" / "settings.json").is_file()
    else:
        assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.fixture
def small_machine(monkeypatch):
    """A machine with 4 GiB of memory free, whatever this one has."""
    monkeypatch.setattr(budget, "available_bytes", lambda: 4.0 * budget.GiB)


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, what",
    [
        (
            ["run", str(BASELINE), "--reps", "10000000", "--block-reps", "10000000"],
            "a run of 10,000,000 replications",
        ),  # in blocks, 10M fit (issue 19); in one, not
        (["sweep", str(BASELINE), "--n", "10000000"], "a design of 10,000,000 points"),
        (["sensitivity", str(BASELINE), "--n", "1000000"], "a design of"),
        (
            ["sweep", str(BASELINE), "--n", "20000", "--reps", "2", "--keep", "all"],
            "a sweep of 20,000 points",
        ),
    ],
    ids=["run", "sweep-design", "sensitivity-design", "sweep-results"],
)
def test_work_that_cannot_fit_is_refused_with_the_estimate(tmp_path, small_machine, args, what):
    """Issue 13: --reps 10000000 was OOM-killed; sweep --n 10000000 a MemoryError traceback."""
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "out")])
    assert check_outcome(result) == "error"
    line = error_line(result)
    assert what in line and "GiB of memory, more than the 4.0 GiB available" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_30000_segment_scenario_is_refused_before_it_runs(tmp_path, small_machine):
    lines = [f'extends = "{BASELINE}"', "[segments]"]
    lines += [
        f's{k} = {{ demand_share = 0.001, substitution = 0.5, preference = {{ "2023" = 0.1 }} }}'
        for k in range(30_000)
    ]
    scenario = tmp_path / "segments.toml"
    scenario.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(
        main, ["run", str(scenario), "--reps", "1000", "--out", str(tmp_path / "out")]
    )
    assert check_outcome(result) == "error"
    assert "needs about" in error_line(result)


@pytest.mark.slow
def test_a_run_that_fits_is_not_refused(tmp_path, small_machine):
    result = CliRunner().invoke(
        main,
        ["run", str(BASELINE), "--reps", "50", "--quota", "0.5", "--out", str(tmp_path / "out")],
    )
    assert check_outcome(result) == "ok"


sizes = st.builds(
    budget.Size,
    st.integers(1, 10**7),
    st.integers(1, 20),
    st.integers(1, 10**5),
    st.integers(1, 200),
    st.integers(1, 600),
)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    sizes,
    st.sampled_from(["replications", "levels", "segments", "products", "months"]),
    st.integers(1, 1000),
)
def test_more_of_anything_never_needs_less_memory(size, field, extra):
    """Every level is simulated at once (blocks split replications, never levels)."""
    bigger = budget.Size(**{**size.__dict__, field: getattr(size, field) + extra})
    assert budget.run_bytes(bigger) >= budget.run_bytes(size) > 0


def test_a_blocked_run_needs_memory_for_its_blocks_not_its_replications():
    """Issue 19: blocks bound the simulation's memory; only the kept outputs grow."""
    size = budget.Size(1_000_000, 1, 6, 17, 60)
    block = 20_000
    blocked = budget.blocked_bytes(size, block)
    assert blocked < budget.run_bytes(size)
    on_disk = budget.blocked_bytes(size, block, kept=False)
    ten_times = budget.Size(10_000_000, 1, 6, 17, 60)
    assert budget.blocked_bytes(ten_times, block, kept=False) == on_disk  # flat
    assert budget.blocked_bytes(size, block, workers=2) > blocked  # a block per worker


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads /proc/self/status")
def test_room_under_an_address_space_limit_is_the_limit_less_what_is_mapped(monkeypatch):
    import resource

    limit = 1 << 46  # 64 TiB: far above what this process maps
    monkeypatch.setattr(resource, "getrlimit", lambda which: (limit, resource.RLIM_INFINITY))

    def mapped() -> int:
        status = Path("/proc/self/status").read_text().splitlines()
        return next(int(x.split()[1]) * 1024 for x in status if x.startswith("VmSize:"))

    before = mapped()
    (room,) = budget.address_room()
    after = mapped()
    assert limit - after - budget.GiB <= room <= limit - before + budget.GiB
    assert room < limit - 16 * 2**20  # a Python process maps more than 16 MiB
    monkeypatch.setattr(resource, "getrlimit", lambda which: (resource.RLIM_INFINITY,) * 2)
    assert budget.address_room() == []  # no limit: no room to report


def test_block_replications_fit_the_budget():
    scenario = load(BASELINE)
    for levels in (1, 5):
        reps = budget.block_replications(scenario, levels)
        size = budget.scenario_size(scenario, reps, levels)
        assert budget.simulation_bytes(size) <= budget.BLOCK_BYTES
        bigger = budget.scenario_size(scenario, reps + 1, levels)
        assert budget.simulation_bytes(bigger) > budget.BLOCK_BYTES
