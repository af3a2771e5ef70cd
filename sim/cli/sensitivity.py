"""``chipsim sensitivity``: which uncertain parameters move one output (SALib Sobol or Morris)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from sim.cli import fits
from sim.cli.options import (
    InputError,
    QuotaLevel,
    SafePath,
    claim_output,
    force_option,
    input_error,
    out_option,
    param_option,
    parse_set,
    scheduler_option,
    seed_option,
    set_option,
    workers_option,
)
from sim.experiments import evaluators, sensitivity
from sim.experiments.progress import Progress
from sim.experiments.study import StudyOptions, manifest, plan, run
from sim.results.atomic import staging, write_text
from sim.scenario.errors import ScenarioError

SHOWN = 30  # parameters printed; sensitivity.csv has them all


def parse_group(text: str) -> tuple[str, tuple[str, ...]]:
    """Split ``NAME=GLOB[,GLOB...]`` (InputError when malformed)."""
    name, sep, globs = text.partition("=")
    items = tuple(g.strip() for g in globs.split(","))
    if not sep or not name.strip() or not all(items):
        raise InputError(f"--group {text}: expected NAME=GLOB[,GLOB...], e.g. "
                         "yield='*.yield_curve.*'")
    return name.strip(), items


@click.command()
@click.argument("scenario", type=SafePath(dir_okay=False))
@click.option("--method", type=click.Choice(sensitivity.METHODS), default="sobol",
              help="Sobol indices (S1, ST with bootstrap CIs) or Morris screening.")
@click.option("--n", type=click.IntRange(min=2, max=1_000_000), default=None,
              help="Sobol base sample (default 256; a power of 2) or Morris trajectories (20).")
@click.option("--reps", type=click.IntRange(min=1, max=10_000_000), default=None,
              help="Replications per point (default 100; 1 when every uncertain parameter "
                   "is analysed).")
@seed_option
@click.option("--metric", default="domestic_share_units", show_default=True)
@click.option("--region", default="national", show_default=True)
@click.option("--period", default="2027", show_default=True, help="A year (or model period).")
@click.option("--quota", type=QuotaLevel(), default="announced", show_default=True)
@click.option("--stat", default="mean", show_default=True,
              help="Statistic over replications: mean, p05, p25, p50, p75 or p95.")
@param_option
@click.option("--group", "groups", multiple=True, metavar="NAME=GLOB[,GLOB]",
              help="Analyse the matching parameters as one factor. Repeatable.")
@set_option
@workers_option
@scheduler_option
@out_option
@force_option
def sensitivity_command(scenario, method, n, reps, seed, metric, region, period, quota, stat,
                        params, groups, sets, workers, scheduler, out, force):
    """Rank SCENARIO's uncertain parameters by their effect on one output."""
    options = StudyOptions(scenario, method, n, reps, seed, metric, region, period, quota, stat,
                           tuple(params), tuple(parse_group(g) for g in groups),
                           tuple(parse_set(s) for s in sets))
    try:
        fits.check_study_design(options)
        study = plan(options)
    except (ScenarioError, MemoryError) as err:
        raise input_error(err) from None
    target = Path(out) if out else Path("outputs") / f"{study.scenario.name}-sensitivity"
    claim = claim_output(target, force)  # checked and locked before any work
    for note in study.notes:
        click.echo(note, err=True)
    try:
        evaluator = evaluators.make(workers, scheduler)
    except ConnectionError as err:
        raise InputError(str(err)) from None
    described = {"kind": evaluator.name, "workers": evaluator.workers}
    click.echo(f"{method}: {study.factors.count} factors, {len(study.unit)} points x "
               f"{study.job.replications} replications, {evaluator.name} with "
               f"{described['workers']} worker(s)", err=True)
    try:
        rows, facts = run(study, evaluator, Progress(len(study.unit), label=method))
    except ScenarioError as err:
        raise input_error(err) from None
    finally:
        evaluator.close()
    with staging(claim.target, force, "sensitivity") as stage:
        write_text(stage / "sensitivity.csv", sensitivity.csv_text(rows, method))
        write_text(stage / "manifest.json",
                   json.dumps(manifest(study, facts, described), indent=2, sort_keys=True) + "\n")
    click.echo(headline(study, facts))
    click.echo(sensitivity.table(rows, method, SHOWN))
    if len(rows) > SHOWN:
        click.echo(f"  ... {len(rows) - SHOWN} more in sensitivity.csv")
    click.echo(f"\nWrote {target}/ (sensitivity.csv, manifest.json) in "
               f"{facts['wall_time_s']:.1f} s")


def headline(study, facts: dict) -> str:
    """Say what was analysed, in one line."""
    o = study.options
    what = f"{o.stat} of {o.region} {o.metric} {o.period} at quota {o.quota}"
    size = f"N={study.n}" if o.method == "sobol" else f"{study.n} trajectories"
    return (f"{o.method.capitalize()} sensitivity of the {what} ({size}, {facts['points']} points"
            f" x {study.job.replications} replications; output mean {facts['output_mean']:.4g}, "
            f"sd {facts['output_std']:.3g})")
