"""What a sweep keeps and the disk it needs: rows kept, estimates, refusals, compact batches."""

from dataclasses import replace

import numpy as np
import pyarrow.parquet as pq
import pytest
from experiments_support import SMALL

from sim.experiments import evaluators, footprint
from sim.experiments.batch import BatchResult, summarise_points
from sim.experiments.store import RunStore, compact
from sim.experiments.sweep import BATCH_CELLS, MIN_BATCHES, batch_size, plan, run
from sim.model.stats import summarise
from sim.scenario.errors import ScenarioError


@pytest.mark.slow
@pytest.mark.parametrize("keep", ["annual", "all"])
def test_the_rows_estimated_are_the_rows_written(keep, tmp_path):
    chosen = plan(replace(SMALL, n=2, reps=2, keep=keep))
    run(chosen, tmp_path / "sweep", evaluators.Sequential())
    table = pq.read_table(tmp_path / "sweep" / "results.parquet")
    assert table.num_rows == chosen.design.size * chosen.rows_per_point
    regions, periods = set(table["region"].to_pylist()), set(table["period"].to_pylist())
    if keep == "annual":  # what report and discover read: national values per year
        assert regions == {"national"} and periods == {"2023", "2024", "2025", "2026", "2027"}
        assert "level_effect.domestic_added" in set(table["metric"].to_pylist())
    else:
        assert "beijing" in regions and "2027Q4" in periods and "2027-12" in periods


def test_a_metric_without_annual_national_rows_needs_keep_all():
    with pytest.raises(ScenarioError, match="pass --keep all"):
        plan(replace(SMALL, metrics=("wafer_starts",)))
    assert plan(replace(SMALL, metrics=("wafer_starts",), keep="all")).rows_per_point == 2 * 20
    with pytest.raises(ScenarioError, match="expected one of: annual, all"):
        plan(replace(SMALL, keep="some"))


def test_the_estimate_is_points_times_rows_times_bytes():
    wanted = footprint.Footprint(points=20_000, rows=425, single=True, batches=16, columns=2)
    assert wanted.final == pytest.approx(20_000 * (425 * footprint.PARQUET_ROW + 3 * 24))
    assert wanted.peak() > wanted.final > wanted.peak(stored=16) - 1
    assert wanted.describe().startswith(
        "keeps 20,000 points x 425 rows x <= 30 B: results.parquet up to 256 MB"
    )


def test_a_full_disk_is_refused_naming_the_option(monkeypatch, tmp_path):
    wanted = footprint.Footprint(points=1000, rows=425, single=False, batches=16, columns=2)
    monkeypatch.setattr(footprint, "free_bytes", lambda path: 1e6)
    with pytest.raises(ScenarioError) as refused:
        footprint.check_disk(wanted, tmp_path / "sweep", "annual")
    assert refused.value.path == "--metric"
    message = str(refused.value)
    assert f"needs up to {footprint.size(wanted.peak())} of disk" in message
    assert "more than the 1.0 MB free" in message and "--keep annual" in message
    with pytest.raises(ScenarioError) as refused:
        footprint.check_disk(wanted, tmp_path / "sweep", "all")
    assert refused.value.path == "--keep"
    monkeypatch.setattr(footprint, "free_bytes", lambda path: 1e9)
    footprint.check_disk(wanted, tmp_path / "sweep", "all")  # room enough: no error


def test_free_bytes_looks_at_the_nearest_existing_parent(tmp_path):
    assert footprint.free_bytes(tmp_path / "not" / "yet") == footprint.free_bytes(tmp_path) > 0


def test_batches_hold_about_batch_cells_replication_levels():
    assert batch_size(10_000, 100, 1) == BATCH_CELLS // 100 + 1  # a one-level study: 205 points
    assert batch_size(10_000, 100, 5) == 41
    assert batch_size(20_000, 1, 5) == 20_000 // MIN_BATCHES  # at least MIN_BATCHES batches


def test_one_replication_a_point_gives_summarise_bits():
    values = np.random.default_rng(3).normal(size=(4, 3, 40)) * 1e6
    values[0, 0, :4] = np.nan
    values[1, 1, 2], values[2, 2, 3], values[3, 0, 5], values[3, 1, 6] = np.inf, -np.inf, -0.0, 0.0
    with np.errstate(invalid="ignore"):  # infinity's quantiles interpolate to NaN
        fast = summarise_points(values, points=40, reps=1)
        slow = summarise(values[..., None]).reshape(4, 3, 240)  # (..., P, 6) -> (..., 6P)
    assert np.array_equal(fast.view(np.uint64), slow.view(np.uint64))


def test_a_batch_with_equal_quantiles_is_stored_as_mean_and_value(tmp_path):
    single = np.repeat(np.array([[[1.5], [-0.0], [np.nan]]]), 6, axis=2)
    single[0, 1, 0] = 0.0  # the mean of -0.0 is 0.0
    many = single.copy()
    many[0, 0, 3] = 2.0
    assert compact(single).shape == (1, 3, 2) and compact(many).shape == (1, 3, 6)
    signed = single.copy()
    signed[0, 1, 2] = 0.0  # -0.0 and 0.0 are told apart
    assert compact(signed).shape == (1, 3, 6)
    store = RunStore(tmp_path)
    store.batches.mkdir(parents=True)
    keys = [("announced", "m", "national", str(y)) for y in (2026, 2027, 2028)]
    for index, stats in enumerate((single, many)):
        store.write(BatchResult(index, np.array([index]), keys, stats))
        back = store.read(index)
        assert back.keys == keys and np.array_equal(
            back.stats.view(np.uint64)[:, :2], stats.view(np.uint64)[:, :2]
        )
        assert np.isnan(back.stats[0, 2]).all()
