"""The quick suite (issue 22, part 4): documented, registered, and CI still runs every test."""

from __future__ import annotations

import tomllib

from chipsim_testing import ROOT

QUICK = 'python3 -m pytest -q -m "not slow"'
FULL = "python3 -m pip install '.[test]' && python3 -m pytest -q"


def test_the_slow_marker_is_registered():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    markers = config["tool"]["pytest"]["ini_options"]["markers"]
    assert any(m.startswith("slow:") for m in markers)


def test_the_readme_documents_the_quick_suite_beside_the_full_command():
    tests = (ROOT / "README.md").read_text("utf-8").split("## Tests", 1)[1].split("\n## ", 1)[0]
    assert FULL in tests and QUICK in tests
    assert tests.index(FULL) < tests.index(QUICK)  # the full command stays the first one


def test_ci_runs_every_test():
    lines = [
        line
        for line in (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
        if "pytest" in line and not line.lstrip().startswith("#")
    ]
    assert len(lines) == 1 and lines[0].endswith("&& python3 -m pytest -q")  # no -m, no -k
