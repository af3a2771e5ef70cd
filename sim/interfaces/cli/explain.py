"""``chipsim explain``: add (or refresh) a run's counterfactual effects; shared progress."""

from __future__ import annotations

import click

from sim.experiments.explain.measure import DEFAULT_REPS, ExplainOptions
from sim.experiments.progress import Meter
from sim.interfaces.cli.options import SafePath, amount_option, check_outputs, input_error
from sim.scenario.errors import ScenarioError


def explain_options(
    reps: int | None, amount: float | None = None, run_reps: int | None = None
) -> ExplainOptions:
    """Return the explanation a command asked for, with a progress bar on stderr.

    Unless given, its replications are :data:`DEFAULT_REPS`, or the run's own
    replications when fewer (``run_reps``).
    """
    if reps is None:
        reps = min(DEFAULT_REPS, run_reps) if run_reps else DEFAULT_REPS
    return ExplainOptions(
        replications=reps,
        amount=amount,
        progress=Meter("explaining (counterfactual runs)", "months"),
    )


@click.command()
@click.argument("run_dir", type=SafePath(file_okay=False))
@click.option(
    "--reps",
    type=click.IntRange(min=1, max=10_000_000),
    default=None,
    help=f"Replications of each counterfactual (default {DEFAULT_REPS:,}).",
)
@amount_option
def explain(run_dir, reps, amount):
    """Measure what binds and what holds the quota levels back in RUN_DIR; write effects.csv."""
    from pathlib import Path

    from sim.experiments.explain.runs import explain_run
    from sim.results.run_dir import read_manifest
    from sim.results.summary import level_table

    try:
        if Path(run_dir).is_dir():  # else reading it says what is wrong
            check_outputs(
                None,
                {"RUN_DIR/effects.csv": str(Path(run_dir) / "effects.csv")},
                input_dirs=[run_dir],
                adds=("effects.csv",),
            )
        effects = explain_run(run_dir, explain_options(reps, amount))
        rows, manifest = summary_rows(run_dir), read_manifest(run_dir)
    except (ScenarioError, OSError, MemoryError) as err:
        raise input_error(err) from None
    click.echo(
        level_table(rows, manifest.get("replications"), effects=effects, reach=reach_of(manifest))
    )
    click.echo(f"\nWrote {run_dir}/effects.csv")


def summary_rows(run_dir) -> list:
    """Read a run directory's summary.csv as summary rows (checked read)."""
    import numpy as np

    from sim.core.metrics import SummaryRow
    from sim.model.stats import STAT_NAMES
    from sim.results.readers import read_summary

    return [
        SummaryRow(
            r["quota"],
            r["metric"],
            r["region"],
            r["period"],
            np.array([r[s] for s in STAT_NAMES], dtype=float),
        )
        for r in read_summary(f"{run_dir}/summary.csv")
    ]


def reach_of(manifest: dict) -> tuple[str, ...] | None:
    """Return the segments a run's uniform level binds, from its manifest (None: unknown)."""
    run = (manifest.get("scenario") or {}).get("run") or {}
    reach = run.get("lever_segments")
    return tuple(reach) if isinstance(reach, list) else None
