"""sim.model.blocks: block plans, spilled rows and their exact statistics."""

from __future__ import annotations

import os

import numpy as np
import pytest

from sim.core.metrics import SummaryRow
from sim.model import blocks
from sim.model.blocks import Block, RowSpill, SpillDir, Spilled, exact_stats, plan
from sim.model.stats import summarise


@pytest.mark.parametrize(
    ("reps", "size", "counts"),
    [(10, 4, [4, 3, 3]), (10, 10, [10]), (10, 100, [10]), (7, 1, [1] * 7), (5, 2, [2, 2, 1])],
)
def test_a_plan_covers_the_replications_in_equal_blocks(reps, size, counts):
    got = plan(reps, size, first=20)
    assert [b.count for b in got] == counts
    assert [b.first for b in got] == list(np.cumsum([20] + counts[:-1]))
    assert [b.index for b in got] == list(range(len(counts)))


def spill_of(tmp_path, name: str, chunks: list[np.ndarray]) -> RowSpill:
    spill = RowSpill(tmp_path / name)
    for chunk in chunks:
        spill(chunk)
    return spill


def test_a_spill_returns_row_indices_where_statistics_would_go(tmp_path):
    spill = RowSpill(tmp_path / "b.f64")
    first = spill(np.arange(12.0).reshape(2, 2, 3))  # (k, levels, R): four rows of 3
    second = spill(np.array([[7.0, 8.0, 9.0]]))
    assert first.shape == (2, 2, 1) and second.shape == (1, 1)
    assert first.ravel().tolist() == [0, 1, 2, 3] and second.ravel().tolist() == [4]
    rows = [SummaryRow("a", "m", "national", "2024", np.array([i])) for i in (0, 1, 4)]
    spilled = Spilled.of(rows, spill, 3)
    assert spilled.rows == 5 and spilled.index.tolist() == [0, 1, 4]
    np.testing.assert_array_equal(spilled.read(1, 2), [[3.0, 4.0, 5.0]])
    np.testing.assert_array_equal(spilled.read(4, 5), [[7.0, 8.0, 9.0]])


def test_exact_statistics_equal_those_of_the_joined_rows(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    values = rng.lognormal(size=(5, 23))
    values[2, [1, 7, 20]] = np.nan  # a row with holes
    values[4] = np.nan  # a row with no defined value
    parts = [(0, 9), (9, 10), (10, 23)]
    spilled = []
    for i, (a, b) in enumerate(parts):
        spill = spill_of(tmp_path, f"{i}.f64", [values[:, a:b]])
        spill.close()
        spilled.append(Spilled([], np.arange(5), spill.path, spill.rows, b - a))
    monkeypatch.setattr(blocks, "READ_BYTES", 2 * 23 * 8)  # two rows read at a time
    got = exact_stats(spilled, summarise, 6)
    np.testing.assert_array_equal(got, summarise(values))


def test_blocks_with_different_rows_are_refused(tmp_path):
    one = Spilled([("a", "m", "national", "2024")], np.array([0]), tmp_path / "x", 1, 2)
    other = Spilled([("b", "m", "national", "2024")], np.array([0]), tmp_path / "y", 1, 2)
    with pytest.raises(RuntimeError, match="different summary rows"):
        blocks.same_rows(one, other)


def test_a_spill_directory_is_private_and_removed(tmp_path):
    spill = SpillDir(tmp_path)
    path = spill.file(Block(3, 0, 1))
    path.write_bytes(b"x")
    assert path.parent.parent == tmp_path and path.name == "block-000003.f64"
    spill.remove()
    assert not path.parent.exists()


def test_a_killed_runs_spill_directory_is_removed_by_the_next_run(tmp_path):
    here = f"{blocks.PREFIX}{blocks.HOST}-"
    dead = tmp_path / f"{here}999999999-abc"  # no such process
    dead.mkdir()
    (dead / "block-000000.f64").write_bytes(b"x")
    mine = tmp_path / f"{here}{os.getpid()}-def"  # a run still going
    mine.mkdir()
    elsewhere = tmp_path / f"{blocks.PREFIX}otherhost-999999999-ghi"  # another machine's
    elsewhere.mkdir()
    spill = SpillDir(tmp_path)
    assert not dead.exists() and mine.exists() and elsewhere.exists() and spill.path.exists()
    assert spill.path.name.startswith(f"{here}{os.getpid()}-")
    spill.remove()
    spill.remove()  # removing what is gone is no error
    assert not spill.path.exists()
    assert blocks.alive(os.getpid()) and not blocks.alive(999_999_999)
