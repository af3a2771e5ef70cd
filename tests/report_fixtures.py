"""Shared fixtures for the report and diff tests: one small run, its HTML and PDF.

Three quota levels and REPORT_REPS replications keep rendering quick while
every figure still has several panels to check. Test modules import these
fixtures; the module-level cache makes every module share one run and one
rendering per session.
"""

from __future__ import annotations

import pytest
from chipsim_testing import BASELINE, SEED

from sim.report.writer import write_report
from sim.runner import execute

REPORT_REPS = 150
REPORT_LEVELS = ["announced", "0.5", "1.0"]
_MADE: dict = {}


@pytest.fixture(scope="session")
def report_run(tmp_path_factory):
    """A baseline run directory at REPORT_LEVELS, REPORT_REPS replications."""
    if "run" not in _MADE:
        out = tmp_path_factory.mktemp("report") / "baseline"
        execute(BASELINE, REPORT_REPS, SEED, REPORT_LEVELS, out)
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
