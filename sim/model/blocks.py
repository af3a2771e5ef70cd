"""Replication blocks: a run simulated a block of replications at a time.

A block is one :class:`sim.model.model.Model` over every quota level and a
contiguous range of replications. Draws are advanced to the block's first
replication (:class:`sim.model.rng.Draws`), and no replication's numbers depend on
which others share its run, so a block's values are exactly the same rows of
a run of any other blocking.

Invariant: a block's recorder emits the same summary rows in the same order
as every other block's (the rows depend on the scenario and the levels, not
on draws). Instead of statistics, a block's recorder writes each row's
per-replication values to a spill file (:class:`RowSpill`) and records the
row's index there; statistics are taken once every block is done
(:func:`exact_stats`), over all replications at once, so they are the same
bits whatever the block size or the worker count.
"""

from __future__ import annotations

import math
import os
import shutil
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.core.files import scratch
from sim.core.metrics import SummaryRow

READ_BYTES = 16 * 2**20  # spilled values read at once to summarise (about x8 at the peak)
FLOAT = np.dtype(np.float64)


@dataclass(frozen=True)
class Block:
    """Replications ``first .. first + count`` of a run: the ``index``-th block."""

    index: int
    first: int
    count: int


def plan(replications: int, size: int, first: int = 0) -> list[Block]:
    """Blocks of at most ``size`` replications, as equal as can be, covering the run."""
    parts = max(1, math.ceil(replications / max(size, 1)))
    base, extra = divmod(replications, parts)
    blocks, start = [], first
    for index in range(parts):
        count = base + (index < extra)
        blocks.append(Block(index, start, count))
        start += count
    return blocks


class RowSpill:
    """A block recorder's ``summarise``: spills each row's values to a file, returns its index.

    Called with (..., R) values, it appends them row by row (float64, R per
    row) and returns (..., 1) row indices as floats, which the recorder
    stores where statistics would go. Rows shared by several quota levels
    (broadcast before the levels part) are spilled once and share an index.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.file = scratch(self.path)  # closed by close()
        self.rows = 0

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """Spill (..., R) values; return their row indices, (..., 1)."""
        values = np.asarray(values, dtype=FLOAT)
        flat = np.ascontiguousarray(values.reshape(-1, values.shape[-1]))
        self.file.write(flat.data.cast("B"))
        index = np.arange(self.rows, self.rows + flat.shape[0], dtype=FLOAT)
        self.rows += flat.shape[0]
        return index.reshape(*values.shape[:-1], 1)

    def close(self) -> None:
        """Flush and close the file (idempotent)."""
        if not self.file.closed:
            self.file.close()


@dataclass
class Spilled:
    """A finished block's summary rows: labels, spill indices and the spill file."""

    labels: list[tuple[str, str, str, str]]  # (quota, metric, region, period), in emitted order
    index: np.ndarray  # each label's row in the spill file (int64)
    path: Path
    rows: int  # rows in the file
    count: int  # replications (values per row)

    @classmethod
    def of(cls, rows: list[SummaryRow], spill: RowSpill, count: int) -> Spilled:
        """Return the spilled rows of a block whose recorder summarised with ``spill``."""
        spill.close()
        labels = [(r.quota, r.metric, r.region, r.period) for r in rows]
        index = np.array([r.stats[0] for r in rows], dtype=np.int64)
        return cls(labels, index, spill.path, spill.rows, count)

    def read(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start .. stop`` of the file, (stop - start, count), read afresh (not mapped)."""
        return np.fromfile(
            self.path,
            dtype=FLOAT,
            count=(stop - start) * self.count,
            offset=start * self.count * FLOAT.itemsize,
        ).reshape(-1, self.count)

    def remove(self) -> None:
        """Delete the spill file."""
        self.path.unlink(missing_ok=True)


def same_rows(first: Spilled, other: Spilled) -> None:
    """Raise RuntimeError unless two blocks emitted the same rows in the same order."""
    if first.labels != other.labels or not np.array_equal(first.index, other.index):
        raise RuntimeError("replication blocks emitted different summary rows")


def exact_stats(
    blocks: list[Spilled], summarise: Callable[[np.ndarray], np.ndarray], width: int
) -> np.ndarray:
    """Statistics of every spilled row over all blocks' replications, (rows, width).

    Rows are read a few at a time (about :data:`READ_BYTES`), joined along
    the replication axis in block order and summarised: the very values, in
    the very order, one run of all replications would summarise.
    """
    rows, total = blocks[0].rows, sum(b.count for b in blocks)
    out = np.empty((rows, width))
    step = max(1, READ_BYTES // max(total * FLOAT.itemsize, 1))
    for start in range(0, rows, step):
        stop = min(rows, start + step)
        values = np.concatenate([b.read(start, stop) for b in blocks], axis=1)
        out[start:stop] = summarise(values)
    return out


def summary_rows(spilled: Spilled, stats: np.ndarray) -> list[SummaryRow]:
    """Return the run's summary rows: each label with its row's statistics."""
    return [
        SummaryRow(*label, stats[i].copy())
        for label, i in zip(spilled.labels, spilled.index, strict=True)
    ]


@dataclass
class SpillDir:
    """Where blocks spill: a private directory, removed with everything in it.

    Its name carries the process id; a run killed before it could clean up
    (SIGKILL, power loss) leaves it behind, and the next blocked run in the
    same folder removes it (:func:`remove_stale`).
    """

    parent: Path | None = None
    path: Path = field(init=False)

    def __post_init__(self) -> None:
        parent = Path(self.parent or tempfile.gettempdir())
        remove_stale(parent)
        self.path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{HOST}-{os.getpid()}-", dir=parent))

    def file(self, block: Block) -> Path:
        """Return the spill file of ``block``."""
        return self.path / f"block-{block.index:06d}.f64"

    def remove(self) -> None:
        """Delete the directory and its files."""
        shutil.rmtree(self.path, ignore_errors=True)


PREFIX = "chipsim-blocks-"
HOST = "".join(c if c.isalnum() else "_" for c in socket.gethostname())[:32] or "host"


def remove_stale(parent: Path) -> None:
    """Delete spill directories in ``parent`` left by processes of this host no longer running.

    Only this host's directories are judged (a TMPDIR shared between
    machines or containers holds others' live runs).
    """
    mine = f"{PREFIX}{HOST}-"
    for folder in parent.glob(f"{mine}*"):
        pid = folder.name[len(mine) :].split("-", 1)[0]
        if pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists (one of another user's counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
