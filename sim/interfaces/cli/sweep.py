"""``chipsim sweep``: many scenario points, every quota level, durable and resumable."""

from __future__ import annotations

import click

from sim.experiments import methods
from sim.experiments.design import SPACES
from sim.experiments.execution import Execution, ExperimentError, Interrupted
from sim.experiments.footprint import DEFAULT_KEEP, KEEPS
from sim.experiments.sweep import DEFAULT_POINTS, DEFAULT_REPS, SweepOptions, execute
from sim.interfaces.cli import interrupted_status
from sim.interfaces.cli.options import (
    SafePath,
    ScenarioFile,
    check_outputs,
    force_option,
    input_error,
    param_option,
    parse_set,
    point_reps_option,
    quota_option,
    scheduler_option,
    seed_option,
    set_option,
    workers_option,
)
from sim.interfaces.cli.report import report_option, write_report_or_fail
from sim.scenario.errors import ScenarioError

INTERRUPTED = 130  # the shell's status for a run ended by Ctrl-C


def say(message: str) -> None:
    """Send a note to stderr (results go to stdout)."""
    click.echo(message, err=True)


@click.command()
@click.argument("scenario", type=ScenarioFile())
@set_option
@click.option(
    "--sample",
    type=click.Choice(list(methods.SAMPLERS)),
    default=None,
    help="Design: "
    + "; ".join(f"{s.name}: {s.summary}" for s in methods.SAMPLERS.values())
    + f" (default {methods.GRID.name} with --set, else {methods.LHS.name}).",
)
@click.option(
    "--n",
    type=click.IntRange(min=1, max=10_000_000),
    default=None,
    help=f"Sampled points (default {DEFAULT_POINTS}), per --set combination.",
)
@point_reps_option(DEFAULT_REPS, "the design sets")
@seed_option
@quota_option
@param_option
@click.option(
    "--space",
    type=click.Choice(SPACES),
    default="range",
    help="Sample uniformly over declared ranges (range) or by each distribution.",
)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    help="Keep only these metrics in results.parquet (default: every metric). Repeatable.",
)
@click.option(
    "--keep",
    type=click.Choice(list(KEEPS)),
    default=DEFAULT_KEEP,
    help="Rows kept in results.parquet: "
    + "; ".join(f"{k}: {v}" for k, v in KEEPS.items())
    + f" (default {DEFAULT_KEEP}).",
)
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    default=None,
    help="Points per batch (default: about 20,480 replications x quota levels a batch).",
)
@workers_option
@scheduler_option
@click.option(
    "--out",
    type=SafePath(file_okay=False),
    default=None,
    help="Sweep directory (default: outputs/<scenario name>-sweep/).",
)
@click.option("--resume", is_flag=True, help="Finish an interrupted sweep in --out.")
@force_option
@report_option
@click.pass_context
def sweep(
    ctx,
    scenario,
    sets,
    sample,
    n,
    reps,
    seed,
    quotas,
    params,
    space,
    metrics,
    keep,
    batch,
    workers,
    scheduler,
    out,
    resume,
    force,
    report,
):
    """Evaluate SCENARIO at many points and write RUN_DIR (default outputs/<name>-sweep/)."""
    options = SweepOptions(
        scenario_file=scenario,
        sets=tuple(parse_set(s) for s in sets),
        sample=sample,
        n=n,
        reps=reps,
        seed=seed,
        quotas=tuple(quotas),
        params=tuple(params),
        space=space,
        batch=batch,
        metrics=tuple(metrics),
        keep=keep,
    )
    execution = Execution(out=out, resume=resume, force=force, workers=workers, scheduler=scheduler)
    try:
        check_outputs(scenario, {}, out_dirs={"--out": out})  # before any work
        done = execute(options, execution, say)
    except Interrupted as err:
        say(f"\n{err}")
        ctx.exit(interrupted_status())  # 130, or 143 after SIGTERM
    except (ScenarioError, ExperimentError, OSError, MemoryError) as err:
        raise input_error(err) from None
    if done.info["already_complete"]:
        click.echo(f"{done.out_dir}/ is already complete: nothing to do")
        return
    click.echo(
        f"Wrote {done.out_dir}/ (points.csv, results.parquet, dictionary.csv, "
        "manifest.json): "
        f"{done.plan.design.size} points, {done.info['computed']} batches computed in "
        f"{done.info['wall_time_s']:.1f} s"
    )
    if report:
        click.echo(f"Wrote {write_report_or_fail(done.out_dir)}")
