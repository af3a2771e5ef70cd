"""Run ``chipsim`` with a fault-injection hook: pause at a known point, say so, wait.

Used by the fault tests instead of killing after a delay (no test may depend
on timing): ``python tests/hardening_child.py ARGS...`` runs ``chipsim ARGS``
with the hook described by the environment variable ``CHIPSIM_TEST_PAUSE``,
a JSON object:

* ``point``: where to pause; ``simulate`` (before the simulation, output
  claimed), ``replace`` (before the ``nth`` ``os.replace`` into the output),
  ``commit`` (before the staging directory is moved or exchanged into place),
  ``share`` (every process simulating a block of replications: each forked
  worker of ``run --workers K``), ``batch`` (every pool worker of
  a sweep, before its batch), ``write`` (before a sweep stores its ``nth``
  batch);
* ``nth``: for ``replace`` and ``write``, which call (1-based);
* ``ready``: a directory where each paused process creates ``POINT-PID``;
* ``go``: a file whose appearance lets paused processes go on (absent: they
  wait until killed);
* ``no_exchange``: replace directories by two renames (as without renameat2);
* ``no_death_signal``: forked workers get no parent-death signal (as off Linux),
  so only the lifeline (:mod:`sim.core.lifeline`) can end them when the parent dies.

The test waits for the ready files (an event, not a delay), then acts.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

SPEC = json.loads(os.environ.get("CHIPSIM_TEST_PAUSE", "{}"))


def pause(point: str) -> None:
    """Announce this process paused at ``point``, then wait for the go file (or forever)."""
    ready = Path(SPEC["ready"])
    (ready / f".{point}-{os.getpid()}").write_text("")
    os.replace(ready / f".{point}-{os.getpid()}", ready / f"{point}-{os.getpid()}")
    go = SPEC.get("go")
    while not (go and Path(go).exists()):
        time.sleep(0.01)


def blocking_batch(job, batch):
    """A sweep pool worker's task: pause, then run the batch."""
    from sim.experiments.batch import run_batch

    pause("batch")
    return run_batch(job, batch)


def install() -> None:
    """Patch the point named by the spec."""
    point = SPEC.get("point")
    if SPEC.get("no_exchange"):  # as on a system without renameat2
        import sim.results.atomic as atomic

        atomic.exchange = lambda source, target: False
    if SPEC.get("no_death_signal"):  # as where PR_SET_PDEATHSIG does not exist
        import sim.core.lifeline as lifeline

        lifeline.parent_death_signal = lambda: None
    if point == "simulate":
        import sim.interfaces.runner as runner

        real = runner.simulate

        def simulate(*args, **kwargs):
            pause("simulate")
            return real(*args, **kwargs)

        runner.simulate = simulate
    elif point == "replace":
        real_replace, calls = os.replace, []

        def replace(src, dst, *args, **kwargs):
            calls.append(dst)
            if len(calls) == SPEC["nth"]:
                pause("replace")
            return real_replace(src, dst, *args, **kwargs)

        os.replace = replace
    elif point == "commit":
        import sim.results.atomic as atomic

        for name in ("exchange", "move_new"):
            setattr(atomic, name, paused_before(getattr(atomic, name), "commit"))
    elif point == "write":  # before a sweep stores its nth batch
        from sim.experiments.store import RunStore

        real_write, writes = RunStore.write, []

        def write(self, result):
            writes.append(result.index)
            if len(writes) == SPEC["nth"]:
                pause("write")
            return real_write(self, result)

        RunStore.write = write
    elif point == "share":
        from sim.model import ensemble

        ensemble.BlockJob.__call__ = paused_before(ensemble.BlockJob.__call__, "share")
    elif point == "batch":  # by module name, so pool workers can import it
        import hardening_child

        from sim.experiments import evaluators

        evaluators.LocalPool.task = staticmethod(hardening_child.blocking_batch)


def paused_before(function, point: str):
    """``function`` preceded by a pause at ``point``."""

    def wrapped(*args, **kwargs):
        pause(point)
        return function(*args, **kwargs)

    return wrapped


if __name__ == "__main__":
    # Ctrl-C as at a terminal, even when the test runner was started in the background
    # (a non-interactive shell starts background jobs with SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    install()
    from sim.interfaces.cli import main

    main(sys.argv[1:], prog_name="chipsim")
