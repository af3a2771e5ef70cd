"""Write a directory's report files atomically: report.html and/or report.pdf."""

from __future__ import annotations

from pathlib import Path

from sim.report.build import build_report
from sim.report.data import load
from sim.report.html import render_html
from sim.report.pdf import render_pdf
from sim.results.atomic import write_bytes, write_text


def targets(run_dir: Path, fmt: str, output: str | Path | None) -> dict[str, Path]:
    """Output path per format: RUN_DIR/report.<ext>, or ``output`` (suffix set per format)."""
    chosen = ("html", "pdf") if fmt == "both" else (fmt,)
    if output is None:
        return {f: run_dir / f"report.{f}" for f in chosen}
    output = Path(output)
    if len(chosen) == 1:
        return {chosen[0]: output}
    return {f: output.with_suffix(f".{f}") for f in chosen}


def write_report(run_dir: str | Path, fmt: str = "html",
                 output: str | Path | None = None) -> list[Path]:
    """Build the report of ``run_dir`` and write it; returns the paths written.

    A directory that is not a complete chipsim output raises RunDirError
    (a ScenarioError) before anything is written.
    """
    run_dir = Path(run_dir)
    doc = build_report(load(run_dir))
    written = []
    for kind, path in targets(run_dir, fmt, output).items():
        if kind == "html":
            write_text(path, render_html(doc))
        else:
            write_bytes(path, render_pdf(doc))
        written.append(path)
    return written
