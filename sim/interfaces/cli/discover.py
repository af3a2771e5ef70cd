"""``chipsim discover``: which combinations of inputs make a target fail (PRIM boxes)."""

from __future__ import annotations

from pathlib import Path

import click

from sim.experiments.discovery import DiscoverOptions, execute
from sim.experiments.execution import ExperimentError
from sim.experiments.findings import lines
from sim.interfaces.cli.options import (
    FiniteFloatRange,
    QuotaLevel,
    SafePath,
    check_outputs,
    input_error,
)
from sim.scenario.errors import ScenarioError


@click.command()
@click.argument("run_dir", type=SafePath(file_okay=False))
@click.option(
    "--target",
    "target_text",
    required=True,
    metavar="METRIC[:STAT]@PERIOD OP VALUE",
    help='The condition, e.g. "domestic_share_units@2027 >= 0.7".',
)
@click.option("--quota", type=QuotaLevel(), default="announced", show_default=True)
@click.option("--region", default="national", show_default=True)
@click.option(
    "--find",
    type=click.Choice(["missed", "met"]),
    default="missed",
    show_default=True,
    help="Look for the points where the target is missed, or met.",
)
@click.option(
    "--min-density",
    type=FiniteFloatRange(0, 1),
    default=None,
    help="Choose the step whose box (limits with quasi-p > 0.05 dropped) has the most "
    "coverage at this density or more (default: halfway from the base rate to "
    "1; if none reaches it, the best F1 of coverage and density).",
)
@click.option(
    "--box",
    "step",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Use step N of the printed trajectory for the first box instead.",
)
@click.option(
    "--boxes",
    type=click.IntRange(1, 10),
    default=2,
    show_default=True,
    help="Boxes at most (PRIM covering).",
)
def discover(run_dir, target_text, quota, region, find, min_density, step, boxes):
    """Find the regions of RUN_DIR's inputs where the target is missed; write discover.csv."""
    options = DiscoverOptions(
        run_dir=run_dir,
        target=target_text,
        quota=quota,
        region=region,
        find=find,
        min_density=min_density,
        boxes=boxes,
        box=step,
        progress=True,
    )
    try:
        check_outputs(
            None,
            {"RUN_DIR/discover.csv": str(Path(run_dir) / "discover.csv")},
            input_dirs=[run_dir],
            adds=("discover.csv",),
        )
        done = execute(options)
    except (ExperimentError, OSError, ScenarioError) as err:  # ScenarioError: a damaged file
        raise input_error(err) from None
    if done.undefined:
        click.echo(
            f"note: {done.undefined} points where {done.target.metric} is undefined are left out",
            err=True,
        )
    click.echo("\n".join(lines(done)))
    click.echo(f"Wrote {done.out}")
