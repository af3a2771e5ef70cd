"""The ``chipsim`` command: a thin click group; each command lives in its own module."""

from __future__ import annotations

import click

from sim.cli.params import params
from sim.cli.run import run


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chipsim")
def main():
    """chipsim: scenarios for China's domestic AI-chip share, 2023-2027."""


main.add_command(run)
main.add_command(params)
