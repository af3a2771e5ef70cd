"""Files chipsim writes: each output file by a temporary file and an atomic rename.

The base of every write in the package (``tests/test_hardening_writers.py``
checks that no module but this one and :mod:`sim.results.atomic` writes a
file): an output file appears complete or not at all; a scratch file (a
blocked run's spill) is written in place in its owner's private directory.
Output directories, built from these files, are :mod:`sim.results.atomic`'s.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, cast


def current_umask() -> int:
    """Return the process umask (read without changing it for long)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename.

    An OSError always names a path (a full disk while writing names ``path``).
    """
    write_stream(path, lambda handle: handle.write(data))


def write_stream(path: str | Path, write: Callable[[BinaryIO], object]) -> None:
    """Call ``write(handle)`` on a temporary file, then rename it to ``path`` atomically.

    For outputs too large to build in memory first; errors as :func:`write_bytes`.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise named(err, path) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException as err:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(err, OSError) and err.filename is None:
            raise named(err, path) from None
        raise


def scratch(path: str | Path, mode: str = "wb") -> BinaryIO:
    """Open a working file that is not an output (a blocked run's spill) for writing in place.

    Scratch files live in their owner's private temporary directory and are
    deleted by it; they never become an output, so they need no
    temp-and-rename. Outputs go through :func:`write_stream` and the others.
    """
    return cast(BinaryIO, open(path, mode))  # noqa: SIM115 (the caller closes it)


def zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> BinaryIO:
    """Open one member of ``archive`` for writing (zip64, size unknown beforehand).

    The archive itself is written through :func:`write_stream`.
    """
    return cast(BinaryIO, archive.open(info, "w", force_zip64=True))


def named(err: OSError, path: Path) -> OSError:
    """``err`` with ``path`` as its file name when it names none."""
    if err.filename is not None:
        return err
    return type(err)(err.errno, err.strerror or str(err), str(path))


def write_text(path: str | Path, text: str) -> None:
    """UTF-8 text version of :func:`write_bytes`."""
    write_bytes(path, text.encode("utf-8"))


def sync_directory(path: Path) -> None:
    """Make renames inside ``path`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
