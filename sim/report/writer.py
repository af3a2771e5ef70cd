"""Write a directory's report files atomically: report.html and/or report.pdf."""

from __future__ import annotations

from pathlib import Path

from sim.report.build import build_report
from sim.report.data import load
from sim.report.document import Document
from sim.report.html import render_html
from sim.report.pdf import render_pdf
from sim.results.atomic import write_bytes, write_text

# Figure renderings per figure and format: HTML draws each figure wide and compact.
RENDERINGS = {"html": 2, "pdf": 1}


def targets(run_dir: Path, fmt: str, output: str | Path | None) -> dict[str, Path]:
    """Output path per format: RUN_DIR/report.<ext>, or ``output`` (suffix set per format)."""
    chosen = ("html", "pdf") if fmt == "both" else (fmt,)
    if output is None:
        return {f: run_dir / f"report.{f}" for f in chosen}
    output = Path(output)
    if len(chosen) == 1:
        return {chosen[0]: output}
    return {f: output.with_suffix(f".{f}") for f in chosen}


def meter(doc: Document, kinds: list[str], shown: bool):
    """Return a progress meter over the figure renderings the formats need (stderr)."""
    from sim.experiments.progress import Display, Progress

    total = len(doc.figures()) * sum(RENDERINGS[k] for k in kinds)
    display = Display(label=f"report ({' + '.join(kinds)})", unit="figures", interval=2.0)
    bar = Progress(total, display, enabled=shown)
    if shown and bar.bar is None:  # plain lines: say at once what is being done
        print(f"{bar.label}: drawing {total} figures", file=bar.stream, flush=True)
    return bar


def write_report(
    run_dir: str | Path, fmt: str = "html", output: str | Path | None = None, progress: bool = False
) -> list[Path]:
    """Build the report of ``run_dir`` and write it; returns the paths written.

    A directory that is not a complete chipsim output raises RunDirError
    (a ScenarioError) before anything is written. ``progress`` shows a bar
    (on a terminal) or periodic lines on stderr while the figures are drawn.
    """
    run_dir = Path(run_dir)
    doc = build_report(load(run_dir))
    plan = targets(run_dir, fmt, output)
    bar = meter(doc, list(plan), progress)
    written = []
    try:
        for kind, path in plan.items():
            if kind == "html":
                write_text(path, render_html(doc, tick=bar.update))
            else:
                write_bytes(path, render_pdf(doc, tick=bar.update))
            written.append(path)
    finally:
        bar.close()
    return written
