"""Splitting a run never changes its numbers.

Replication blocks run in worker processes, quota levels share one array row
until their quota paths part, and the summary statistics come from a fast
selection instead of ``np.quantile``. Each of these must give exactly (bit
for bit) what one plain pass gives.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from chipsim_testing import BASELINE, SEED
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.interfaces.cli import main
from sim.interfaces.runner import RunOptions, execute
from sim.model import parallel
from sim.model.ensemble import Blocking, SimulateOptions, simulate
from sim.model.stats import QUANTILES, summarise
from sim.results.run_dir import write_run
from sim.scenario import load

LEVELS = ["announced", "0.5", "0.7", "0.9", "1.0"]
KEEP = ("vendor_units.huawei", "import_units.h20")
REPS = 60


def assert_same(a, b) -> None:
    """Two ensemble results hold identical rows, per-replication values and checks."""
    assert a.levels == b.levels and a.years == b.years and a.quarters == b.quarters
    assert [r[:4] for r in a.rows] == [r[:4] for r in b.rows]
    for x, y in zip(a.rows, b.rows, strict=True):
        np.testing.assert_array_equal(x[4], y[4], err_msg=str(x[:4]))
    for name in ("replicates", "kept", "conservation"):
        first, second = getattr(a, name), getattr(b, name)
        assert first.keys() == second.keys(), name
        for key in first:
            np.testing.assert_array_equal(first[key], second[key], err_msg=f"{name} {key}")
            assert np.shape(first[key]) == np.shape(second[key])


@pytest.fixture(scope="module")
def scenario():
    return load(BASELINE)


@pytest.fixture(scope="module")
def one_pass(scenario):
    return simulate(scenario, REPS, SEED, LEVELS, options=SimulateOptions(keep=KEEP))


@pytest.mark.slow
@pytest.mark.skipif(not parallel.can_fork(), reason="worker processes need fork")
@pytest.mark.parametrize("workers", [2, 3])
def test_workers_give_the_single_process_result(scenario, one_pass, workers):
    blocking = Blocking(size=REPS // 4, workers=workers)  # four blocks, shared round-robin
    assert_same(
        simulate(
            scenario, REPS, SEED, LEVELS, options=SimulateOptions(keep=KEEP, blocking=blocking)
        ),
        one_pass,
    )


@pytest.mark.slow
@pytest.mark.parametrize("size", [1, 7, REPS - 1])
def test_blocks_of_any_size_give_the_one_pass_result(scenario, one_pass, size):
    blocked = SimulateOptions(keep=KEEP, blocking=Blocking(size=size))
    assert_same(simulate(scenario, REPS, SEED, LEVELS, options=blocked), one_pass)


@pytest.mark.slow
@pytest.mark.parametrize("lever", ["2023-01", "2025-08", "2027-05"])
def test_levels_sharing_rows_until_they_part_match_levels_run_alone(write_scenario, lever):
    # The lever moves the month the levels' quota paths part: at the start, mid-year
    # and mid-quarter, and late; each level must equal its own single-level run.
    scenario = load(write_scenario(f'[run]\nlever_start = "{lever}"\n'))
    together = simulate(scenario, 40, 7, ["0.5", "announced", "1.0"])
    for index, level in enumerate(together.levels):
        alone = simulate(scenario, 40, 7, [level])
        alone.rows = [r for r in alone.rows if not r.metric.startswith("level_effect")]
        rows = [
            r for r in together.rows if r.quota == level and not r.metric.startswith("level_effect")
        ]  # effects need "announced"
        assert [r[1:4] for r in rows] == [r[1:4] for r in alone.rows]
        for x, y in zip(rows, alone.rows, strict=True):
            np.testing.assert_array_equal(x[4], y[4], err_msg=str(x[:4]))
        for metric, values in together.replicates.items():
            np.testing.assert_array_equal(values[index], alone.replicates[metric][0])


def test_identical_levels_stay_identical(scenario):
    result = simulate(scenario, 30, 3, ["0.7", "0.7"])
    for first, second in zip(result.rows[0::2], result.rows[1::2], strict=True):
        assert first[1:4] == second[1:4]
        np.testing.assert_array_equal(first[4], second[4])
    for values in result.replicates.values():
        np.testing.assert_array_equal(values[0], values[1])


@pytest.mark.slow
@pytest.mark.skipif(not parallel.can_fork(), reason="worker processes need fork")
def test_run_directory_bytes_do_not_depend_on_workers(tmp_path):
    dirs = [
        execute(
            BASELINE,
            RunOptions(
                replications=REPS,
                seed=SEED,
                levels=["announced", "0.7", "1.0"],
                out_dir=tmp_path / f"w{w}",
                workers=w,
                blocking=Blocking(size=size),
            ),
        ).out_dir
        for w, size in ((1, None), (2, 13))
    ]
    for name in ("summary.csv", "replications.npz"):
        assert (dirs[0] / name).read_bytes() == (dirs[1] / name).read_bytes(), name


@pytest.mark.slow
@pytest.mark.skipif(not parallel.can_fork(), reason="worker processes need fork")
def test_cli_workers_option(tmp_path):
    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"cli{workers}"
        done = CliRunner().invoke(
            main,
            [
                "run",
                str(BASELINE),
                "--reps",
                "30",
                "--quota",
                "0.7",
                "--quota",
                "announced",
                "--workers",
                workers,
                "--out",
                str(out),
            ],
        )
        assert done.exit_code == 0, done.output
        outs.append((out / "summary.csv").read_bytes())
    assert outs[0] == outs[1]
    bad = CliRunner().invoke(main, ["run", str(BASELINE), "--workers", "0"])
    assert bad.exit_code == 2 and "--workers" in bad.output


def test_default_workers_do_not_depend_on_the_load(monkeypatch):
    """The count is one per CPU the process may use, busy or quiet (issue 19)."""
    monkeypatch.setattr(parallel, "available_cpus", lambda: 4)
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    quiet = parallel.default_workers(12)
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (40.0, 40.0, 40.0))
    assert parallel.default_workers(12) == quiet == 4
    assert parallel.default_workers(1) == 1  # one block: one process, nothing spilled
    assert parallel.default_workers(3) == 3  # never more workers than blocks


def test_narrow_replicates_are_float32_and_write_the_same_bytes(scenario, one_pass, tmp_path):
    narrowed = simulate(
        scenario, REPS, SEED, LEVELS, options=SimulateOptions(keep=KEEP, narrow=True)
    )
    assert [r[:4] for r in narrowed.rows] == [r[:4] for r in one_pass.rows]
    for x, y in zip(narrowed.rows, one_pass.rows, strict=True):
        np.testing.assert_array_equal(x[4], y[4])
    assert narrowed.replicates.keys() == one_pass.replicates.keys()
    for metric, values in narrowed.replicates.items():
        assert values.dtype == np.float32
        np.testing.assert_array_equal(values, one_pass.replicates[metric].astype(np.float32))
    written = [
        write_run(tmp_path / name, result, {}, False)
        for name, result in (("wide", one_pass), ("narrow", narrowed))
    ]
    assert (written[0] / "replications.npz").read_bytes() == (
        written[1] / "replications.npz"
    ).read_bytes()


@pytest.mark.skipif(not parallel.can_fork(), reason="worker processes need fork")
def test_a_failing_worker_raises_in_the_caller_and_blocks_come_in_order():
    def job(block):
        if block == "bad":
            raise ValueError("broken block")
        return block.upper()

    taken: list = []
    with pytest.raises(ValueError, match="broken block"):
        parallel.run_blocks(job, ["good", "bad"], 2, lambda b, r: taken.append(r))
    taken.clear()
    parallel.run_blocks(job, list("abcde"), 2, lambda b, r: taken.append((b, r)))
    assert taken == [(b, b.upper()) for b in "abcde"]


def numpy_summary(values: np.ndarray) -> np.ndarray:
    """What the recorder computed before: np.quantile, or the NaN-aware versions."""
    if not np.isnan(values).any():
        q = np.quantile(values, QUANTILES, axis=-1)
        mean = values.mean(axis=-1)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            q = np.nanquantile(values, QUANTILES, axis=-1)
            mean = np.nanmean(values, axis=-1)
    return np.concatenate([mean[None], q]).transpose(*range(1, values.ndim), 0)


FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, -0.0, 1.0, 1.0, 2.5, np.nan]),
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=40), elements=FLOATS)
)
def test_summary_statistics_equal_numpys_bit_for_bit(values):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # e.g. the mean of inf and -inf
        expected = numpy_summary(values)
        got = summarise(values)
    assert got.shape == expected.shape
    # Exactly equal values (0.0 and -0.0 tie, so a zero's sign may differ).
    same = (got == expected) | (np.isnan(got) & np.isnan(expected))
    assert same.all(), (values, got, expected)


def test_summary_statistics_of_many_replications_equal_numpys():
    rng = np.random.default_rng(5)
    values = rng.lognormal(size=(3, 2, 10_001))
    values[1, 0, rng.random(10_001) < 0.3] = np.nan
    values[2, 1] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = numpy_summary(values)
    np.testing.assert_array_equal(summarise(values), expected)


def test_cpus_fall_back_to_one_where_nothing_can_be_counted(monkeypatch):
    """Off Linux (no sched_getaffinity) the count is os.cpu_count(), or 1 when that is unknown."""
    monkeypatch.delattr(parallel.os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: None)
    assert parallel.available_cpus() == 1
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 6)
    assert parallel.available_cpus() == 6
