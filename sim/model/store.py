"""Per-replication arrays of a blocked run, joined along the replication axis.

Every array a block returns per replication (national annual values,
conservation sums, kept quarterly values) has the replication axis second:
(levels, R, ...). The store places each block's part at its replications,
so the joined array does not depend on the blocking. In memory the arrays
are allocated once, at their full size (no concatenation copies); on disk
(runs above :data:`sim.model.merge.EXACT_LIMIT`) each is a raw C-order
file written in place, so memory does not grow with the replications.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.core.files import scratch

CHUNK_BYTES = 16 * 2**20  # bytes read at once when a disk array is streamed
COPY_REPLICATIONS = 65_536  # replications copied at once when a disk array is widened


class DiskArray:
    """A C-order array in a raw file, written a replication range at a time.

    Reading goes through fresh buffers (:meth:`chunks`), not a memory map, so
    reading it all does not grow the process's resident memory.
    """

    def __init__(
        self, path: Path, shape: tuple[int, ...], dtype: np.dtype, owner: object = None
    ) -> None:
        self.path, self.shape, self.dtype = Path(path), tuple(shape), np.dtype(dtype)
        self.owner = owner  # what removes the file's directory once no array holds it
        with scratch(self.path) as handle:
            handle.truncate(int(np.prod(shape)) * self.dtype.itemsize)

    @property
    def row_bytes(self) -> int:
        """Bytes of one replication's values at one level."""
        return int(np.prod(self.shape[2:], dtype=np.int64)) * self.dtype.itemsize

    def put(self, first: int, values: np.ndarray) -> None:
        """Write ``values`` (levels, count, ...) at replications ``first .. first + count``."""
        values = np.ascontiguousarray(values, dtype=self.dtype)
        fd = os.open(self.path, os.O_WRONLY)
        try:
            for level, part in enumerate(values):
                offset = (level * self.shape[1] + first) * self.row_bytes
                os.pwrite(fd, memoryview(part).cast("B"), offset)
        finally:
            os.close(fd)

    def chunks(self) -> Iterator[np.ndarray]:
        """Yield the array's values in C order, a flat chunk of about CHUNK_BYTES at a time."""
        total = int(np.prod(self.shape))
        step = max(1, CHUNK_BYTES // self.dtype.itemsize)
        for start in range(0, total, step):
            yield np.fromfile(
                self.path,
                dtype=self.dtype,
                count=min(step, total - start),
                offset=start * self.dtype.itemsize,
            )

    def replications(self, start: int, stop: int) -> np.ndarray:
        """Values of replications ``start .. stop`` at every level, (levels, stop - start, ...)."""
        parts = [
            np.fromfile(
                self.path,
                dtype=self.dtype,
                count=(stop - start) * self.row_bytes // self.dtype.itemsize,
                offset=(level * self.shape[1] + start) * self.row_bytes,
            )
            for level in range(self.shape[0])
        ]
        return np.stack(parts).reshape(self.shape[0], stop - start, *self.shape[2:])

    def __array__(self, dtype: npt.DTypeLike | None = None, copy: bool | None = None) -> np.ndarray:
        """Return the whole array in memory (for small runs and tests)."""
        whole = np.fromfile(self.path, dtype=self.dtype).reshape(self.shape)
        return whole if dtype is None else whole.astype(dtype)

    def __getitem__(self, key: Any) -> np.ndarray:
        """Index the array as numpy would (reads it whole: prefer :meth:`replications`)."""
        values: np.ndarray = np.asarray(self)[key]
        return values

    @property
    def ndim(self) -> int:
        """Number of axes."""
        return len(self.shape)


class ReplicationStore:
    """Named (levels, R, ...) arrays filled block by block, in memory or in ``folder``."""

    def __init__(
        self, replications: int, first: int = 0, folder: Any = None
    ) -> None:  # None, a path or a spill directory
        """Hold arrays of ``replications`` from ``first``, in memory or on disk.

        ``folder``: None (in memory), a directory, or an object with a
        ``path`` (kept alive by every disk array, e.g. a spill directory).
        """
        self.replications, self.first, self.folder = replications, first, folder
        self.arrays: dict[str, np.ndarray | DiskArray] = {}

    def put(self, name: str, first: int, values: np.ndarray) -> None:
        """Place a block's ``values`` (levels, count, ...) at its replications."""
        values = np.asarray(values)
        held = self.arrays.get(name)
        if held is None or np.result_type(held.dtype, values.dtype) != held.dtype:
            held = self.allocate(name, values, held)
        start = first - self.first
        if isinstance(held, DiskArray):
            held.put(start, values)
        else:
            held[:, start : start + values.shape[1]] = values

    def allocate(
        self, name: str, values: np.ndarray, held: np.ndarray | DiskArray | None
    ) -> np.ndarray | DiskArray:
        """Allocate a full-size array for ``name``, taking over the narrower ``held`` if any."""
        dtype = values.dtype if held is None else np.result_type(held.dtype, values.dtype)
        shape = (values.shape[0], self.replications, *values.shape[2:])
        fresh: np.ndarray | DiskArray
        if self.folder is None:
            fresh = in_memory = np.zeros(shape, dtype)
            if held is not None:
                in_memory[...] = held
        else:
            where = Path(getattr(self.folder, "path", self.folder))
            fresh = on_disk = DiskArray(
                where / f"{name}.{np.dtype(dtype).name}", shape, dtype, self.folder
            )
            if held is not None:
                assert isinstance(held, DiskArray)  # a store on disk holds disk arrays only
                for start in range(0, self.replications, COPY_REPLICATIONS):
                    stop = min(self.replications, start + COPY_REPLICATIONS)
                    on_disk.put(start, held.replications(start, stop))
                held.path.unlink(missing_ok=True)
        self.arrays[name] = fresh
        return fresh

    def take(self, prefix: str) -> dict[str, np.ndarray | DiskArray]:
        """Return the arrays stored under ``prefix.<key>``, by key."""
        head = f"{prefix}."
        return {
            name[len(head) :]: array for name, array in self.arrays.items() if name.startswith(head)
        }
