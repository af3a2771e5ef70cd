"""The ``chipsim`` command: a thin click group; each command lives in its own module.

Commands are imported only when invoked, so ``chipsim run`` does not pay for
the sweep, report or calibration machinery at start-up.
"""

from __future__ import annotations

import _thread
import contextlib
import importlib
import os
import signal
import sys
import threading

import click

INTERRUPTED = 130  # the shell's status for a command ended by Ctrl-C (SIGINT)
TERMINATED = 143  # 128 + SIGTERM: the shell's status for a command ended by SIGTERM
HANDLED = (signal.SIGINT, signal.SIGTERM)
REDELIVER = 0.05  # seconds before a signal whose exception was swallowed is delivered again
# command name -> "module:attribute"
COMMANDS = {
    "run": "sim.interfaces.cli.run:run",
    "explain": "sim.interfaces.cli.explain:explain",
    "params": "sim.interfaces.cli.params:params",
    "calibrate": "sim.interfaces.cli.calibrate:calibrate_command",
    "sweep": "sim.interfaces.cli.sweep:sweep",
    "sensitivity": "sim.interfaces.cli.sensitivity:sensitivity_command",
    "discover": "sim.interfaces.cli.discover:discover",
    "report": "sim.interfaces.cli.report:report",
    "diff": "sim.interfaces.cli.diff:diff",
}


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, ``timeout``, a service manager), handled as Ctrl-C is.

    A KeyboardInterrupt, so every cleanup that runs on Ctrl-C runs on SIGTERM
    too: staging directories removed, locks released, a sweep's finished
    batches kept for --resume, worker processes stopped.
    """


_owner: int | None = None  # the process whose handlers these are (forked workers inherit them)
_fork_hooks = False  # whether os.register_at_fork has been called (once a process)
_received: list[int] = []  # signals this command received, in order


def on_signal(signum: int, frame) -> None:
    """Handle SIGINT and SIGTERM alike: raise KeyboardInterrupt, or Terminated for SIGTERM.

    A forked worker (``run --workers``) inherits it: there SIGTERM acts as
    by default (it ends the worker, which is how its parent stops it; see
    :func:`after_fork_child`) and SIGINT as Python's default does.
    """
    if os.getpid() != _owner:
        if signum == signal.SIGTERM:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise KeyboardInterrupt
    _received.append(signum)
    raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt


def redelivering(hook):
    """``sys.unraisablehook`` that delivers again a signal whose exception was swallowed.

    The handler's exception raised inside a garbage-collector callback (Dask
    registers one) or a ``__del__`` is printed as "Exception ignored" and
    dropped, and the command would go on as if never signalled; instead the
    signal is delivered again a moment later (from a timer thread: delivered
    here, it would be raised inside this hook and dropped again), to act in
    ordinary code, or to be delivered once more if it lands in a finaliser again.
    """

    def unraisable(info) -> None:
        if isinstance(info.exc_value, KeyboardInterrupt) and _received and os.getpid() == _owner:
            again = threading.Timer(REDELIVER, deliver_again, (_received[-1],))
            again.daemon = True
            again.start()
            return
        hook(info)

    return unraisable


def deliver_again(signum: int) -> None:
    """Deliver ``signum`` to the main thread again, unless the command has ended meanwhile."""
    if _owner == os.getpid():
        _thread.interrupt_main(signal.Signals(signum))


_forking = threading.local()  # per forking thread: SIGTERM blocked by before_fork


def before_fork() -> None:
    """Block SIGTERM across a fork while chipsim handles it (os.register_at_fork).

    A SIGTERM reaching the child before Python's after-fork step would be
    dropped with the handler's pending flag (the child could then never be
    stopped by ``terminate()``); blocked, it waits for :func:`after_fork_child`.
    """
    if _owner == os.getpid() and hasattr(signal, "pthread_sigmask"):
        _forking.blocked = signal.SIGTERM not in signal.pthread_sigmask(
            signal.SIG_BLOCK, {signal.SIGTERM}
        )


def after_fork_parent() -> None:
    """Unblock SIGTERM in the parent after a fork (a signal that came meanwhile arrives now)."""
    if getattr(_forking, "blocked", False):
        _forking.blocked = False
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def after_fork_child() -> None:
    """In a forked worker: SIGTERM ends it by default again (as ``terminate()`` expects)."""
    if getattr(_forking, "blocked", False):
        _forking.blocked = False
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


@contextlib.contextmanager
def signals_handled():
    """Handle SIGINT and SIGTERM with :func:`on_signal` while a command runs (main thread).

    A signal ignored when chipsim started (``nohup``, a background job) stays
    ignored; one whose exception is swallowed is delivered again
    (:func:`redelivering`); the previous handlers are put back at the end.
    """
    global _owner, _fork_hooks
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if not _fork_hooks and hasattr(os, "register_at_fork"):
        os.register_at_fork(
            before=before_fork, after_in_parent=after_fork_parent, after_in_child=after_fork_child
        )
        _fork_hooks = True
    previous = {s: signal.getsignal(s) for s in HANDLED}
    mine = [s for s, h in previous.items() if h not in (signal.SIG_IGN, None)]
    _owner = os.getpid()
    _received.clear()
    hook, sys.unraisablehook = sys.unraisablehook, redelivering(sys.unraisablehook)
    for s in mine:
        signal.signal(s, on_signal)
    try:
        yield
    finally:
        for s in mine:
            signal.signal(s, previous[s])
        sys.unraisablehook = hook
        _owner = None  # a fork from here on needs no special care


def interrupted_status() -> int:
    """Exit status of a command ended by a signal: 143 after SIGTERM, else 130 (Ctrl-C).

    128 plus the signal's number, as a shell reports a command the signal
    killed, so scripts and service managers see the usual numbers; the
    command still cleans up first.
    """
    return TERMINATED if _received and _received[-1] == signal.SIGTERM else INTERRUPTED


def interrupted_words() -> str:
    """Say what ended the command: ``interrupted`` or ``interrupted (SIGTERM)``."""
    return "interrupted (SIGTERM)" if interrupted_status() == TERMINATED else "interrupted"


class LazyGroup(click.Group):
    """A click group that imports a command's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, in the order of ``COMMANDS``."""
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return the named command (None if unknown)."""
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name].split(":")
        return getattr(importlib.import_module(module), attribute)

    def main(self, args=None, *rest, **kwargs):
        """Run the command line; manifests record it (see sim.results.provenance)."""
        from sim.results.provenance import reset_command, set_command

        token = set_command(sys.argv[1:] if args is None else list(args))
        try:
            with signals_handled():
                return super().main(args, *rest, **kwargs)
        finally:
            reset_command(token)

    def invoke(self, ctx: click.Context):
        """Run the command; Ctrl-C ends any command with status 130, SIGTERM with 143.

        Nothing is half-written: outputs are staged and removed when interrupted.
        Any other error escaping once a signal came is its consequence, and
        ends the command the same way (never a traceback).
        """
        try:
            return super().invoke(ctx)
        except (KeyboardInterrupt, click.Abort) as err:
            if isinstance(err, click.Abort) and not isinstance(err.__context__, KeyboardInterrupt):
                raise
            click.echo(f"\n{interrupted_words()}: nothing was written", err=True)
            ctx.exit(interrupted_status())
        except click.ClickException as err:  # click's usage errors echo values: bound them
            from sim.scenario.errors import one_line

            err.message = one_line(err.message)  # type: ignore[misc]  # click's Final
            raise
        except click.exceptions.Exit:
            raise
        except Exception as err:
            if not _received:
                raise
            # The signal's exception, raised inside a C extension's call back into Python
            # (matplotlib's renderer), came out as another one ("Invalid bounding box").
            click.echo(
                f"\n{interrupted_words()}: stopped ({type(err).__name__} on the way); "
                "no output is left half-written",
                err=True,
            )
            ctx.exit(interrupted_status())


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chipsim")
def main():
    """chipsim: scenarios for China's domestic AI-chip share, 2023-2027."""
