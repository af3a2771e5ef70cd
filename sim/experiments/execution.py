"""How an experiment runs, as opposed to what it computes: output place, evaluator, messages.

``Execution`` carries the options that never change a result (where to write,
whether to resume or replace, which workers); the experiment modules take it
with their own options object and report through a ``say`` callback, so the
command line stays a thin layer that only turns options into one call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Say = Callable[[str], None]  # where notes for the user go (the CLI: stderr)
OUTPUTS = "outputs"  # the default parent of every experiment's directory


@dataclass(frozen=True)
class Execution:
    """Where an experiment writes and what evaluates it."""

    out: str | None = None  # None: outputs/<scenario>-<kind>/
    resume: bool = False
    force: bool = False
    workers: int | None = None
    scheduler: str | None = None
    progress: bool = True


class ExperimentError(Exception):
    """A problem with the experiment's inputs or surroundings the user must fix (exit 2).

    ``str()`` is the one-line message; notes added with ``add_note`` are appended
    by the command line (e.g. "finished points are saved: rerun with --resume").
    """


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during an experiment; ``str()`` says what is saved and how to finish."""


def quiet(message: str) -> None:
    """Discard a note (library use without a terminal)."""


def check_execution(execution: Execution) -> None:
    """Refuse contradictory options before anything runs."""
    if execution.resume and execution.force:
        raise ExperimentError("--resume continues a sweep and --force replaces it: choose one")
