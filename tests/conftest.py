"""Shared fixtures: the shipped baseline, a small baseline run and a scenario writer.

Runs here are small (tens to hundreds of replications) so the suite stays fast.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from chipsim_testing import BASELINE, SEED, SMALL

from sim.model.ensemble import EnsembleResult, simulate
from sim.scenario import Scenario, load

# Progress lines depend on time (they appear once a wait passes 2 s), so a test reading
# a command's mixed output would change with the machine's load: off unless a test asks.
os.environ.setdefault("CHIPSIM_PROGRESS", "off")


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    """The shipped baseline scenario."""
    return load(BASELINE)


@pytest.fixture(scope="session")
def small_run(baseline) -> EnsembleResult:
    """The baseline at every default quota level: SMALL replications, default seed."""
    return simulate(baseline, SMALL, SEED)


@pytest.fixture
def write_scenario(tmp_path):
    """Write TOML text to ``tmp_path/<name>.toml``; by default it extends the baseline.

    ``write_scenario(text)`` prepends ``extends = "<absolute baseline path>"``;
    ``write_scenario(text, extends=None)`` writes the text alone.
    """

    def write(text: str, name: str = "variant", extends: Path | str | None = BASELINE) -> Path:
        path = tmp_path / f"{name}.toml"
        head = f"extends = {str(extends)!r}\n" if extends is not None else ""
        path.write_text(head + text, encoding="utf-8")
        return path

    return write
