"""sim.experiments.store: a sweep's directory, its batches, resume checks and results.parquet."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.experiments.batch import BatchResult
from sim.experiments.store import ResumeMismatch, RunStore, compact, expand
from sim.results.marker import MARKER
from sim.results.reading import DamagedFile

KEYS = [
    ("announced", "domestic_share_units", "national", "2026"),
    ("announced", "imports_units", "national", "2026"),
]


def _batch(index, points, one_value=True):
    stats = np.zeros((len(points), len(KEYS), 6))
    for p, point in enumerate(points):
        for k in range(len(KEYS)):
            values = np.full(6, point + k / 10) if one_value else np.arange(6.0) + point
            stats[p, k] = values
    stats[0, 1] = np.nan  # undefined everywhere: stored as null
    return BatchResult(index, np.array(points), KEYS, stats)


def test_compact_keeps_mean_and_value_when_quantiles_agree_bit_for_bit():
    same = np.array([[[-0.0, 2, 2, 2, 2, 2], [np.nan] * 6]])
    stored = compact(same)
    assert stored.shape == (1, 2, 2)
    np.testing.assert_array_equal(expand(stored), same)
    spread = np.array([[[1, 0, 1, 2, 3, 4.0]]])
    assert compact(spread).shape == (1, 1, 6)
    signed = np.array([[[0.0, 0.0, -0.0, 0.0, 0.0, 0.0]]])  # -0.0 differs bit for bit
    assert compact(signed).shape[-1] == 6


def test_open_writes_marker_settings_and_points_and_refuses_an_existing_dir(tmp_path):
    store = RunStore(tmp_path / "sweep")
    store.open({"seed": 1}, "point\n0\n", resume=False, force=False)
    assert (store.root / MARKER).is_file() and (
        store.root / "points.csv"
    ).read_text() == "point\n0\n"
    assert json.loads((store.batches / "settings.json").read_text()) == {"seed": 1}
    assert not store.complete and store.finished() == set()
    assert not list(tmp_path.glob(".sweep.new-*"))
    with pytest.raises(FileExistsError):
        store.open({"seed": 1}, "", resume=False, force=False)


def test_resume_names_each_differing_setting(tmp_path):
    store = RunStore(tmp_path / "sweep")
    store.open({"seed": 1, "n": 4}, "p\n", resume=False, force=False)
    (store.batches / ".b000000.npz.tmp").write_bytes(b"partial")
    store.open({"seed": 1, "n": 4}, "p\n", resume=True, force=False)
    assert not list(store.batches.glob(".*.tmp"))
    said = r"\(extra: null there, true now; seed: 1 there, 2 now\)"
    with pytest.raises(ResumeMismatch, match=said):
        store.check({"seed": 2, "n": 4, "extra": True})
    with pytest.raises(ResumeMismatch, match="not a sweep directory"):
        RunStore(tmp_path).check({})


def test_batches_round_trip_and_assemble_in_point_order(tmp_path):
    store = RunStore(tmp_path / "sweep")
    store.open({}, "p\n", resume=False, force=False)
    store.write(_batch(1, [2, 3], one_value=False))
    store.write(_batch(0, [0, 1]))
    assert store.finished() == {0, 1}
    back = store.read(1)
    assert back.keys == KEYS and back.points.tolist() == [2, 3]
    np.testing.assert_array_equal(back.stats, _batch(1, [2, 3], one_value=False).stats)
    store.finish(2, {"files": ["manifest.json"]})
    assert store.complete and not store.batches.exists()
    table = pq.read_table(store.root / "results.parquet").to_pydict()
    assert table["point"] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert table["unit"][:2] == ["share", "units"]
    assert table["p50"][1] is None and table["p95"][7] == 8.0
    assert (store.root / "dictionary.csv").read_text().count("\n") == 3


def test_read_refuses_a_batch_chipsim_did_not_write(tmp_path):
    store = RunStore(tmp_path / "sweep")
    store.open({}, "p\n", resume=False, force=False)
    np.savez(store.batches / "b000000.npz", points=np.arange(2))
    with pytest.raises(DamagedFile, match="not a batch chipsim wrote"):
        store.read(0)
    np.savez(
        store.batches / "b000000.npz",
        points=np.arange(1),
        stats=np.zeros((1, 1, 3)),
        keys=np.array([list(KEYS[0])]),
    )
    with pytest.raises(DamagedFile, match=r"shape \(1, 1, 3\)"):
        store.read(0)
