"""``chipsim calibrate``: fit uncertain parameters to observed targets, write a scenario."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import click

from sim.calibration.fit import DEFAULT_PARAMS, CalibrationError, Settings, calibrate
from sim.calibration.table import report
from sim.calibration.targets import default_targets
from sim.calibration.writer import calibrated_text, write_calibrated
from sim.cli.options import (
    FiniteFloatRange,
    InputError,
    SafePath,
    check_outputs,
    force_option,
    input_error,
    seed_option,
)
from sim.results.atomic import write_bytes
from sim.scenario.errors import ScenarioError

DEFAULTS = Settings()


@click.command("calibrate")
@click.argument("scenario", type=SafePath(dir_okay=False))
@click.option("--targets", type=SafePath(dir_okay=False), default=None,
              help="Targets file (default: seeds/targets.toml).")
@click.option("--params", default=None,
              help="Comma-separated parameter paths to fit (default: "
                   + ", ".join(DEFAULT_PARAMS) + ").")
@click.option("--n", "draws", type=click.IntRange(min=100, max=5_000_000),
              default=DEFAULTS.draws, show_default=True, help="ABC draws (replications).")
@click.option("--accept", type=FiniteFloatRange(0, 1, min_open=True), default=DEFAULTS.accept,
              show_default=True, help="Share of draws accepted.")
@click.option("--reps", type=click.IntRange(min=20, max=1_000_000),
              default=DEFAULTS.replications, show_default=True,
              help="Replications of the before/after checks.")
@seed_option
@click.option("--out", type=SafePath(dir_okay=False), default=None,
              help="Calibrated scenario (default: <scenario>-calibrated.toml beside it).")
@click.option("--figure", type=SafePath(dir_okay=False), default=None,
              help="Also write the hindcast figure (.png, .svg or .pdf).")
@force_option
def calibrate_command(scenario, targets, params, draws, accept, reps, seed, out, figure, force):
    """Fit SCENARIO's uncertain parameters to observed targets by rejection ABC."""
    targets = targets or shown(default_targets(scenario))
    out = out or str(Path(scenario).with_name(f"{Path(scenario).stem}-calibrated.toml"))
    chosen = [p.strip() for p in params.split(",") if p.strip()] if params else DEFAULT_PARAMS
    check_paths(scenario, out, figure, force)
    started = time.perf_counter()
    settings = Settings(draws=draws, accept=accept, replications=reps, seed=seed)
    try:
        cal = calibrate(scenario, targets, chosen, settings)
        command = command_line(scenario, targets, params, settings, cal.seed, out)
        write_calibrated(out, calibrated_text(cal, out, scenario, command, targets), force)
        if figure:
            write_figure(figure, cal)
    except (ScenarioError, CalibrationError, OSError) as err:
        raise input_error(err) from None
    click.echo(report(cal))
    click.echo(f"\nWrote {out}" + (f" and {figure}" if figure else "")
               + f" in {time.perf_counter() - started:.1f} s")


def shown(path: Path) -> str:
    """Write ``path`` relative to the working directory when it lies below it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def check_paths(scenario: str, out: str, figure: str | None, force: bool) -> None:
    """Refuse, before any work, outputs that would clobber files or the input."""
    try:
        check_outputs(scenario, {"--out": out, "--figure": figure})
    except ScenarioError as err:
        raise input_error(err) from None
    for path in (out, figure):
        if path and Path(path).exists() and not force:
            raise InputError(f"{path}: file exists; pass --force to replace it")
    if figure and Path(figure).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise InputError(f"{figure}: --figure expects a .png, .svg or .pdf file name")


def command_line(scenario: str, targets: str, params: str | None, settings: Settings,
                 seed: int, out: str) -> str:
    """Spell out the command that reproduces this calibration."""
    parts = ["chipsim calibrate", scenario, "--targets", targets]
    if params:
        parts += ["--params", params]
    parts += ["--n", str(settings.draws)]
    if settings.accept != DEFAULTS.accept:
        parts += ["--accept", f"{settings.accept:g}"]
    if settings.replications != DEFAULTS.replications:
        parts += ["--reps", str(settings.replications)]
    return " ".join(parts + ["--seed", str(seed), "--out", out, "--force"])


def write_figure(path: str, cal) -> None:
    """Save the hindcast (calibrated bands, prior bands behind) atomically."""
    from sim.calibration.hindcast import hindcast_data, hindcast_figure  # matplotlib: load late

    before, after = cal.runs
    fig = hindcast_figure(hindcast_data(after, cal.targets, prior=before))
    buffer = io.BytesIO()
    fig.savefig(buffer, format=Path(path).suffix.lower().lstrip("."))
    write_bytes(path, buffer.getvalue())
