"""The Python API for notebooks: ``sim.run(scenario, reps=..., seed=..., quota=None)``.

>>> import sim
>>> result = sim.run("scenarios/baseline.toml", reps=500, seed=1, quota=["announced", "1.0"])
>>> table = result.summary            # a pandas DataFrame, summary.csv's columns and values
>>> result.manifest["seed"]
1
>>> result.effects                    # effects.csv as a DataFrame: what binds, and why
>>> result.save("outputs/notebook-run")  # the run directory, as `chipsim run` writes it

Bad arguments raise :class:`sim.ScenarioError` (a ValueError), and only it,
before any work: its ``str()`` is the one line ``chipsim run`` prints after
``Error:``, naming the argument (or the file) and what was expected.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from sim.explain.measure import DEFAULT_REPS, ExplainOptions
from sim.explain.table import effects_csv
from sim.results.run_dir import write_run
from sim.results.summary import summary_csv
from sim.runner import Run, check_arguments, execute


@dataclass
class Result:
    """A finished run: its summary as a DataFrame, its manifest, and ``save``."""

    run: Run
    _summary: object = field(default=None, repr=False)

    @property
    def summary(self):
        """summary.csv as a pandas DataFrame: the same columns, the same values.

        ``quota`` and ``period`` are text (``"0.5"``, ``"2025Q3"``); an
        undefined statistic is NaN, as an empty cell is in the file.
        """
        if self._summary is None:
            import pandas as pd  # imported here: pandas is only needed for this view

            text = summary_csv(self.run.result.rows)
            self._summary = pd.read_csv(io.StringIO(text), dtype={"quota": str, "period": str,
                                                                 "metric": str, "region": str})
        return self._summary

    @property
    def effects(self):
        """effects.csv as a pandas DataFrame (None when the run was not explained)."""
        if self.run.effects is None:
            return None
        import pandas as pd

        return pd.read_csv(io.StringIO(effects_csv(self.run.effects.rows)),
                           dtype={"quota": str, "period": str})

    @property
    def manifest(self) -> dict:
        """What manifest.json records: scenario, seed, replications, levels, versions."""
        return self.run.info

    @property
    def result(self):
        """The model's own result: summary rows and per-replication values."""
        return self.run.result

    def save(self, out_dir: str | Path, force: bool = False) -> Path:
        """Write the run directory (summary.csv, replications.npz, effects.csv, manifest.json)."""
        return write_run(Path(out_dir), self.run.result, self.run.info, force,
                         effects=self.run.effects)


def run(scenario: str | Path = "scenarios/baseline.toml", reps: int | None = None,
        seed: int | None = None, quota: str | float | list[str | float] | None = None,
        explain_reps: int | None = None) -> Result:
    """Simulate ``scenario`` (a TOML file) at its quota levels, or at ``quota``'s.

    ``quota`` is a level (``"announced"``, ``"0.7"`` or ``0.7``: a share in
    [0, 1]) or a list of them, normalised as ``chipsim run --quota`` does
    (``"0.70"`` is ``"0.7"``; duplicates removed). ``reps`` (1 to
    10,000,000) and ``seed`` (0 to 2**63-1) default to the scenario's
    ``[run]`` settings. ``explain_reps`` replications measure the
    counterfactual effects, as ``chipsim run --explain-reps`` does (default
    1,000, or ``reps`` when fewer; 0: none). Nothing is written until
    :meth:`Result.save`.

    Raises :class:`sim.ScenarioError`, before anything is simulated, when an
    argument is not one of these (an int given as a float or a bool, a level
    outside [0, 1], a scenario file that is missing or not valid) or the run
    would not fit in memory.
    """
    scenario, reps, seed, levels, explain_reps = check_arguments(scenario, reps, seed, quota,
                                                                 explain_reps)
    if explain_reps is None:
        explain_reps = min(DEFAULT_REPS, reps) if reps else DEFAULT_REPS
    return Result(execute(scenario, reps, seed, levels, write=False, workers=1,
                          explain=ExplainOptions(replications=explain_reps)))
