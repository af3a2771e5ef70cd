"""``chipsim diff``: paired comparison of two runs and the drivers of their difference."""

from __future__ import annotations

import click

from sim.interfaces.cli.options import QuotaLevel, SafePath, check_outputs, input_error
from sim.scenario.errors import ScenarioError

DIFF_ADDS = ("diff-vs-*.html",)  # what a diff may add to an output directory


@click.command()
@click.argument("run_a", type=SafePath(file_okay=False))
@click.argument("run_b", type=SafePath(file_okay=False))
@click.option(
    "--level",
    type=QuotaLevel(),
    default=None,
    help="Quota level to compare (default: announced, else the first common one).",
)
@click.option("--year", type=int, default=None, help="Year to compare (default: the last).")
@click.option(
    "--depth",
    type=click.IntRange(min=1),
    default=None,
    help="Group changed parameters by their first N path parts (default: the "
    "shallowest grouping that splits them).",
)
@click.option(
    "--drivers",
    type=click.Choice(["auto", "shapley", "one-at-a-time", "none"]),
    default="auto",
    show_default=True,
    help="Driver breakdown: Shapley over groups (auto: up to 6 groups), one group "
    "at a time, or none.",
)
@click.option(
    "--driver-reps",
    type=click.IntRange(min=2),
    default=None,
    help="Replications per driver rerun (default: min(paired, 2000)).",
)
@click.option("--report", is_flag=True, help="Also write the comparison as HTML.")
@click.option(
    "-o",
    "--output",
    type=SafePath(dir_okay=False),
    default=None,
    help="HTML file for --report (default RUN_B/diff-vs-<RUN_A name>.html).",
)
def diff(run_a, run_b, level, year, depth, drivers, driver_reps, report, output):
    """Compare RUN_B against RUN_A (same seed): paired differences and their drivers."""
    from pathlib import Path

    from sim.experiments.progress import Meter
    from sim.report.diff import compare, summary_text
    from sim.results.claim import run_inputs

    target = Path(output) if output else Path(run_b) / f"diff-vs-{Path(run_a).name}.html"
    try:
        if report and (output is not None or Path(run_b).is_dir()):  # before any work
            check_outputs(
                None,
                {"--output" if output else "RUN_B/diff-vs-RUN_A.html": str(target)},
                inputs=run_inputs([run_a, run_b]),
                input_dirs=[run_a, run_b],
                adds=DIFF_ADDS,
            )
        result = compare(
            run_a, run_b, level, year, depth, drivers, driver_reps, Meter("diff (driver reruns)")
        )
        click.echo(summary_text(result))
        if report:
            from sim.report.diff_doc import write_diff_report

            click.echo(f"Wrote {write_diff_report(result, target, progress=True)}")
    except (ScenarioError, OSError) as err:
        raise input_error(err) from None
