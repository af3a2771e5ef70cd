"""``chipsim run``: one scenario at every quota level."""

from __future__ import annotations

import click

from sim.cli.options import (
    force_option,
    input_error,
    out_option,
    quota_option,
    reps_option,
    run_workers_option,
    scenario_argument,
    seed_option,
)
from sim.cli.report import report_option, write_report_or_fail
from sim.results.summary import headline_table, level_table
from sim.runner import execute
from sim.scenario.errors import ScenarioError


@click.command()
@scenario_argument
@reps_option
@seed_option
@quota_option
@out_option
@force_option
@run_workers_option
@report_option
def run(scenario, reps, seed, quotas, out, force, workers, report):
    """Simulate SCENARIO (default scenarios/baseline.toml) and write its run directory."""
    try:
        done = execute(scenario, reps, seed, list(dict.fromkeys(quotas)) or None, out, force,
                       workers=workers)
    except (ScenarioError, OSError, MemoryError) as err:
        raise input_error(err) from None
    click.echo(headline_table(done.result.rows))
    click.echo("\n" + level_table(done.result.rows, done.info.get("replications")))
    click.echo(f"\nWrote {done.out_dir}/ (summary.csv, replications.npz, manifest.json) "
               f"in {done.info['wall_time_s']:.2f} s")
    if report:
        click.echo(f"Wrote {write_report_or_fail(done.out_dir)}")
