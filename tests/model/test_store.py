"""sim.model.store: per-replication arrays joined block by block, in memory or on disk."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from sim.model.store import DiskArray, ReplicationStore
from sim.results.run_dir import write_npz

WHOLE = np.arange(2 * 7 * 3, dtype=np.float32).reshape(2, 7, 3)  # (levels, R, years)


@pytest.mark.parametrize("on_disk", [False, True])
def test_blocks_put_in_any_order_give_the_whole_array(tmp_path, on_disk):
    store = ReplicationStore(7, first=10, folder=tmp_path if on_disk else None)
    for start, stop in ((4, 7), (0, 3), (3, 4)):
        store.put("replicates.x", 10 + start, WHOLE[:, start:stop])
    held = store.take("replicates")["x"]
    assert isinstance(held, DiskArray) == on_disk
    np.testing.assert_array_equal(np.asarray(held), WHOLE)
    assert np.asarray(held).dtype == np.float32


@pytest.mark.parametrize("on_disk", [False, True])
def test_a_wider_block_widens_the_array_and_keeps_what_was_there(tmp_path, on_disk, monkeypatch):
    monkeypatch.setattr("sim.model.store.COPY_REPLICATIONS", 1)  # copied one at a time
    store = ReplicationStore(4, folder=tmp_path if on_disk else None)
    store.put("c.x", 0, np.ones((1, 2), np.float32))
    store.put("c.x", 2, np.array([[1e300, 2.0]]))  # beyond float32: float64 from here on
    held = np.asarray(store.take("c")["x"])
    assert held.dtype == np.float64
    np.testing.assert_array_equal(held, [[1.0, 1.0, 1e300, 2.0]])


def test_a_disk_array_reads_replication_ranges_and_chunks(tmp_path, monkeypatch):
    array = DiskArray(tmp_path / "a", WHOLE.shape, WHOLE.dtype)
    array.put(0, WHOLE)
    np.testing.assert_array_equal(array.replications(2, 5), WHOLE[:, 2:5])
    np.testing.assert_array_equal(array[1, 3], WHOLE[1, 3])
    assert np.asarray(array, dtype=np.float64).dtype == np.float64
    monkeypatch.setattr("sim.model.store.CHUNK_BYTES", 20)  # five float32 a chunk
    chunks = list(array.chunks())
    assert len(chunks) == -(-WHOLE.size // 5)
    np.testing.assert_array_equal(np.concatenate(chunks), WHOLE.ravel())


def test_a_disk_array_is_stored_in_an_npz_as_the_array_itself(tmp_path):
    array = DiskArray(tmp_path / "a", WHOLE.shape, WHOLE.dtype)
    array.put(0, WHOLE)
    buffer = io.BytesIO()
    write_npz(buffer, [("national.x", array), ("years", np.array([2023, 2024, 2025]))])
    assert zipfile.ZipFile(buffer).namelist() == ["national.x.npy", "years.npy"]
    loaded = np.load(io.BytesIO(buffer.getvalue()))
    np.testing.assert_array_equal(loaded["national.x"], WHOLE)
    assert loaded["national.x"].dtype == np.float32
