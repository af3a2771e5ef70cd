"""Atomic outputs: files via temp-and-rename, run directories via a staging dir.

A run directory either exists complete (its manifest.json written last) or not
at all: it is filled under a hidden staging name beside the target and
renamed into place at the end.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path


def _umask() -> int:
    """Return the process umask (read without changing it for long)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: str | Path, text: str) -> None:
    """UTF-8 text version of :func:`write_bytes`."""
    write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def staged_directory(target: str | Path, force: bool = False):
    """Yield a staging directory that replaces ``target`` only on success.

    Raises FileExistsError up front when ``target`` exists and ``force`` is off,
    and (with an errno) when ``force`` would replace something that is not a
    finished output directory (see :func:`replaceable`).
    """
    target = Path(os.path.abspath(target))
    if target.exists() and not force:
        raise FileExistsError(str(target))
    if target.exists() and not replaceable(target):
        raise FileExistsError(errno.EEXIST, "not an empty directory or a finished chipsim "
                              "output (no manifest.json); refusing to replace it", str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".staging",
                                    dir=target.parent))
    try:
        yield staging
        os.chmod(staging, 0o777 & ~_umask())
        replace_directory(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def replaceable(target: Path) -> bool:
    """Tell whether ``target`` is empty or holds manifest.json (a finished output).

    Never the working directory or one containing it: --force cannot remove
    a project, a home directory or the directory a command runs in.
    """
    if not target.is_dir() or target.is_symlink():
        return False
    if Path.cwd().resolve().is_relative_to(target.resolve()):
        return False
    return (target / "manifest.json").is_file() or not any(target.iterdir())


def replace_directory(source: Path, target: Path) -> None:
    """Move ``source`` to ``target``, removing an old ``target`` only afterwards."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    try:
        os.replace(source, target)
    except BaseException:
        if old is not None:  # put the previous output back where it was
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
