"""Bounded reads of the files chipsim finds in a run or sweep directory.

Every file read back from an output directory goes through :func:`read_bytes`:
it is opened without following a FIFO's writer (``O_NONBLOCK``), must be a
regular file (never a FIFO, a device such as /dev/zero or a directory) and
at most ``limit`` bytes long, and is read whole into memory, so a parser never
sees a stream that blocks or never ends. Failures are :class:`DamagedFile`
errors naming the file and what is wrong; the CLI turns them into exit 2.
"""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from pathlib import Path

from sim.scenario.errors import ScenarioError

MiB = 2**20
# Size limits by kind of file; far above anything chipsim writes for a run
# that fits in memory, far below what would exhaust it.
JSON_LIMIT = 64 * MiB  # manifest.json, settings.json, the marker
TEXT_LIMIT = 1024 * MiB  # summary.csv, points.csv, sensitivity.csv, discover.csv
BINARY_LIMIT = 8192 * MiB  # replications.npz, results.parquet, batch files


class DamagedFile(ScenarioError):
    """A file of an output directory that cannot be what chipsim wrote there."""

    def __init__(self, path: str | Path, message: str):
        super().__init__(message, file=str(path))


def read_bytes(path: str | Path, limit: int) -> bytes:
    """Return the bytes of the regular file ``path`` (at most ``limit`` of them)."""
    path = Path(path)
    try:
        fd = os.open(
            path,
            os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0),
        )
    except FileNotFoundError:
        raise DamagedFile(path, "missing") from None
    except OSError as exc:
        raise DamagedFile(path, f"cannot be read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DamagedFile(
                path, "not a regular file (a FIFO, device or directory): refusing to read it"
            )
        if info.st_size > limit:
            raise DamagedFile(
                path,
                f"{info.st_size} bytes, more than the {limit // MiB} MiB "
                "chipsim reads from such a file",
            )
        os.set_blocking(fd, True)
        data = read_up_to(fd, min(limit, info.st_size) + 1)
    except OSError as exc:
        raise DamagedFile(path, f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew while being read
        raise DamagedFile(path, f"more than the {limit // MiB} MiB chipsim reads from such a file")
    return data


def read_up_to(fd: int, size: int) -> bytes:
    """Read until end-of-file or ``size`` bytes, in chunks (no buffer of ``size`` up front)."""
    chunks, got = [], 0
    while got < size and (chunk := os.read(fd, min(size - got, 16 * MiB))):
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_text(path: str | Path, limit: int = TEXT_LIMIT) -> str:
    """UTF-8 text of ``path`` (see :func:`read_bytes`)."""
    data = read_bytes(path, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise DamagedFile(path, "not UTF-8 text") from None


def read_json_object(path: str | Path, limit: int = JSON_LIMIT) -> dict:
    """Return the JSON object (a dict) stored at ``path``."""
    text = read_text(path, limit)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise DamagedFile(path, f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise DamagedFile(path, f"expected a JSON object, found {type(data).__name__}")
    return data


def open_npz(path: str | Path, limit: int = BINARY_LIMIT) -> dict:
    """Arrays of the .npz archive at ``path`` (no pickles; members bounded as well).

    A member's size is checked from the archive's directory before it is
    inflated, so a small compressed archive cannot expand without bound.
    """
    import numpy as np

    data = read_bytes(path, limit)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
            if total > limit:
                raise DamagedFile(
                    path, f"its members expand to {total} bytes, more than {limit // MiB} MiB"
                )
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            return {name: arrays[name] for name in arrays.files}
    except DamagedFile:
        raise
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise DamagedFile(path, f"not a readable .npz archive ({exc})") from None


def read_parquet(path: str | Path, columns: list[str] | None = None, limit: int = BINARY_LIMIT):
    """Return the Arrow table of the Parquet file ``path`` (only ``columns`` if given)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = read_bytes(path, limit)
    try:
        return pq.read_table(pa.BufferReader(data), columns=columns)
    except (pa.ArrowException, OSError, ValueError, KeyError) as exc:
        raise DamagedFile(path, f"not a readable Parquet table ({exc})") from None
