"""``chipsim sensitivity``: which uncertain parameters move one output (SALib Sobol or Morris)."""

from __future__ import annotations

import click

from sim.experiments import diagnostics, methods, sensitivity
from sim.experiments.execution import Execution, ExperimentError, Interrupted
from sim.experiments.study import DEFAULT_REPS, FILES, StudyOptions, execute
from sim.interfaces.cli import interrupted_status
from sim.interfaces.cli.options import (
    InputError,
    QuotaLevel,
    SafePath,
    ScenarioFile,
    check_outputs,
    force_option,
    input_error,
    param_option,
    parse_set,
    point_reps_option,
    scheduler_option,
    seed_option,
    set_option,
    workers_option,
)
from sim.scenario.errors import ScenarioError, echo

SHOWN = 30  # parameters printed; sensitivity.csv has them all
INTERRUPTED = 130


def parse_group(text: str) -> tuple[str, tuple[str, ...]]:
    """Split ``NAME=GLOB[,GLOB...]`` (InputError when malformed)."""
    name, sep, globs = text.partition("=")
    items = tuple(g.strip() for g in globs.split(","))
    if not sep or not name.strip() or not all(items):
        raise InputError(
            f"--group {echo(text)}: expected NAME=GLOB[,GLOB...], e.g. yield='*.yield_curve.*'"
        )
    return name.strip(), items


def say(message: str) -> None:
    """Send a note to stderr (results go to stdout)."""
    click.echo(message, err=True)


@click.command()
@click.argument("scenario", type=ScenarioFile())
@click.option(
    "--method",
    type=click.Choice(list(methods.METHODS)),
    default=methods.SOBOL.name,
    show_default=True,
    help="Sobol indices (S1, ST with bootstrap CIs) or Morris screening.",
)
@click.option(
    "--n",
    type=click.IntRange(min=2, max=1_000_000),
    default=None,
    help=f"Sobol base sample (default {methods.SOBOL.default_n}; best a power of 2) "
    f"or Morris trajectories (default {methods.MORRIS.default_n}).",
)
@point_reps_option(DEFAULT_REPS, "the analysis covers")
@seed_option
@click.option("--metric", default="domestic_share_units", show_default=True)
@click.option("--region", default="national", show_default=True)
@click.option(
    "--period",
    default="2027",
    show_default=True,
    help="A year of the calendar (2027), or a quarter (2027Q1) or month (2027-01).",
)
@click.option("--quota", type=QuotaLevel(), default="announced", show_default=True)
@click.option(
    "--stat",
    default="mean",
    show_default=True,
    help="Statistic over replications: mean, p05, p25, p50, p75 or p95.",
)
@param_option
@click.option(
    "--group",
    "groups",
    multiple=True,
    metavar="NAME=GLOB[,GLOB]",
    help="Analyse the matching parameters as one factor. Repeatable.",
)
@set_option
@workers_option
@scheduler_option
@click.option(
    "--out",
    type=SafePath(file_okay=False),
    default=None,
    help="Output directory (default: outputs/<scenario name>-"
    + "/, -".join(methods.METHODS)
    + "/ by --method).",
)
@force_option
@click.pass_context
def sensitivity_command(
    ctx,
    scenario,
    method,
    n,
    reps,
    seed,
    metric,
    region,
    period,
    quota,
    stat,
    params,
    groups,
    sets,
    workers,
    scheduler,
    out,
    force,
):
    """Rank SCENARIO's uncertain parameters by their effect on one output."""
    options = StudyOptions(
        scenario_file=scenario,
        method=method,
        n=n,
        reps=reps,
        seed=seed,
        metric=metric,
        region=region,
        period=period,
        quota=quota,
        stat=stat,
        params=tuple(params),
        groups=tuple(parse_group(g) for g in groups),
        sets=tuple(parse_set(s) for s in sets),
    )
    execution = Execution(out=out, force=force, workers=workers, scheduler=scheduler)
    try:
        check_outputs(scenario, {}, out_dirs={"--out": out})  # before any work
        done = execute(options, execution, say)
    except Interrupted as err:
        say(f"\n{err}")
        ctx.exit(interrupted_status())  # 130, or 143 after SIGTERM
    except (ScenarioError, ExperimentError, OSError, MemoryError) as err:
        raise input_error(err) from None
    click.echo(headline(done))
    flags = done.analysis.warnings
    click.echo(
        sensitivity.table(done.analysis.rows, method, SHOWN, diagnostics.codes_by_parameter(flags))
    )
    if len(done.analysis.rows) > SHOWN:
        click.echo(f"  ... {len(done.analysis.rows) - SHOWN} more in sensitivity.csv")
    if flags:
        click.echo("\n" + diagnostics.printed(flags))
    click.echo(
        f"\nWrote {done.out_dir}/ ({', '.join(FILES)}) in "
        f"{done.analysis.facts['wall_time_s']:.1f} s"
    )


def headline(done) -> str:
    """Say what was analysed, in one line."""
    study, facts = done.study, done.analysis.facts
    o = study.options
    what = f"{o.stat} of {o.region} {o.metric} {o.period} at quota {o.quota}"
    return (
        f"{study.method.label} sensitivity of the {what} ({study.method.size(study.n)}, "
        f"{facts['points']} points x {study.job.replications} replications; output mean "
        f"{facts['output_mean']:.4g}, sd {facts['output_std']:.3g})"
    )
