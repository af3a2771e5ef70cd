"""``chipsim discover``: which combinations of inputs make a target fail (PRIM boxes)."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from sim.cli.options import (
    FiniteFloatRange,
    InputError,
    QuotaLevel,
    SafePath,
    check_outputs,
    input_error,
)
from sim.experiments import discovery, targets
from sim.results.atomic import write_text
from sim.scenario.errors import ScenarioError, one_line


@click.command()
@click.argument("run_dir", type=SafePath(file_okay=False))
@click.option("--target", "target_text", required=True, metavar="METRIC[:STAT]@PERIOD OP VALUE",
              help='The condition, e.g. "domestic_share_units@2027 >= 0.7".')
@click.option("--quota", type=QuotaLevel(), default="announced", show_default=True)
@click.option("--region", default="national", show_default=True)
@click.option("--find", type=click.Choice(["missed", "met"]), default="missed", show_default=True,
              help="Look for the points where the target is missed, or met.")
@click.option("--min-density", type=FiniteFloatRange(0, 1), default=None,
              help="Choose the widest box whose density reaches this (default: halfway from "
                   "the base rate to 1; if none does, the best F1 of coverage and density).")
@click.option("--boxes", type=click.IntRange(1, 10), default=2, show_default=True,
              help="Boxes at most (PRIM covering).")
def discover(run_dir, target_text, quota, region, find, min_density, boxes):
    """Find the regions of RUN_DIR's inputs where the target is missed; write discover.csv."""
    try:
        check_outputs(None, {"RUN_DIR/discover.csv": str(Path(run_dir) / "discover.csv")})
        target = targets.parse(target_text)
        inputs = discovery.read_inputs(run_dir)
        outputs = discovery.read_outputs(run_dir, target, quota, region, len(inputs.x))
    except (targets.TargetError, discovery.DiscoverError, ScenarioError) as err:
        raise InputError(one_line(str(err))) from None  # ScenarioError: a damaged file
    defined = ~np.isnan(outputs)
    if not inputs.paths:
        raise InputError(f"{run_dir}: the sweep varies no numeric parameter to discover over")
    met = target.met(outputs)
    cases = (~met if find == "missed" else met) & defined
    inputs.x = inputs.x[defined]
    cases = cases[defined]
    verb = find
    click.echo(f"{target.words()} (quota {quota}, {region}) is {verb} in {int(cases.sum())} of "
               f"{len(cases)} points ({cases.mean():.0%}).")
    if (~defined).any():
        click.echo(f"note: {int((~defined).sum())} points where {target.metric} is undefined "
                   "are left out", err=True)
    found = discovery.discover(inputs, cases, boxes, min_density)
    if not found:
        click.echo("No box: the target is " + (f"{verb} everywhere" if cases.all() else
                   "not concentrated in any region of the inputs" if cases.any() else
                   f"never {verb}") + ".")
    for number, item in enumerate(found, 1):
        click.echo(f"Box {number}: " + discovery.sentence(target, verb, inputs, item.box) + ".")
    out = Path(run_dir) / "discover.csv"
    try:
        write_text(out, discovery.csv_text(inputs, found))
    except OSError as err:
        raise input_error(err) from None
    click.echo(f"Wrote {out}")
