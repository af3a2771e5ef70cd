"""The checkers CI runs are the versions the dev extras pin (a formatter's output varies)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pins(requirements: list[str] | str) -> dict[str, str]:
    """``name==version`` pins found in requirement strings or a script's text."""
    text = requirements if isinstance(requirements, str) else " ".join(requirements)
    return dict(re.findall(r"\b(ruff|mypy)==([\w.]+)", text))


def test_ci_installs_the_checkers_the_dev_extras_pin():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dev = pins(project["optional-dependencies"]["dev"])
    assert set(dev) == {"ruff", "mypy"}
    assert pins((ROOT / ".ci" / "run").read_text(encoding="utf-8")) == dev


def test_ci_runs_the_gates_before_the_tests():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    gates = ["ruff check .", "ruff format --check sim tests benchmarks", "python3 -m mypy"]
    places = [script.index(gate) for gate in gates]
    assert places == sorted(places) and places[-1] < script.index("python3 -m pytest -q")
