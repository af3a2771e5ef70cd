"""Options and argument types shared by chipsim's commands, and input errors."""

from __future__ import annotations

import math

import click

from sim.results.claim import check_outputs  # noqa: F401  (re-exported for the commands)
from sim.scenario.errors import PATH, ScenarioError, one_line, printable, short
from sim.scenario.shipped import DEFAULT


class InputError(click.ClickException):
    """Bad input from the user: one bounded line on stderr, exit status 2.

    The message passes sim.scenario.errors.one_line, the one formatter of error
    lines: control characters escaped, echoed values and lists of choices bounded.
    """

    exit_code = 2

    def __init__(self, message: str):
        super().__init__(one_line(message))


class QuotaLevel(click.ParamType):
    """``announced`` or a share in [0, 1]."""

    name = "QUOTA"

    def convert(self, value, param, ctx):
        """Normalise the level's text or fail with a usage error (exit 2)."""
        from sim.interfaces.runner import (
            quota_level_text,  # sim.run's normalisation too (not at start-up)
        )

        try:
            return quota_level_text(value, "--quota")
        except ScenarioError:
            self.fail(f'expected "announced" or a share in [0, 1], got {value!r}', param, ctx)


class Count(click.ParamType):
    """An integer in [low, high], refused in ``sim.run``'s words.

    The words are :func:`sim.interfaces.runner.count`'s.
    """

    name = "integer"

    def __init__(self, low: int, high: int):
        self.low, self.high = low, high

    def convert(self, value, param, ctx):
        """Return the integer, or fail with a usage error (exit 2) naming the range."""
        from sim.interfaces.runner import count, shown

        try:
            number = value if isinstance(value, int) else int(str(value).strip())
            return count(number, "", self.low, self.high)
        except ValueError as err:  # ScenarioError is a ValueError; int() raises one too
            message = (
                err.message
                if isinstance(err, ScenarioError)
                else (f"expected an integer from {self.low:,} to {self.high:,}, got {shown(value)}")
            )
            self.fail(message, param, ctx)


class SafePath(click.Path):
    """A click.Path that refuses NUL bytes (os.stat would raise ValueError)."""

    def convert(self, value, param, ctx):
        """Fail with a usage error (exit 2) on a NUL byte, else as click.Path."""
        if isinstance(value, str) and "\x00" in value:
            self.fail("a path cannot contain a NUL byte", param, ctx)
        return super().convert(value, param, ctx)


class FiniteFloatRange(click.FloatRange):
    """A click.FloatRange that refuses NaN and infinity (NaN passes every comparison)."""

    def convert(self, value, param, ctx):
        """Fail with a usage error (exit 2) on NaN or infinity, else as click.FloatRange."""
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"expected a finite number, got {value!r}", param, ctx)
        return number


def claim_output(target, force: bool, hint: str = "pass --force to replace it"):
    """Claim an output directory for the rest of the command, before any work.

    The claim (path checked, lock held, leftovers cleaned; see
    :mod:`sim.results.claim`) is released when the command ends. An existing
    ``target`` is refused without ``force`` (the message ends with ``hint``),
    and with it unless chipsim wrote it; ``force=None`` leaves that to the caller.
    """
    from sim.results.atomic import check_replace
    from sim.results.claim import claimed

    try:
        claim = click.get_current_context().with_resource(claimed(target))
        if force is not None:
            check_replace(claim.target, force, hint)
    except ScenarioError as err:
        raise input_error(err) from None
    return claim


class ScenarioFile(SafePath):
    """A scenario file: a path that exists, else a shipped scenario's name (``baseline``).

    Resolved by :func:`sim.scenario.shipped.existing_scenario`, as ``sim.run``
    resolves its ``scenario``; a missing file is an input error (exit 2)
    listing the shipped scenarios.
    """

    def __init__(self):
        super().__init__(dir_okay=False)

    def convert(self, value, param, ctx):
        """Return the resolved path as text, or fail with the one-line message."""
        from sim.scenario.shipped import existing_scenario

        text = super().convert(value, param, ctx)
        try:
            return str(existing_scenario(text))
        except ScenarioError as err:
            raise InputError(str(err)) from None


scenario_argument = click.argument("scenario", required=False, default=DEFAULT, type=ScenarioFile())
reps_option = click.option(
    "--reps",
    type=Count(1, 10_000_000),
    default=None,
    help="Replications (default: the scenario's run.replications).",
)
seed_option = click.option(
    "--seed",
    type=Count(0, 2**63 - 1),
    default=None,
    help="Root random seed (default: the scenario's run.seed).",
)
quota_option = click.option(
    "--quota",
    "quotas",
    type=QuotaLevel(),
    multiple=True,
    help='Quota level to run: "announced" or a share such as 0.7. Repeatable.',
)
out_option = click.option(
    "--out",
    type=SafePath(file_okay=False),
    default=None,
    help="Run directory (default: outputs/<scenario name>/).",
)
force_option = click.option("--force", is_flag=True, help="Replace an existing run directory.")
run_workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1, max=1024),
    default=None,
    help="Processes sharing the replication blocks (default: one per CPU, at most one per "
    "block the run needs for memory). Outputs do not depend on it.",
)
block_option = click.option(
    "--block-reps",
    type=click.IntRange(min=1, max=10_000_000),
    default=None,
    help="Replications simulated at once (default: as many as about 200 MB of state "
    "holds). Outputs do not depend on it; memory does.",
)

explain_reps_option = click.option(
    "--explain-reps",
    type=Count(0, 10_000_000),
    default=None,
    help="Replications of the counterfactual effects that explain the run (default 1,000, "
    "or --reps when fewer; 0: no explanation).",
)
amount_option = click.option(
    "--amount",
    type=click.FloatRange(min=0.001, max=1.0),
    default=None,
    help="Relaxation of each limit as a share (default 0.1: +10%, or 10% of the way to no rule).",
)


def input_error(err: Exception) -> InputError:
    """Turn a domain error into the CLI's one-line, exit-2 error (its notes appended)."""
    found = _input_error(err)
    notes = getattr(err, "__notes__", None)
    if notes:
        found.message = one_line("; ".join([found.message, *notes]))  # type: ignore[misc]
    return found


def _input_error(err: Exception) -> InputError:
    if isinstance(err, FileExistsError) and err.errno is None:
        return InputError(f"{err}: run directory exists; pass --force to replace it")
    if isinstance(err, OSError):  # the output location: missing, read-only, full disk ...
        where = f"{short(printable(str(err.filename)), PATH)}: " if err.filename is not None else ""
        return InputError(f"{where}cannot write output: {err.strerror or err}")
    if isinstance(err, MemoryError):
        return InputError("not enough memory for this run: use fewer --reps or quota levels")
    return InputError(str(err))


# Options shared by the experiment commands (sweep, sensitivity).
set_option = click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="PATH=V1,V2,...",
    help="Fix a parameter (one value) or list values to sweep. Repeatable.",
)
param_option = click.option(
    "--param",
    "params",
    multiple=True,
    metavar="GLOB",
    help="Sample only uncertain parameters matching GLOB, e.g. '*.yield_curve.*'. Repeatable.",
)
workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1, max=1024),
    default=None,
    help="Local worker processes (default: one per core; at most the CPU count; 1 runs in this "
    "process).",
)
scheduler_option = click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS|local",
    help="Run on a dask.distributed cluster at tcp://HOST:PORT, or 'local' for a LocalCluster.",
)


def parse_set(text: str) -> tuple[str, tuple[str, ...]]:
    """Split ``PATH=V1,V2`` into the path and its values (InputError when malformed)."""
    path, sep, values = text.partition("=")
    items = tuple(v.strip() for v in values.split(","))
    if not sep or not path.strip() or not all(items):
        raise InputError(one_line(f"--set {text}: expected PATH=VALUE or PATH=V1,V2,..."))
    return path.strip(), items


def point_reps_option(default: int, sets_all: str):
    """``--reps`` of a design's points; ``sets_all`` says when replications would be identical."""
    return click.option(
        "--reps",
        type=click.IntRange(min=1, max=10_000_000),
        default=None,
        help=f"Replications per point (default {default}); always 1 when "
        f"{sets_all} every uncertain parameter, since replications would be identical.",
    )
