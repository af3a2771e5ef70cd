"""sim.results.reading: bounded reads that refuse FIFOs, devices, oversize and damaged files."""

from __future__ import annotations

import io
import os
import zipfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.results.reading import (
    DamagedFile,
    MiB,
    open_npz,
    read_bytes,
    read_json_object,
    read_parquet,
    read_text,
)


def test_read_bytes_reads_a_regular_file_up_to_its_limit(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"12345")
    assert read_bytes(path, 5) == b"12345"
    with pytest.raises(DamagedFile, match="5 bytes, more than"):
        read_bytes(path, 4)


@pytest.mark.parametrize("kind", ["missing", "directory", "fifo", "device"])
def test_read_bytes_refuses_what_is_not_a_regular_file(tmp_path, kind):
    path = {
        "missing": tmp_path / "none",
        "directory": tmp_path,
        "device": "/dev/zero",
        "fifo": tmp_path / "pipe",
    }[kind]
    if kind == "fifo":
        os.mkfifo(path)
    with pytest.raises(DamagedFile, match="missing" if kind == "missing" else "regular file"):
        read_bytes(path, MiB)


def test_read_text_and_json_objects(tmp_path):
    path = tmp_path / "m.json"
    path.write_bytes(b'{"a": 1}')
    assert read_json_object(path) == {"a": 1}
    path.write_bytes(b"[1]")
    with pytest.raises(DamagedFile, match="expected a JSON object, found list"):
        read_json_object(path)
    path.write_bytes(b"{")
    with pytest.raises(DamagedFile, match="not valid JSON"):
        read_json_object(path)
    path.write_bytes(b"\xff")
    with pytest.raises(DamagedFile, match="not UTF-8"):
        read_text(path)
    assert str(DamagedFile(path, "x")) == f"{path}: x"


def test_open_npz_round_trip_and_refuses_pickles_and_bombs(tmp_path):
    path = tmp_path / "a.npz"
    np.savez(path, x=np.arange(3))
    np.testing.assert_array_equal(open_npz(path)["x"], [0, 1, 2])
    np.savez(path, o=np.array([{"a": 1}], dtype=object))
    with pytest.raises(DamagedFile, match="not a readable .npz"):
        open_npz(path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x.npy", b"\0" * 100_000)
    path.write_bytes(buffer.getvalue())
    with pytest.raises(DamagedFile, match="expand to 100000 bytes"):
        open_npz(path, limit=50_000)


def test_read_parquet_columns_and_damage(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"a": [1, 2], "b": ["x", "y"]}), path)
    assert read_parquet(path, columns=["b"]).to_pydict() == {"b": ["x", "y"]}
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(DamagedFile, match="not a readable Parquet"):
        read_parquet(path)
