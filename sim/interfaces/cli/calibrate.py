"""``chipsim calibrate``: fit uncertain parameters to observed targets, write a scenario."""

from __future__ import annotations

import click

from sim.experiments.calibration.command import CalibrateOptions, execute
from sim.experiments.calibration.fit import ADJUSTMENTS, DEFAULT_PARAMS, CalibrationError, Settings
from sim.experiments.calibration.table import report
from sim.interfaces.cli.options import (
    FiniteFloatRange,
    InputError,
    SafePath,
    ScenarioFile,
    force_option,
    input_error,
    seed_option,
)
from sim.scenario.errors import ScenarioError

DEFAULTS = Settings()


@click.command("calibrate")
@click.argument("scenario", type=ScenarioFile())
@click.option(
    "--targets",
    type=SafePath(dir_okay=False),
    default=None,
    help="Targets file (default: seeds/targets.toml).",
)
@click.option(
    "--params",
    default=None,
    help="Comma-separated parameter paths to fit (default: " + ", ".join(DEFAULT_PARAMS) + ").",
)
@click.option(
    "--n",
    "draws",
    type=click.IntRange(min=100, max=5_000_000),
    default=DEFAULTS.draws,
    show_default=True,
    help="ABC draws (replications).",
)
@click.option(
    "--accept",
    type=FiniteFloatRange(0, 1, min_open=True),
    default=DEFAULTS.accept,
    show_default=True,
    help="Share of draws accepted.",
)
@click.option(
    "--reps",
    type=click.IntRange(min=20, max=1_000_000),
    default=DEFAULTS.replications,
    show_default=True,
    help="Replications of the before/after checks.",
)
@click.option(
    "--adjust",
    type=click.Choice(ADJUSTMENTS),
    default=DEFAULTS.adjust,
    show_default=True,
    help="Regression adjustment of the accepted draws: Beaumont's local-linear "
    "(weighted), or none (plain rejection).",
)
@seed_option
@click.option(
    "--out",
    type=SafePath(dir_okay=False),
    default=None,
    help="Calibrated scenario (default: <scenario>-calibrated.toml beside it).",
)
@click.option(
    "--figure",
    type=SafePath(dir_okay=False),
    default=None,
    help="Also write the hindcast figure (.png, .svg or .pdf).",
)
@force_option
def calibrate_command(
    scenario, targets, params, draws, accept, reps, adjust, seed, out, figure, force
):
    """Fit SCENARIO's uncertain parameters to observed targets by rejection ABC."""
    settings = Settings(draws=draws, accept=accept, replications=reps, seed=seed, adjust=adjust)
    options = CalibrateOptions(
        scenario=scenario,
        targets=targets,
        params=params,
        settings=settings,
        out=out,
        figure=figure,
        force=force,
    )
    try:
        done = execute(options)
    except (ScenarioError, CalibrationError, OSError) as err:
        raise input_error(err) from None
    except MemoryError:  # past the estimate (sim.model.budget): one line, never a traceback
        raise InputError(
            "not enough memory for this calibration: use a smaller --n or --reps"
        ) from None
    click.echo(report(done.calibration))
    for warning in done.calibration.warnings:
        click.echo(warning, err=True)
    click.echo(
        f"\nWrote {done.out}"
        + (f" and {done.figure}" if done.figure else "")
        + f" in {done.seconds:.1f} s"
    )
