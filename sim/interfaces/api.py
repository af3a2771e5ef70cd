"""The Python API for notebooks: ``sim.run(scenario, reps=..., seed=..., quota=None)``.

>>> import sim
>>> result = sim.run("baseline", reps=500, seed=1, quota=["announced", 0.7])
>>> result                            # a few lines; in a notebook, a small table
<sim.Result baseline: 500 replications, seed 1, levels announced, 0.7>
  2027 national domestic_share_units at announced: ...
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
import math
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from sim.core.metrics import NATIONAL, M
from sim.experiments.explain.measure import DEFAULT_REPS, ExplainOptions
from sim.interfaces.runner import Run, RunOptions, check_arguments, execute
from sim.results.dictionary import dictionary_csv
from sim.results.effects import effects_csv
from sim.results.run_dir import write_run
from sim.results.summary import summary_csv
from sim.scenario.shipped import DEFAULT

HEADLINE = M.domestic_share_units  # the share a result's repr shows, as chipsim run's first table
NATIONAL_REGION = NATIONAL


def percent(value: float) -> str:
    """Return a share in percent with one decimal, "n/a" when undefined."""
    return f"{value:.1%}" if math.isfinite(value) else "n/a"


@dataclass
class Result:
    """A finished run: its summary as a DataFrame, its manifest, and ``save``."""

    run: Run
    _summary: object = field(default=None, repr=False)

    @property
    def summary(self):
        """summary.csv as a pandas DataFrame: the same columns, the same values.

        ``quota`` and ``period`` are text (``"0.5"``, ``"2025Q3"``), ``unit``
        the row's unit (``share``, ``H100e`` ...); an undefined statistic is
        NaN, as an empty cell is in the file. :attr:`dictionary` describes each metric.
        """
        if self._summary is None:
            import pandas as pd  # imported here: pandas is only needed for this view

            text = summary_csv(self.run.result.rows)
            self._summary = pd.read_csv(
                io.StringIO(text),
                dtype={"quota": str, "period": str, "metric": str, "region": str, "unit": str},
            )
        return self._summary

    @property
    def dictionary(self):
        """dictionary.csv as a pandas DataFrame: metric, unit, kind, label, description."""
        import pandas as pd

        names = [row.metric for row in self.run.result.rows]
        return pd.read_csv(io.StringIO(dictionary_csv(names)), dtype=str)

    @property
    def effects(self):
        """effects.csv as a pandas DataFrame (None when the run was not explained)."""
        if self.run.effects is None:
            return None
        import pandas as pd

        return pd.read_csv(
            io.StringIO(effects_csv(self.run.effects.rows)), dtype={"quota": str, "period": str}
        )

    @property
    def manifest(self) -> dict:
        """What manifest.json records: scenario, seed, replications, levels, versions."""
        return self.run.info

    @property
    def result(self):
        """The model's own result: summary rows and per-replication values."""
        return self.run.result

    def headline(self) -> list[tuple[str, str, float, float, float]]:
        """Return the national domestic share of chips in the run's last year, per level.

        ``(level, year, p50, p05, p95)``, as the first table ``chipsim run`` prints.
        """
        rows = [
            r
            for r in self.run.result.rows
            if r.metric == HEADLINE and r.region == NATIONAL_REGION and r.period.isdigit()
        ]
        last = max((r.period for r in rows), default="")
        return [
            (r.quota, r.period, float(r.stats[3]), float(r.stats[1]), float(r.stats[5]))
            for r in rows
            if r.period == last
        ]

    def __repr__(self) -> str:
        """Return a few lines: scenario, replications, seed, levels, the headline per level."""
        info = self.manifest
        lines = [
            f"<sim.Result {self.run.scenario.name}: {info['replications']:,} replications, "
            f"seed {info['seed']}, levels {', '.join(info['quota_levels'])}>"
        ]
        for level, year, mid, low, high in self.headline():
            lines.append(
                f"  {year} national {HEADLINE} at {level}: {percent(mid)} "
                f"({percent(low)}-{percent(high)}, 5th-95th percentile)"
            )
        lines.append("  .summary, .dictionary (DataFrames), .effects, .manifest, .save(directory)")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """Return a small HTML table of the headline share per level, for notebooks."""
        info = self.manifest
        caption = (
            f"{escape(self.run.scenario.name)}: {info['replications']:,} replications, "
            f"seed {info['seed']}"
        )
        rows = "".join(
            f"<tr><td>{escape(level)}</td><td>{escape(year)}</td>"
            f"<td>{percent(mid)}</td><td>{percent(low)}</td><td>{percent(high)}</td>"
            "</tr>"
            for level, year, mid, low, high in self.headline()
        )
        head = "".join(
            f"<th>{name}</th>" for name in ("quota level", "year", "median", "5th pct", "95th pct")
        )
        return (
            f'<table class="chipsim-result"><caption>{caption}<br>national {HEADLINE}'
            f"</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
            "<p>.summary, .dictionary (DataFrames), .effects, .manifest, .save(directory)</p>"
        )

    def save(self, out_dir: str | Path, force: bool = False) -> Path:
        """Write the run directory (summary.csv, dictionary.csv, replications.npz, effects.csv ...).

        Raises ScenarioError when ``out_dir`` exists and ``force`` is false (or
        it is not a run directory chipsim wrote), OSError when it cannot be written.
        """
        return write_run(
            Path(out_dir), self.run.result, self.run.info, force, effects=self.run.effects
        )


def run(
    scenario: str | Path = DEFAULT,
    reps: int | None = None,
    seed: int | None = None,
    quota: str | float | list[str | float] | None = None,
    explain_reps: int | None = None,
) -> Result:
    """Simulate ``scenario`` at its quota levels, or at ``quota``'s, and return a :class:`Result`.

    ``scenario`` is a TOML file, or the name of a scenario shipped with
    chipsim (``"baseline"``, ``"baseline.toml"``, ``"national-quota"`` ...),
    as ``chipsim run SCENARIO`` takes it: a path that exists (relative to
    the working directory) wins, else the shipped file, so the default
    works from any directory. ``quota`` is a level (``"announced"``,
    ``"0.7"`` or ``0.7``: a share in [0, 1]) or a list of them, normalised
    as ``chipsim run --quota`` does (``"0.70"`` is ``"0.7"``; duplicates
    removed). ``reps`` (1 to 10,000,000) and ``seed`` (0 to 2**63-1) default
    to the scenario's ``[run]`` settings. ``explain_reps`` replications
    measure the counterfactual effects, as ``chipsim run --explain-reps``
    does (default 1,000, or ``reps`` when fewer; 0: none). Nothing is
    written until :meth:`Result.save`.

    Raises :class:`sim.ScenarioError` (a ValueError), before anything is
    simulated, when an argument is not one of these (an int given as a
    float or a bool, a level outside [0, 1] or not a number, a scenario
    that is missing -- the message lists the shipped ones -- or not valid)
    or the run would not fit in memory; its ``str()`` is the line
    ``chipsim run`` prints after ``Error:``. Otherwise only what any Python
    call can raise (MemoryError, KeyboardInterrupt) escapes; :meth:`Result.save`
    raises ScenarioError (an existing directory without ``force``) or
    OSError (a folder it cannot write).
    """
    scenario, reps, seed, levels, explain_reps = check_arguments(
        scenario, reps, seed, quota, explain_reps
    )
    if explain_reps is None:
        explain_reps = min(DEFAULT_REPS, reps) if reps else DEFAULT_REPS
    options = RunOptions(
        replications=reps,
        seed=seed,
        levels=levels,
        write=False,
        workers=1,
        explain=ExplainOptions(replications=explain_reps),
    )
    return Result(execute(scenario, options))
