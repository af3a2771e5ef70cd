"""The baseline against its stored reference output (PySD-style).

``tests/reference/baseline.csv`` is the summary.csv of the shipped baseline at
a fixed seed and 1,000 replications. A fresh run must list the same rows in
the same order, leave the same cells undefined, and agree on every number to
the file's printed precision: six significant digits, so two values may differ
by one unit in the sixth digit (relative 1e-5) when the last digit rounds the
other way. Regenerate only deliberately: ``python tests/reference/regenerate.py``.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import math
from pathlib import Path

REFERENCE_DIR = Path(__file__).with_name("reference")
RELATIVE = 1e-5  # one unit in the sixth significant digit
ABSOLUTE = 1e-12  # values printed as 0


def load_regenerate():
    spec = importlib.util.spec_from_file_location("regenerate", REFERENCE_DIR / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def close(fresh: str, stored: str) -> bool:
    if fresh == "" or stored == "":
        return fresh == stored
    a, b = float(fresh), float(stored)
    return math.isclose(a, b, rel_tol=RELATIVE, abs_tol=ABSOLUTE)


def assert_matches(fresh_text: str, stored_text: str, keys: int) -> None:
    """Same header and key columns (the first ``keys``) exactly, numbers to six digits."""
    stored, fresh = parse(stored_text), parse(fresh_text)
    assert fresh[0] == stored[0]
    assert [row[:keys] for row in fresh] == [row[:keys] for row in stored]
    bad = [
        (row[:keys], column, got, want)
        for row, ref in zip(fresh[1:], stored[1:], strict=True)
        for column, got, want in zip(stored[0][keys:], row[keys:], ref[keys:], strict=True)
        if not close(got, want)
    ]
    assert not bad, f"{len(bad)} cells differ from the reference, first: {bad[:5]}"


def test_the_baseline_matches_its_reference_output():
    regenerate = load_regenerate()
    assert_matches(
        regenerate.reference_csv(), regenerate.REFERENCE.read_text(encoding="utf-8"), keys=5
    )


def test_the_baseline_effects_match_their_reference_output():
    # text columns (quota, constraint, metric, period, unit, relaxation) exactly
    regenerate = load_regenerate()
    assert_matches(
        regenerate.effects_reference_csv(), regenerate.EFFECTS.read_text(encoding="utf-8"), keys=6
    )


def test_the_comparison_catches_a_change_in_the_sixth_digit():
    assert close("0.348055", "0.348055")
    assert close("0.348055", "0.348056")  # rounding the other way
    assert not close("0.348055", "0.348075")
    assert not close("", "0.1") and close("", "")
