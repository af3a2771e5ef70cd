"""``chipsim report``: a self-contained HTML (and/or PDF) report of an output directory."""

from __future__ import annotations

import click

from sim.cli.options import SafePath, check_outputs, input_error
from sim.scenario.errors import ScenarioError

FORMATS = ("html", "pdf", "both")


@click.command()
@click.argument("run_dir", type=SafePath(file_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="html", show_default=True,
              help="html: one self-contained page; pdf: A4 pages; both.")
@click.option("-o", "--output", type=SafePath(dir_okay=False), default=None,
              help="Output file (default RUN_DIR/report.html or .pdf; with --format both the "
                   "suffix is set per format).")
def report(run_dir, fmt, output):
    """Write the report of RUN_DIR (a run, sweep or sensitivity directory)."""
    from sim.report.writer import write_report  # matplotlib loads only when a report is made

    try:
        check_outputs(None, {"--output": output})  # before the report is built
        written = write_report(run_dir, fmt, output, progress=True)
    except (ScenarioError, OSError) as err:
        raise input_error(err) from None
    for path in written:
        click.echo(f"Wrote {path}")


report_option = click.option(
    "--report", is_flag=True, help="Also write report.html into the output directory.")


def write_report_or_fail(run_dir, progress: bool = True) -> str:
    """Write RUN_DIR/report.html for a command's --report flag; exit 2 on bad input.

    ``progress``: show the figures being drawn on stderr (the report takes seconds).
    """
    from sim.report.writer import write_report

    try:
        return ", ".join(str(p) for p in write_report(run_dir, "html", progress=progress))
    except (ScenarioError, OSError) as err:
        raise input_error(err) from None
