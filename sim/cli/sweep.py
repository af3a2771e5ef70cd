"""``chipsim sweep``: many scenario points, every quota level, durable and resumable."""

from __future__ import annotations

from pathlib import Path

import click

from sim.cli import fits
from sim.cli.options import (
    InputError,
    SafePath,
    claim_output,
    force_option,
    input_error,
    out_option,
    param_option,
    parse_set,
    quota_option,
    scheduler_option,
    seed_option,
    set_option,
    workers_option,
)
from sim.cli.report import report_option, write_report_or_fail
from sim.experiments import evaluators
from sim.experiments.design import SPACES
from sim.experiments.progress import Progress
from sim.experiments.samplers import SAMPLES
from sim.experiments.store import ResumeMismatch, RunStore
from sim.experiments.sweep import SweepOptions, plan, run
from sim.results.marker import why_not_replaceable
from sim.scenario.errors import ScenarioError, one_line

INTERRUPTED = 130  # the shell's status for a run ended by Ctrl-C


@click.command()
@click.argument("scenario", type=SafePath(dir_okay=False))
@set_option
@click.option("--sample", type=click.Choice(SAMPLES), default=None,
              help="Design: grid (default with --set), lhs (default otherwise) or sobol.")
@click.option("--n", type=click.IntRange(min=1, max=10_000_000), default=None,
              help="Sampled points for lhs/sobol (default 64), per --set combination.")
@click.option("--reps", type=click.IntRange(min=1, max=10_000_000), default=None,
              help="Replications per point (default 100; 1 when every uncertain parameter "
                   "is set by the design).")
@seed_option
@quota_option
@param_option
@click.option("--space", type=click.Choice(SPACES), default="range",
              help="Sample uniformly over declared ranges (range) or by each distribution.")
@click.option("--metric", "metrics", multiple=True,
              help="Keep only these metrics in results.parquet. Repeatable.")
@click.option("--batch", type=click.IntRange(min=1), default=None,
              help="Points per batch (default: about 4096 replications a batch).")
@workers_option
@scheduler_option
@out_option
@click.option("--resume", is_flag=True, help="Finish an interrupted sweep in --out.")
@force_option
@report_option
@click.pass_context
def sweep(ctx, scenario, sets, sample, n, reps, seed, quotas, params, space, metrics, batch,
          workers, scheduler, out, resume, force, report):
    """Evaluate SCENARIO at many points and write RUN_DIR (default outputs/<name>-sweep/)."""
    if resume and force:
        raise InputError("--resume continues a sweep and --force replaces it: choose one")
    options = SweepOptions(scenario, tuple(parse_set(s) for s in sets), sample, n, reps, seed,
                           tuple(quotas), tuple(params), space, batch, tuple(metrics))
    try:
        fits.check_sweep_design(options)
        chosen = plan(options)
    except (ScenarioError, MemoryError) as err:
        raise input_error(err) from None
    target = Path(out) if out else Path("outputs") / f"{chosen.scenario.name}-sweep"
    claim_output(target, None)  # checked and locked before any work
    check_target(target, chosen, resume, force)
    for note in chosen.notes:
        click.echo(note, err=True)
    try:
        evaluator = evaluators.make(workers, scheduler)
    except ConnectionError as err:
        raise InputError(str(err)) from None
    fits.check_sweep_work(chosen, evaluator)
    click.echo(f"sweep: {chosen.design.size} points x {len(chosen.job.levels)} quota levels x "
               f"{chosen.job.replications} replications in {chosen.batch_count} batches, "
               f"{evaluator.name} with {evaluator.workers} worker(s)", err=True)
    info = execute(ctx, chosen, target, evaluator, resume, force)
    if info["already_complete"]:
        click.echo(f"{target}/ is already complete: nothing to do")
        return
    click.echo(f"Wrote {target}/ (points.csv, results.parquet, manifest.json): "
               f"{chosen.design.size} points, {info['computed']} batches computed in "
               f"{info['wall_time_s']:.1f} s")
    if report:
        click.echo(f"Wrote {write_report_or_fail(target)}")


def execute(ctx, chosen, target: Path, evaluator, resume: bool, force: bool) -> dict:
    """Run the sweep; on Ctrl-C or lost workers say what is saved and how to finish."""
    progress = Progress(chosen.design.size, label="sweep")
    try:
        return run(chosen, target, evaluator, resume, force, progress)
    except KeyboardInterrupt:
        saved = RunStore(target).finished()
        click.echo(f"\ninterrupted: {len(saved)} of {chosen.batch_count} batches saved in "
                   f"{target}/; repeat the command with --resume to finish", err=True)
        ctx.exit(INTERRUPTED)
    except evaluators.WorkerLost as err:
        raise InputError(f"{err}{saved_note(target)}") from None
    except OSError as err:  # e.g. a full disk: stored batches stay, --resume finishes later
        raise InputError(f"{input_error(err).message}{saved_note(target)}") from None
    except ScenarioError as err:  # a damaged file of the directory being resumed
        raise input_error(err) from None
    finally:
        evaluator.close()


def check_target(target: Path, chosen, resume: bool, force: bool) -> None:
    """Refuse an existing directory without --resume/--force, or a mismatched --resume."""
    reason = why_not_replaceable(target) if target.exists() and force else None
    if reason:
        raise InputError(f"{target}: refusing to replace it with --force: {reason}")
    if target.exists() and not (resume or force):
        raise InputError(f"{target}: run directory exists; pass --resume to continue it or "
                         "--force to replace it")
    if target.exists() and resume:
        try:
            RunStore(target).check(chosen.settings())
        except (ResumeMismatch, ScenarioError) as err:  # ScenarioError: a damaged file
            raise InputError(one_line(str(err))) from None


def saved_note(target: Path) -> str:
    """Say that finished points are saved, only when some are."""
    try:
        saved = len(RunStore(target).finished()) if target.is_dir() else 0
    except OSError:
        saved = 0
    return f"; {saved} finished batches are saved: rerun with --resume" if saved else ""
