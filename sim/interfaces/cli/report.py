"""``chipsim report``: a self-contained HTML (and/or PDF) report of an output directory."""

from __future__ import annotations

from pathlib import Path

import click

from sim.interfaces.cli.options import SafePath, check_outputs, input_error
from sim.scenario.errors import ScenarioError

FORMATS = ("html", "pdf", "both")


@click.command()
@click.argument("run_dir", type=SafePath(file_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="html",
    show_default=True,
    help="html: one self-contained page; pdf: A4 pages; both.",
)
@click.option(
    "-o",
    "--output",
    type=SafePath(dir_okay=False),
    default=None,
    help="Output file (default RUN_DIR/report.html or .pdf; with --format both the "
    "suffix is set per format).",
)
def report(run_dir, fmt, output):
    """Write the report of RUN_DIR (a run, sweep or sensitivity directory)."""
    from sim.report.writer import targets, write_report  # matplotlib loads only when needed

    files = list(targets(Path(run_dir), fmt, output).values())
    before = [stamp(f) for f in files]
    try:
        check_report_outputs(run_dir, fmt, output)  # before the report is built
        written = write_report(run_dir, fmt, output, progress=True)
    except (ScenarioError, OSError) as err:
        raise input_error(err) from None
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: say which file of --format both is done
        done = [str(f) for f, old in zip(files, before, strict=True) if stamp(f) != old]
        if not done:
            raise  # "nothing was written" (sim.interfaces.cli.LazyGroup)
        from sim.interfaces.cli import interrupted_status, interrupted_words

        click.echo(f"\n{interrupted_words()}: wrote {', '.join(done)} only", err=True)
        click.get_current_context().exit(interrupted_status())
    for path in written:
        click.echo(f"Wrote {path}")


REPORT_ADDS = ("report.html", "report.pdf")  # what a report may add to an output directory


def stamp(path) -> tuple | None:
    """Identity of the file at ``path`` (a new one after an atomic write), None if absent."""
    import os

    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_ino, info.st_mtime_ns


def check_report_outputs(run_dir, fmt: str, output) -> None:
    """Refuse, before any work, report files over what the report reads or inside an output.

    The files are the ones :func:`sim.report.writer.targets` names (``--format
    both`` writes two); the defaults are checked only when RUN_DIR is a directory
    (otherwise reading it says what is wrong).
    """
    from sim.report.writer import targets
    from sim.results.claim import run_inputs

    if output is None and not Path(run_dir).is_dir():
        return
    label = "--output" if output is not None else "RUN_DIR/report"
    plan = targets(Path(run_dir), fmt, output)
    check_outputs(
        None,
        {
            label if len(plan) == 1 else f"{label} ({kind})": str(path)
            for kind, path in plan.items()
        },
        inputs=run_inputs([run_dir]),
        input_dirs=[run_dir],
        adds=REPORT_ADDS,
    )


report_option = click.option(
    "--report", is_flag=True, help="Also write report.html into the output directory."
)


def write_report_or_fail(run_dir, progress: bool = True) -> str:
    """Write RUN_DIR/report.html for a command's --report flag; exit 2 on bad input.

    ``progress``: show the figures being drawn on stderr (the report takes seconds).
    """
    from sim.report.writer import write_report

    try:
        return ", ".join(str(p) for p in write_report(run_dir, "html", progress=progress))
    except (ScenarioError, OSError) as err:
        raise input_error(err) from None
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the directory is whole, only its report is not
        from sim.interfaces.cli import interrupted_status, interrupted_words

        click.echo(
            f"\n{interrupted_words()}: {run_dir}/ is complete; its report.html was not "
            "written (chipsim report writes it)",
            err=True,
        )
        click.get_current_context().exit(interrupted_status())
