"""``simulate``: a scenario's ensemble at every quota level, in level groups if need be.

Each group is one :class:`sim.model.model.Model` run; groups bound memory and
spread over worker processes (:mod:`sim.model.parallel`), and merge into
exactly the result of one run over all levels.
"""

from __future__ import annotations

import numpy as np

from sim.model.model import EnsembleResult, Model, ModelOptions, calendar_of
from sim.model.parallel import run_grouped
from sim.model.recorder import RecordOptions
from sim.scenario.schema import Scenario

__all__ = ["EnsembleResult", "calendar_of", "simulate"]


def simulate(scenario: Scenario, replications: int | None = None, seed: int | None = None,
             levels: list[str] | None = None, first: int = 0, keep: tuple[str, ...] = (),
             pinned: dict[str, np.ndarray] | None = None, workers: int = 1,
             narrow: bool = False) -> EnsembleResult:
    """Run replications ``first .. first + replications`` at every quota level.

    ``keep`` names national quarterly metrics (e.g. ``vendor_units.huawei``) to
    keep per replication; ``pinned`` sets parameter paths to given
    per-replication values instead of drawing them (see :class:`sim.rng.Draws`).
    ``workers`` > 1 shares the quota levels among that many processes, and a
    large run simulates its levels a group at a time to bound memory (see
    :mod:`sim.model.parallel`); the result is the same, bit for bit.
    ``narrow`` keeps the national per-replication values (``replicates``) as
    a run directory stores them, float32 (see
    :func:`sim.model.recorder.narrow`).
    """
    levels = list(levels or scenario.run.quota_levels)
    count = replications or scenario.run.replications

    def one_group(group: list[str], shared: dict | None) -> EnsembleResult:
        record = RecordOptions(keep=tuple(keep), narrow=narrow, shared=shared)
        options = ModelOptions(first=first, pinned=pinned, record=record)
        return Model(scenario, count, seed, group, options).run()

    return run_grouped(one_group, levels, count, workers)
