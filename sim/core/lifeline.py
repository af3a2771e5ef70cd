"""Worker processes that die with the process that started them, however it dies.

The parent holds the only write end of a pipe, the *lifeline*; every worker
holds its read end and watches it from a daemon thread. The kernel closes
the write end when the parent exits for any reason (SIGKILL and the OOM
killer included), the watcher reads end-of-file and the worker exits at
once. This needs no signal and no polling, and works with every start
method (fork, forkserver, spawn) on every platform with pipes; on Linux a
forked worker is also given a parent-death signal (``PR_SET_PDEATHSIG``),
which acts even when the worker's Python thread cannot run.

Forked workers inherit the write end and must drop it: :func:`adopt_forked`
does, first thing in the child. Workers started by a forkserver or spawned
get the read end as an argument (a pickled Connection), never the write end.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from multiprocessing.connection import Connection

ORPHANED = 70  # exit status of a worker whose parent is gone (EX_SOFTWARE)
PR_SET_PDEATHSIG = 1

_line: tuple[Connection, Connection] | None = None  # (read end, write end), in the parent
_line_pid: int | None = None


def lifeline() -> Connection:
    """Return this process's lifeline read end to hand to a worker (made on first use)."""
    global _line, _line_pid
    if _line is None or _line_pid != os.getpid():
        _line = multiprocessing.Pipe(duplex=False)
        _line_pid = os.getpid()
    return _line[0]


def watch(reader: Connection) -> None:
    """In a worker: exit (status :data:`ORPHANED`) as soon as ``reader`` reaches end-of-file.

    Usable as a ProcessPoolExecutor ``initializer`` with the read end as its argument.
    """

    def wait() -> None:
        try:
            reader.recv_bytes()
        except (EOFError, OSError):
            pass
        os._exit(ORPHANED)  # the parent is gone: nobody wants this worker's result

    threading.Thread(target=wait, name="chipsim-lifeline", daemon=True).start()


def adopt_forked(reader: Connection) -> None:
    """In a forked worker: drop the inherited write end, ask for a parent-death signal, watch.

    ``reader`` is the lifeline the parent took with :func:`lifeline` before forking.
    """
    global _line, _line_pid
    if _line is not None:
        _line[1].close()  # only the parent may keep the line open
        _line, _line_pid = None, None
    parent_death_signal()
    watch(reader)


def parent_death_signal() -> None:
    """On Linux, SIGKILL this process when the thread that forked it ends (elsewhere: nothing)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
