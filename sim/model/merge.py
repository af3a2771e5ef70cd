"""Blocks of replications merged into one run's result.

Blocks arrive in block order (:func:`sim.model.parallel.run_blocks`). Up to
:data:`EXACT_LIMIT` replications, every block's spilled rows are kept and
summarised at the end over all replications at once (:func:`exact_stats`):
the statistics are bit for bit those of one unblocked run. Above it, the
spilled rows of each block are folded into mergeable sketches
(:class:`sim.model.sketch.RowSketch`) and deleted, so the spill and memory
stay flat; the national per-replication values are still kept exactly, on
disk (about 400 bytes a replication and level).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from sim.core.metrics import SummaryRow
from sim.model.blocks import Block, SpillDir, Spilled, exact_stats, same_rows, summary_rows
from sim.model.effects import effect_rows, effect_values, rows_from_stats
from sim.model.model import EnsembleResult
from sim.model.sketch import RowSketch
from sim.model.stats import STAT_NAMES, summarise
from sim.model.store import ReplicationStore

EXACT_LIMIT = 1_000_000  # replications summarised exactly; above, by sketches
SKETCH_ROWS = 64  # summary rows folded into a sketch at once (bounds the values read)
PER_REPLICATION = ("replicates", "conservation", "kept")


@dataclass(frozen=True)
class MergeOptions:
    """How blocks merge: ``replications`` from ``first``, exactly or by sketches.

    ``folder``: the spill directory (:class:`sim.model.blocks.SpillDir`) that
    keeps per-replication arrays when they go to disk (sketched runs); None
    keeps them in memory.
    """

    replications: int
    first: int = 0
    exact: bool = True
    folder: SpillDir | None = None


class Merge:
    """Takes finished blocks in order; :meth:`result` is the run's result."""

    def __init__(self, options: MergeOptions):
        self.options = options
        self.store = ReplicationStore(options.replications, options.first, options.folder)
        self.spilled: list[Spilled] = []
        self.sketches: list[RowSketch] | None = None if options.exact else []
        self.effects: RowSketch | None = None  # the effect rows' sketch (sketched runs)
        self.head: EnsembleResult | None = None

    def add(self, block: Block, result: EnsembleResult, spilled: Spilled) -> None:
        """Take a finished block (the next in block order)."""
        if self.spilled:
            same_rows(self.spilled[0], spilled)
            spilled.labels = self.spilled[0].labels  # held once, not once a block
        if self.head is None:
            self.head = result
        for field in PER_REPLICATION:
            for key, values in getattr(result, field).items():
                self.store.put(f"{field}.{key}", block.first, values)
        if self.options.exact:
            self.spilled.append(spilled)
            return
        self.fold(spilled)
        self.fold_effects(result)
        spilled.remove()
        if not self.spilled:
            self.spilled.append(spilled)  # the labels and indices, for the rows

    def fold(self, spilled: Spilled) -> None:
        """Add a block's spilled rows to the sketches, :data:`SKETCH_ROWS` rows at a time."""
        assert self.sketches is not None
        for part, start in enumerate(range(0, spilled.rows, SKETCH_ROWS)):
            stop = min(spilled.rows, start + SKETCH_ROWS)
            if part == len(self.sketches):
                self.sketches.append(RowSketch(stop - start))
            self.sketches[part].add(spilled.read(start, stop))

    def fold_effects(self, result: EnsembleResult) -> None:
        """Add a block's paired level effects to their sketch."""
        values = [
            diff for _, _, diff in effect_values(result.levels, result.years, result.replicates)
        ]
        if not values:
            return
        stacked = np.concatenate(values)
        if self.effects is None:
            self.effects = RowSketch(stacked.shape[0])
        self.effects.add(stacked)

    def result(self) -> EnsembleResult:
        """Return the run's result: rows, then per-replication arrays over every block."""
        head = self.head
        assert head is not None
        first = self.spilled[0]
        if self.options.exact:
            stats = exact_stats(self.spilled, summarise, len(STAT_NAMES))
        else:
            assert self.sketches is not None
            stats = np.concatenate([s.summarise() for s in self.sketches])
        # a DiskArray reads as the array it holds (``__array__``, ``__getitem__``)
        fields = {
            field: cast(dict[str, np.ndarray], self.store.take(field)) for field in PER_REPLICATION
        }
        merged = EnsembleResult(
            summary_rows(first, stats),
            fields["replicates"],
            head.levels,
            head.years,
            fields["conservation"],
            fields["kept"],
            head.quarters,
        )
        merged.rows.extend(self.effect_rows(merged))
        return merged

    def effect_rows(self, merged: EnsembleResult) -> list[SummaryRow]:
        """Return the level effects: exact from the kept values, or from their sketch."""
        if self.options.exact:
            return effect_rows(merged.levels, merged.years, merged.replicates)
        if self.effects is None:
            return []
        return rows_from_stats(merged.levels, merged.years, self.effects.summarise())

    def discard(self) -> None:
        """Delete every spill file still held (after a failure, or once summarised)."""
        for spilled in self.spilled:
            spilled.remove()
