"""``chipsim run``: one scenario at every quota level."""

from __future__ import annotations

import click

from sim.experiments.progress import Meter
from sim.interfaces.cli.explain import explain_options
from sim.interfaces.cli.options import (
    block_option,
    check_outputs,
    explain_reps_option,
    force_option,
    input_error,
    out_option,
    quota_option,
    reps_option,
    run_workers_option,
    scenario_argument,
    seed_option,
)
from sim.interfaces.cli.report import report_option, write_report_or_fail
from sim.interfaces.runner import RunOptions, execute
from sim.model.ensemble import Blocking
from sim.results.summary import headline_table, level_table
from sim.scenario.errors import ScenarioError


@click.command()
@scenario_argument
@reps_option
@seed_option
@quota_option
@out_option
@force_option
@run_workers_option
@block_option
@explain_reps_option
@report_option
def run(scenario, reps, seed, quotas, out, force, workers, block_reps, explain_reps, report):
    """Simulate SCENARIO (a file or a shipped name such as baseline) and write its run directory.

    SCENARIO defaults to scenarios/baseline.toml, or the shipped baseline where
    the working directory has none.

    Counterfactual runs on the same draws (--explain-reps) measure what binds and
    what holds the quota levels back; chipsim explain RUN_DIR adds them later.
    """
    try:
        check_outputs(scenario, {}, out_dirs={"--out": out})  # before any work
        options = RunOptions(
            replications=reps,
            seed=seed,
            levels=list(dict.fromkeys(quotas)) or None,
            out_dir=out,
            force=force,
            workers=workers,
            explain=explain_options(explain_reps, run_reps=reps),
            blocking=Blocking(size=block_reps, progress=Meter("simulating")),
        )
        done = execute(scenario, options)
    except (ScenarioError, OSError, MemoryError) as err:
        raise input_error(err) from None
    click.echo(headline_table(done.result.rows))
    click.echo(
        "\n"
        + level_table(
            done.result.rows,
            done.info.get("replications"),
            effects=done.effects,
            reach=done.scenario.lever_reach(),
        )
    )
    files = ", ".join(f for f in done.info["files"])
    click.echo(f"\nWrote {done.out_dir}/ ({files}) in {done.info['wall_time_s']:.2f} s")
    if report:
        click.echo(f"Wrote {write_report_or_fail(done.out_dir)}")
