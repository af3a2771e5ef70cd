"""Options and argument types shared by chipsim's commands, and input errors."""

from __future__ import annotations

import click

from sim.scenario.convert import quota_level
from sim.scenario.errors import ScenarioError


class InputError(click.ClickException):
    """Bad input from the user: one line on stderr, exit status 2."""

    exit_code = 2


class QuotaLevel(click.ParamType):
    """``announced`` or a share in [0, 1]."""

    name = "QUOTA"

    def convert(self, value, param, ctx):
        """Normalise the level's text or fail with a usage error (exit 2)."""
        try:
            return quota_level(value if value == "announced" else _float(value), "--quota")
        except ScenarioError:
            self.fail(f'expected "announced" or a share in [0, 1], got {value!r}', param, ctx)


def _float(text: str):
    try:
        return float(text)
    except ValueError:
        return text


scenario_argument = click.argument(
    "scenario", required=False, default="scenarios/baseline.toml",
    type=click.Path(dir_okay=False))
reps_option = click.option(
    "--reps", type=click.IntRange(min=1), default=None,
    help="Replications (default: the scenario's run.replications).")
seed_option = click.option(
    "--seed", type=click.IntRange(min=0, max=2**63 - 1), default=None,
    help="Root random seed (default: the scenario's run.seed).")
quota_option = click.option(
    "--quota", "quotas", type=QuotaLevel(), multiple=True,
    help='Quota level to run: "announced" or a share such as 0.7. Repeatable.')
out_option = click.option(
    "--out", type=click.Path(file_okay=False), default=None,
    help="Run directory (default: outputs/<scenario name>/).")
force_option = click.option(
    "--force", is_flag=True, help="Replace an existing run directory.")


def input_error(err: Exception) -> InputError:
    """Turn a domain error into the CLI's one-line, exit-2 error."""
    if isinstance(err, FileExistsError):
        return InputError(f"{err}: run directory exists; pass --force to replace it")
    return InputError(str(err))
