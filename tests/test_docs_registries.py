"""The docs that restate a registry name every entry of it.

A new metric or relaxable constraint is added in one registry; these tests
fail until the README and the docs that list them for users name it too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.core.metrics import REGISTRY as METRICS
from sim.model.constraints import REGISTRY as CONSTRAINTS

ROOT = Path(__file__).resolve().parents[1]


def text(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("metric", [m.name for m in METRICS if m.emitted and not m.family])
def test_the_readme_names_every_metric_a_run_writes(metric):
    assert f"`{metric}`" in metrics_paragraph(text("README.md"))


def metrics_paragraph(readme: str) -> str:
    """The README's paragraph that lists the metrics of summary.csv."""
    start = readme.index("Annual metrics (every region):")
    return readme[start : readme.index("\n\n", start)]


def constraint_column(outputs: str) -> str:
    """The row of docs/outputs.md that documents effects.csv's ``constraint`` column."""
    found = re.search(r"^\| `constraint` \|.*$", outputs, flags=re.MULTILINE)
    assert found, "docs/outputs.md documents no constraint column"
    return found.group(0)


@pytest.mark.parametrize("constraint", [c.id for c in CONSTRAINTS])
def test_the_docs_name_every_relaxable_constraint(constraint):
    assert f"`{constraint}`" in constraint_column(text("docs/outputs.md"))
    assert f"`{constraint}`" in text("docs/explain.md")


def test_the_constraint_row_is_found_and_a_missing_id_is_seen():
    row = constraint_column("| a |\n| `constraint` | registry id: `memory` | |\n")
    assert "`memory`" in row and "`packaging`" not in row
