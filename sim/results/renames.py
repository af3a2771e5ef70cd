"""Directory renames that never leave a gap: exchange, and rename-unless-present.

On Linux ``renameat2`` swaps two directories in one step (RENAME_EXCHANGE)
and moves a directory only where nothing exists (RENAME_NOREPLACE). Where it
is missing (another OS, an old kernel, a file system without it) the
fallbacks use plain renames; there the claim lock of :mod:`sim.results.claim`
still keeps two chipsim commands apart, and leftovers are recovered by the
next command writing the same output.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
from pathlib import Path

RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
AT_FDCWD = -100
UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP}


@functools.cache
def _renameat2():
    """Libc's renameat2, or None where the C library has none."""
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    return function


def _rename2(source: Path, target: Path, flags: int) -> bool:
    """Try renameat2; False when unsupported here, OSError on a real failure."""
    function = _renameat2()
    if function is None:
        return False
    if function(AT_FDCWD, os.fsencode(source), AT_FDCWD, os.fsencode(target), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(target))


def exchange(source: Path, target: Path) -> bool:
    """Swap ``source`` and ``target`` atomically; False where the OS cannot."""
    return _rename2(source, target, RENAME_EXCHANGE)


def move_new(source: Path, target: Path) -> None:
    """Move ``source`` to ``target``, refusing (FileExistsError) if ``target`` exists.

    A plain rename would silently replace an empty directory created meanwhile.
    """
    if _rename2(source, target, RENAME_NOREPLACE):
        return
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))
    os.rename(source, target)
