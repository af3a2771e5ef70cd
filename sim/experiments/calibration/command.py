"""A whole calibration as the command line asks for it: check, fit, write the scenario and figure.

``execute`` refuses outputs that would clobber a file or the input before any
work, runs ``fit.calibrate``, writes the calibrated scenario (loaded back
first) and, if asked, the hindcast figure; every file is written atomically.
"""

from __future__ import annotations

import io
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sim.experiments.calibration.fit import (
    DEFAULT_PARAMS,
    FEW_ACCEPTED,
    Calibration,
    CalibrationError,
    Settings,
    calibrate,
)
from sim.experiments.calibration.targets import default_targets
from sim.experiments.calibration.writer import calibrated_text, write_calibrated
from sim.results.atomic import write_bytes
from sim.results.claim import check_outputs
from sim.scenario.evidence import registry_path

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


@dataclass(frozen=True)
class CalibrateOptions:
    """A calibration as asked for on the command line (None: the default)."""

    scenario: str
    targets: str | None = None  # None: seeds/targets.toml beside the scenario's folder
    params: str | None = None  # comma-separated paths; None: DEFAULT_PARAMS
    settings: Settings = Settings()
    out: str | None = None  # None: <scenario>-calibrated.toml beside it
    figure: str | None = None
    force: bool = False
    progress: bool = True  # a progress bar (on a terminal) or periodic lines over the draws


@dataclass
class Outcome:
    """What a finished calibration tells the user."""

    calibration: Calibration
    out: str
    figure: str | None
    seconds: float


def execute(options: CalibrateOptions) -> Outcome:
    """Check the outputs, calibrate, write the scenario (and figure); CalibrationError on misuse."""
    started = time.perf_counter()
    scenario = options.scenario
    targets = options.targets or shown(default_targets(scenario))
    out = options.out or str(Path(scenario).with_name(f"{Path(scenario).stem}-calibrated.toml"))
    chosen = (
        [p.strip() for p in options.params.split(",") if p.strip()]
        if options.params
        else DEFAULT_PARAMS
    )
    check_paths(scenario, out, options.figure, options.force, targets)
    check_calibration_fits(scenario, targets, chosen, options.settings)
    from sim.experiments.progress import Display, Progress

    def progress(total: int, unit: str) -> Progress:  # made as a step starts: no bar at 0
        return Progress(
            total, Display(label="calibration", unit=unit, interval=5.0), enabled=options.progress
        )

    def stage(text: str) -> None:
        if options.progress:
            print(f"calibration: {text}", file=sys.stderr, flush=True)

    cal = calibrate(scenario, targets, chosen, options.settings, progress, stage)
    command = command_line(scenario, targets, options.params, options.settings, cal.seed, out)
    write_calibrated(out, calibrated_text(cal, out, scenario, command, targets), options.force)
    if options.figure:
        write_figure(options.figure, cal)
    return Outcome(cal, out, options.figure, time.perf_counter() - started)


def shown(path: Path) -> str:
    """Write ``path`` relative to the working directory when it lies below it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def check_paths(
    scenario: str, out: str, figure: str | None, force: bool, targets: str | None = None
) -> None:
    """Refuse, before any work, outputs that would clobber files or the input."""
    # Never the scenario, a file of its extends chain, or the other output (issue 13),
    # nor a file inside a chipsim output directory (issue 21).
    outputs = {"--out": out, "--figure": figure}
    check_outputs(scenario, outputs)
    for path in (out, figure):
        if path and Path(path).exists() and not force:
            raise CalibrationError(f"{path}: file exists; pass --force to replace it")
    # Nor, even with --force, the targets or the evidence registry it reads (issue 21).
    check_outputs(None, outputs, inputs=[targets, registry_path(scenario)])
    if figure and Path(figure).suffix.lower() not in FIGURE_SUFFIXES:
        raise CalibrationError(f"{figure}: --figure expects a .png, .svg or .pdf file name")


def check_calibration_fits(
    scenario: str, targets: str, params: list[str] | tuple[str, ...], settings: Settings
) -> None:
    """Refuse, before any work, a calibration too large for the memory available.

    Its peak is the larger of a before/after check (``--reps`` replications at
    one level, the other check's outputs kept) and the ABC draws: one chunk
    simulated at a time beside the draws' design and every draw's target
    values (sim.model.budget.calibration_bytes).
    """
    from sim.experiments.calibration.targets import load_targets
    from sim.model.budget import check_calibration_fits as check
    from sim.scenario import load
    from sim.scenario.evidence import load_registry

    loaded = load(scenario)
    count = len(load_targets(targets, loaded, load_registry(registry_path(scenario))))
    check(
        loaded,
        settings.draws,
        settings.replications,
        min(settings.chunk, settings.draws),
        len(params) + count,
    )


def command_line(
    scenario: str, targets: str, params: str | None, settings: Settings, seed: int, out: str
) -> str:
    """Spell out the command that reproduces this calibration."""
    defaults = Settings()
    parts = ["chipsim calibrate", scenario, "--targets", targets]
    if params:
        parts += ["--params", params]
    parts += ["--n", str(settings.draws)]
    if settings.accept != defaults.accept:
        parts += ["--accept", f"{settings.accept:g}"]
    if settings.replications != defaults.replications:
        parts += ["--reps", str(settings.replications)]
    if settings.adjust != defaults.adjust:
        parts += ["--adjust", settings.adjust]
    return " ".join(parts + ["--seed", str(seed), "--out", out, "--force"])


def write_figure(path: str, cal: Calibration) -> None:
    """Save the hindcast (calibrated bands, prior bands behind) and prior vs posterior."""
    from sim.experiments.calibration.hindcast import (  # matplotlib: load late
        hindcast_data,
        hindcast_figure,
    )

    before, after = cal.runs
    title = "Hindcast: model against targets" + (
        f" (CAUTION: only {cal.accepted} draws accepted; ranges are rough)"
        if cal.accepted < FEW_ACCEPTED
        else ""
    )
    fig = hindcast_figure(
        hindcast_data(after, cal.targets, prior=before), title=title, marginals=cal.fitted
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format=Path(path).suffix.lower().lstrip("."))
    write_bytes(path, buffer.getvalue())
