"""The ``chipsim`` command: a thin click group; each command lives in its own module.

Commands are imported only when invoked, so ``chipsim run`` does not pay for
the sweep, report or calibration machinery at start-up.
"""

from __future__ import annotations

import importlib
import sys

import click

INTERRUPTED = 130  # the shell's status for a command ended by Ctrl-C (SIGINT)
# command name -> "module:attribute"
COMMANDS = {
    "run": "sim.cli.run:run",
    "explain": "sim.cli.explain:explain",
    "params": "sim.cli.params:params",
    "calibrate": "sim.cli.calibrate:calibrate_command",
    "sweep": "sim.cli.sweep:sweep",
    "sensitivity": "sim.cli.sensitivity:sensitivity_command",
    "discover": "sim.cli.discover:discover",
    "report": "sim.cli.report:report",
    "diff": "sim.cli.diff:diff",
}


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
            return super().main(args, *rest, **kwargs)
        finally:
            reset_command(token)

    def invoke(self, ctx: click.Context):
        """Run the command; Ctrl-C ends any command with status 130.

        Nothing is half-written: outputs are staged and removed when interrupted.
        """
        try:
            return super().invoke(ctx)
        except (KeyboardInterrupt, click.Abort) as err:
            if isinstance(err, click.Abort) and not isinstance(err.__context__,
                                                               KeyboardInterrupt):
                raise
            click.echo("\ninterrupted: nothing was written", err=True)
            ctx.exit(INTERRUPTED)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chipsim")
def main():
    """chipsim: scenarios for China's domestic AI-chip share, 2023-2027."""
