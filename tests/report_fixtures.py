"""Shared fixtures for the report and diff tests: one small run, its HTML and PDF.

Three quota levels and REPORT_REPS replications keep rendering quick while
every figure still has several panels to check; the run measures its
counterfactual effects (effects.csv) on EXPLAIN_REPS replications, so the
report draws what limits deliveries. Test modules import these
fixtures; the module-level cache makes every module share one run and one
rendering per session.
"""

from __future__ import annotations

import pytest
from chipsim_testing import BASELINE, SEED

from sim.experiments.explain.measure import ExplainOptions
from sim.interfaces.runner import RunOptions, execute
from sim.report.writer import write_report

REPORT_REPS = 150
EXPLAIN_REPS = 40
REPORT_LEVELS = ["announced", "0.5", "1.0"]
# The figures a baseline run report holds, in page order: the levels section
# (what limits deliveries, paired differences), the regions, the last year's
# distribution (its levels differ), compliance, supply, unmet demand, the timeline
# and the appendix of fans.
REPORT_FIGURES = [
    "limits",
    "levels",
    "regions",
    "ecdf",
    "compliance",
    "supply",
    "unmet",
    "timeline",
    "fan",
]
_MADE: dict = {}


@pytest.fixture(scope="session")
def report_run(tmp_path_factory):
    """A baseline run directory at REPORT_LEVELS, REPORT_REPS replications, with effects.csv."""
    if "run" not in _MADE:
        out = tmp_path_factory.mktemp("report") / "baseline"
        execute(
            BASELINE,
            RunOptions(
                replications=REPORT_REPS,
                seed=SEED,
                levels=REPORT_LEVELS,
                out_dir=out,
                explain=ExplainOptions(replications=EXPLAIN_REPS),
            ),
        )
        _MADE["run"] = out
    return _MADE["run"]


@pytest.fixture(scope="session")
def report_html(report_run):
    """report.html written into the run directory by the library entry point."""
    if "html" not in _MADE:
        (_MADE["html"],) = write_report(report_run, "html")
    return _MADE["html"]


@pytest.fixture(scope="session")
def report_pdf(report_run):
    """report.pdf written into the run directory by the library entry point."""
    if "pdf" not in _MADE:
        (_MADE["pdf"],) = write_report(report_run, "pdf")
    return _MADE["pdf"]


def drawn_outside(fig) -> list[str]:
    """Describe what a figure draws outside its own edges (empty when nothing is cut off).

    The figure's tight bounding box holds every artist it draws; anything
    beyond the figure's width or height would be cut from the PNG.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    box = fig.get_tightbbox(canvas.get_renderer())
    width, height = fig.get_size_inches()
    tol = 0.01  # inches
    out = []
    if box.x0 < -tol:
        out.append(f"{-box.x0:.2f} in beyond the left edge")
    if box.y0 < -tol:
        out.append(f"{-box.y0:.2f} in below the bottom")
    if box.x1 > width + tol:
        out.append(f"{box.x1 - width:.2f} in beyond the right edge")
    if box.y1 > height + tol:
        out.append(f"{box.y1 - height:.2f} in above the top")
    return out
