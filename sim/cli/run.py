"""``chipsim run``: one scenario at every quota level."""

from __future__ import annotations

import click

from sim.cli.options import (force_option, input_error, out_option, quota_option, reps_option,
                             scenario_argument, seed_option)
from sim.results.summary import headline_table
from sim.runner import execute
from sim.scenario.errors import ScenarioError


@click.command()
@scenario_argument
@reps_option
@seed_option
@quota_option
@out_option
@force_option
def run(scenario, reps, seed, quotas, out, force):
    """Simulate SCENARIO (default scenarios/baseline.toml) and write its run directory."""
    try:
        done = execute(scenario, reps, seed, list(quotas) or None, out, force)
    except (ScenarioError, FileExistsError) as err:
        raise input_error(err) from None
    click.echo(headline_table(done.result.rows))
    click.echo(f"\nWrote {done.out_dir}/ (summary.csv, replications.npz, manifest.json) "
               f"in {done.info['wall_time_s']:.2f} s")
