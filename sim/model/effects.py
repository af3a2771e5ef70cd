"""What each quota level changes: paired differences from the announced quotas.

Levels share every draw (common random numbers), so replication r of one
level differs from replication r of the announced quotas only by the
policy. For each year, the per-replication difference of national imports,
domestic chips and unmet demand is summarised like any other metric:
``level_effect.imports_displaced`` (announced minus level imports),
``level_effect.domestic_added`` and ``level_effect.unmet_added`` (level
minus announced). The announced row is 0 by construction. Without an
"announced" level nothing is emitted. Values are differenced at the
precision run directories store them (float32 where every value fits, see
:func:`sim.model.recorder.narrow`), so a run's effect rows do not depend on
whether its per-replication values were kept narrow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from sim.core.metrics import EFFECTS, M, SummaryRow
from sim.model.recorder import narrow
from sim.model.stats import summarise

REFERENCE = "announced"


def effect_values(
    levels: list[str], years: list[int], replicates: dict[str, np.ndarray]
) -> Iterator[tuple[str, int, np.ndarray]]:
    """Each effect's metric name, year and per-replication values (L, R), in row order."""
    if REFERENCE not in levels:
        return
    base = levels.index(REFERENCE)
    for y, year in enumerate(years):
        for member, (metric, sign) in EFFECTS.items():
            values = narrow(np.asarray(replicates[metric][..., y])).astype(float)
            yield f"{M.level_effect}.{member}", year, sign * (values - values[base])


def effect_rows(
    levels: list[str],
    years: list[int],
    replicates: dict[str, np.ndarray],
    summarise_fn: Callable[[np.ndarray], np.ndarray] = summarise,
) -> list[SummaryRow]:
    """Rows of every level effect for every year, level by level (national)."""
    rows = []
    for name, year, values in effect_values(levels, years, replicates):
        stats = summarise_fn(values)
        rows += [
            SummaryRow(level, name, "national", str(year), stats[i].copy())
            for i, level in enumerate(levels)
        ]
    return rows


def rows_from_stats(levels: list[str], years: list[int], stats: np.ndarray) -> list[SummaryRow]:
    """Return the rows of :func:`effect_rows` from their statistics, (years x effects x L, k)."""
    if REFERENCE not in levels:
        return []
    stats = stats.reshape(len(years), len(EFFECTS), len(levels), -1)
    return [
        SummaryRow(
            level, f"{M.level_effect}.{member}", "national", str(year), stats[y, e, i].copy()
        )
        for y, year in enumerate(years)
        for e, member in enumerate(EFFECTS)
        for i, level in enumerate(levels)
    ]
