"""Atomic outputs: files via temp-and-rename, output directories via a staging dir.

An output directory either exists complete (its manifest.json written last)
or not at all: it is claimed first (:mod:`sim.results.claim`), filled under a
hidden staging name beside the target, marked as chipsim's from the start
(:mod:`sim.results.marker`) and moved into place at the end.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, cast

from sim.results.claim import OutputRefused, claimed
from sim.results.marker import MARKER, marker_bytes, why_not_replaceable
from sim.results.renames import exchange, move_new


def _umask() -> int:
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
        os.chmod(tmp, 0o666 & ~_umask())
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


@contextlib.contextmanager
def staged_directory(target: str | Path, force: bool = False, kind: str = "run"):
    """Yield a staging directory that becomes ``target`` only on success.

    The target is claimed first (:func:`sim.results.claim.claimed`: path
    checked, lock taken, leftovers cleaned), then :func:`check_replace` refuses
    an existing target without ``force``, or one ``force`` may not replace.
    The staging directory holds the chipsim marker from the start.
    """
    with claimed(target) as claim:
        check_replace(claim.target, force)
        with staging(claim.target, force, kind) as stage:
            yield stage


@contextlib.contextmanager
def output_directory(target: str | Path, force: bool = False):
    """Claim ``target`` for the whole of a command; yield the Claim.

    Refused up front if it may not be written (it exists without ``force``,
    or is not chipsim's).

    Write it inside with :func:`staging` (``claim.target``), never with
    :func:`staged_directory`, which would claim it a second time.
    """
    with claimed(target) as claim:
        check_replace(claim.target, force)
        yield claim


def check_replace(target: Path, force: bool, hint: str = "pass --force to replace it") -> None:
    """Refuse an existing ``target`` without ``force``, or one that is not chipsim's."""
    if not os.path.lexists(target):
        return
    if not force:
        raise OutputRefused(target, f"output directory exists; {hint}")
    reason = why_not_replaceable(target)
    if reason:
        raise OutputRefused(target, f"refusing to replace it with --force: {reason}")


@contextlib.contextmanager
def staging(target: Path, force: bool, kind: str):
    """Yield a fresh staging directory beside ``target`` (claimed); move it in on success.

    On completion a target that appeared meanwhile is never replaced without
    ``force`` (nor, with it, one that is not chipsim's).
    """
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".staging",
                                  dir=target.parent))
    try:
        write_bytes(stage / MARKER, marker_bytes(kind))
        yield stage
        os.chmod(stage, 0o777 & ~_umask())
        if os.path.lexists(target):
            check_replace(target, force, "it appeared while chipsim was working: nothing "
                          "replaced; pass --force to replace it")
            replace_directory(stage, target)
        else:
            try:
                move_new(stage, target)
            except FileExistsError:
                raise OutputRefused(target, "it appeared while chipsim was working: nothing "
                                    "replaced") from None
        sync_directory(target.parent)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def replaceable(target: Path) -> bool:
    """Tell whether ``--force`` may replace ``target`` (see :mod:`sim.results.marker`)."""
    return why_not_replaceable(Path(target)) is None


def replace_directory(source: Path, target: Path) -> None:
    """Put ``source`` in place of ``target``; the old ``target`` is removed only afterwards.

    Where the OS can, the two are exchanged in one step, so ``target`` is
    never missing; elsewhere the old one is first moved aside to
    ``.NAME.old-PID`` (put back by the next claim if a kill strikes between).
    """
    if exchange(source, target):
        shutil.rmtree(source, ignore_errors=True)  # now the old output
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.replace(target, old)
    try:
        os.replace(source, target)
    except BaseException:
        os.replace(old, target)  # put the previous output back where it was
        raise
    shutil.rmtree(old, ignore_errors=True)


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
