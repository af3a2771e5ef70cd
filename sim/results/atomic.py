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
from pathlib import Path

# the file writers live in sim.core.files; outputs import them from here with their directories
from sim.core.files import (
    current_umask,
    named,
    scratch,
    sync_directory,
    write_bytes,
    write_stream,
    write_text,
    zip_member,
)
from sim.results.claim import OutputRefused, claimed
from sim.results.marker import MARKER, marker_bytes, why_not_replaceable
from sim.results.renames import exchange, move_new

__all__ = [
    "check_replace",
    "named",
    "output_directory",
    "replace_directory",
    "replaceable",
    "scratch",
    "staged_directory",
    "sync_directory",
    "write_bytes",
    "write_stream",
    "write_text",
    "zip_member",
]


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
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".staging", dir=target.parent))
    try:
        write_bytes(stage / MARKER, marker_bytes(kind))
        yield stage
        os.chmod(stage, 0o777 & ~current_umask())
        if os.path.lexists(target):
            check_replace(
                target,
                force,
                "it appeared while chipsim was working: nothing "
                "replaced; pass --force to replace it",
            )
            replace_directory(stage, target)
        else:
            try:
                move_new(stage, target)
            except FileExistsError:
                raise OutputRefused(
                    target, "it appeared while chipsim was working: nothing replaced"
                ) from None
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
