"""Start ``chipsim`` under a fault-injection hook and find every process it left behind.

Each command started by :func:`start` carries a unique tag in its environment,
which every descendant inherits (forked workers, a forkserver and its
workers, the resource tracker), so :func:`tagged` finds all of them, on Linux,
by reading /proc/PID/environ.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = Path(__file__).with_name("hardening_child.py")
PATIENCE = 300.0  # seconds to wait for an awaited event before failing the test


@dataclass
class Started:
    """A chipsim command running under a hook."""

    process: subprocess.Popen
    tag: str
    ready: Path
    go: Path

    def wait_paused(self, count: int = 1) -> list[str]:
        """Wait until ``count`` processes reported pausing; fail if the command ends first."""
        deadline = time.monotonic() + PATIENCE
        while True:
            found = sorted(p.name for p in self.ready.iterdir() if not p.name.startswith("."))
            if len(found) >= count:
                return found
            if self.process.poll() is not None:
                raise AssertionError(
                    f"chipsim ended (status {self.process.returncode}) before "
                    f"{count} processes paused: {found}\n{self.stderr()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"no pause after {PATIENCE} s: {found}")
            time.sleep(0.01)

    def release(self) -> None:
        """Let paused processes go on."""
        self.go.write_text("")

    def kill(self) -> None:
        """SIGKILL the command itself (not its workers) and reap it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def finish(self) -> int:
        """Wait for the command to end; return its status."""
        return self.process.wait(timeout=PATIENCE)

    def stderr(self) -> str:
        """What the command wrote on stderr (once it has ended)."""
        if self.process.poll() is None:
            return ""
        return self.process.stderr.read().decode("utf-8", "replace") if self.process.stderr else ""


def start(
    args: list[str],
    workdir: Path,
    point: str | None = None,
    nth: int = 1,
    release: bool = False,
    no_exchange: bool = False,
    no_death_signal: bool = False,
) -> Started:
    """Start ``chipsim ARGS`` pausing at ``point`` (see tests/hardening_child.py).

    ``no_exchange``: replace directories by two renames, as where the OS has no exchange.
    ``no_death_signal``: forked workers get no parent-death signal, as off Linux.
    """
    tag = uuid.uuid4().hex
    ready = workdir / f"ready-{tag[:8]}"
    ready.mkdir()
    go = workdir / f"go-{tag[:8]}"
    spec = {
        "point": point,
        "nth": nth,
        "ready": str(ready),
        "go": str(go),
        "no_exchange": no_exchange,
        "no_death_signal": no_death_signal,
    }
    if release:
        go.write_text("")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(CHILD.parent)]),
        "CHIPSIM_TEST_PAUSE": json.dumps(spec),
        "CHIPSIM_TEST_TAG": tag,
    }
    process = subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        env=env,
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return Started(process, tag, ready, go)


def tagged(tag: str) -> list[int]:
    """PIDs of live processes whose environment carries ``tag`` (zombies excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if f"CHIPSIM_TEST_TAG={tag}".encode() in environ.split(b"\0") and state != "Z":
            found.append(int(entry.name))
    return found


def survivors(tag: str, patience: float = 60.0) -> list[int]:
    """Processes still alive once every one that should exit has had ``patience`` s to.

    Returns as soon as none is left; whatever is left after ``patience`` is
    killed (so a failing test leaves nothing behind) and returned.
    """
    deadline = time.monotonic() + patience
    while (alive := tagged(tag)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in alive:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return alive
