"""``simulate``: a scenario's ensemble at every quota level, a block of replications at a time.

Each block is one :class:`sim.model.model.Model` run over every level
(:mod:`sim.model.blocks`); blocks are sized to a memory budget, spread over
worker processes (:mod:`sim.model.parallel`) and merge into exactly the
result of one run over all replications (:mod:`sim.model.merge`).
"""

from __future__ import annotations

import gc
import shutil
import weakref
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field, replace
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

import numpy as np
import simpy

from sim.model.blocks import Block, RowSpill, SpillDir, Spilled, plan
from sim.model.effects import effect_rows
from sim.model.merge import EXACT_LIMIT, Merge, MergeOptions
from sim.model.model import EnsembleResult, Model, ModelOptions, calendar_of
from sim.model.parallel import PARALLEL_CELLS, run_blocks, shared_counter, workers_used
from sim.model.recorder import RecordOptions
from sim.scenario.schema import Scenario
from sim.scenario.settings import resolve

__all__ = ["Blocking", "EnsembleResult", "SimulateOptions", "calendar_of", "simulate"]


@dataclass(frozen=True)
class Blocking:
    """How a run is split: ``size`` replications a block (None: by the memory budget).

    ``workers``: processes sharing the blocks; ``folder``: where blocks spill
    their rows (None: the system's temporary directory); ``exact_limit``:
    above this many replications summary rows come from sketches
    (:mod:`sim.model.merge`); ``progress``: called with (block-months
    simulated, block-months in all) as the run goes (see :class:`Ticks`; it
    changes no result).
    """

    size: int | None = None
    workers: int = 1
    folder: Path | None = None
    exact_limit: int = EXACT_LIMIT
    progress: Callable[[int, int], None] | None = field(default=None, compare=False)


class Ticks:
    """Progress of a run in block-months, for :attr:`Blocking.progress`.

    Each block reports its months as they are recorded (:func:`month_ticks`):
    here, or, from worker processes, into a ``shared`` counter the parent
    reads while it waits (:func:`sim.model.parallel.run_blocks`). A finished
    block counts all its months.
    """

    def __init__(
        self,
        report: Callable[[int, int], None],
        blocks: int,
        months: int,
        shared: Synchronized[int] | None = None,
    ) -> None:
        self.report, self.months, self.shared = report, months, shared
        self.total, self.done, self.finished = blocks * months, 0, 0

    def month(self) -> None:
        """Count one month simulated (in this process, or in a worker: into ``shared``)."""
        if self.shared is not None:
            with self.shared.get_lock():
                self.shared.value += 1
            return
        self.done += 1
        self.show()

    def show(self) -> None:
        """Report the months counted so far (in the parent process)."""
        done = self.shared.value if self.shared is not None else self.done
        self.report(min(max(done, self.finished), self.total), self.total)

    def block(self) -> None:
        """Count a finished block."""
        self.finished += self.months
        self.show()


def month_ticks(model: Model, tick: Callable[[], None]) -> Generator[simpy.Event, Any, None]:
    """SimPy process: call ``tick()`` as each month is recorded (it only reads the clock)."""
    while True:
        month = yield model.clock.next_month()
        yield month.after("recorded")
        tick()


@dataclass(frozen=True)
class BlockJob:
    """What every block of a run shares; called with a block, simulates it."""

    scenario: Scenario
    seed: int
    levels: tuple[str, ...]
    record: RecordOptions
    first: int
    pinned: dict[str, np.ndarray] | None
    spill: SpillDir | None = None
    tick: Callable[[], None] | None = None  # called each month (blocks run in this process)

    def __call__(self, block: Block) -> tuple[EnsembleResult, Spilled | None]:
        """Simulate ``block``; its rows are spilled when the run has a spill directory."""
        pinned = (
            None
            if self.pinned is None
            else {
                k: np.asarray(v)[block.first - self.first :][: block.count]
                for k, v in self.pinned.items()
            }
        )
        spill = RowSpill(self.spill.file(block)) if self.spill is not None else None
        record = self.record if spill is None else replace(self.record, summarise=spill, width=1)
        options = ModelOptions(first=block.first, pinned=pinned, record=record)
        model = Model(self.scenario, block.count, self.seed, list(self.levels), options)
        if self.tick is not None:
            model.env.process(month_ticks(model, self.tick))
        result = model.run()
        del model  # else the collection below cannot free it (the run's peak memory grows)
        gc.collect()  # the finished Model is held in reference cycles (its processes' frames)
        return result, None if spill is None else Spilled.of(result.rows, spill, block.count)


@dataclass(frozen=True, kw_only=True)
class SimulateOptions:
    """What :func:`simulate` records and how it splits the run, beyond the run's settings.

    ``first`` offsets the replications (``first .. first + replications``);
    ``keep`` names national quarterly metrics (e.g. ``vendor_units.huawei``) to
    keep per replication; ``pinned`` sets parameter paths to given
    per-replication values instead of drawing them (see :class:`sim.model.rng.Draws`);
    ``narrow`` keeps the national per-replication values (``replicates``) as a
    run directory stores them, float32 (see :func:`sim.model.recorder.narrow`);
    ``blocking`` splits the run into blocks of replications (by default sized
    to :data:`sim.model.budget.BLOCK_BYTES`) shared by ``blocking.workers`` processes.
    """

    first: int = 0
    keep: tuple[str, ...] = ()
    pinned: Mapping[str, np.ndarray] | None = None
    narrow: bool = False
    blocking: Blocking = Blocking()


def simulate(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    levels: list[str] | None = None,
    options: SimulateOptions = SimulateOptions(),
) -> EnsembleResult:
    """Run replications ``options.first ..`` onwards at every quota level.

    Unset replications, seed and levels are the scenario's
    (:func:`sim.scenario.settings.resolve`). The result is the same, bit for
    bit, for any blocking and worker count. The rows end with each level's
    paired effect against the announced quotas (:mod:`sim.model.effects`).
    """
    settings = resolve(scenario, replications, seed, levels)
    levels, count = list(settings.levels), settings.replications
    first, pinned, blocking = options.first, options.pinned, options.blocking
    if pinned is not None:  # one value per replication (a scalar for one), as Draws takes them
        pinned = {k: np.array(v, dtype=float).reshape(count) for k, v in pinned.items()}
    blocks = split(scenario, count, len(levels), first, blocking)
    ticks = (
        None
        if blocking.progress is None
        else Ticks(
            blocking.progress,
            len(blocks),
            calendar_of(scenario).months,
            shared_counter() if workers_used(blocking.workers, len(blocks)) > 1 else None,
        )
    )
    record = RecordOptions(keep=tuple(options.keep), narrow=options.narrow)
    job = BlockJob(
        scenario,
        settings.seed,
        settings.levels,
        record,
        first,
        pinned,
        tick=None if ticks is None else ticks.month,
    )
    if len(blocks) == 1 and count <= blocking.exact_limit:  # exact or sketched by count alone
        result, _ = job(blocks[0])
        result.rows.extend(effect_rows(result.levels, result.years, result.replicates))
        if ticks is not None:
            ticks.block()
        return result
    merge = MergeOptions(count, first, count <= blocking.exact_limit)
    return merged(
        replace(job, spill=SpillDir(blocking.folder)), blocks, blocking.workers, merge, ticks
    )


def split(
    scenario: Scenario, count: int, levels: int, first: int, blocking: Blocking
) -> list[Block]:
    """Return the run's blocks: within the memory budget, and one per worker at least."""
    from sim.model.budget import block_replications

    size = blocking.size or block_replications(scenario, levels)
    if blocking.workers > 1 and count * levels >= PARALLEL_CELLS:
        size = min(size, -(-count // blocking.workers))
    return plan(count, size, first)


def merged(
    job: BlockJob,
    blocks: list[Block],
    workers: int,
    options: MergeOptions,
    ticks: Ticks | None = None,
) -> EnsembleResult:
    """Run ``blocks`` (spilling their rows to ``job.spill``) and merge them into one result.

    ``ticks`` counts each block as it is merged.

    A sketched run keeps its per-replication arrays on disk in the spill
    directory, removed when no array of it is referenced any more.
    """
    spill = job.spill
    assert spill is not None
    merge = Merge(replace(options, folder=None if options.exact else spill))
    try:
        run_blocks(
            job,
            blocks,
            workers,
            lambda block, done: taken(merge, block, done, ticks),
            None if ticks is None else ticks.show,
        )
        result = merge.result()
    except BaseException:
        merge.discard()
        spill.remove()
        raise
    merge.discard()
    if options.exact:
        spill.remove()
    else:  # the disk arrays hold the directory; it goes when the last of them does
        weakref.finalize(spill, shutil.rmtree, spill.path, True)
    return result


def taken(
    merge: Merge, block: Block, done: tuple[EnsembleResult, Spilled | None], ticks: Ticks | None
) -> None:
    """Merge a finished block's result, then count it."""
    result, spilled = done
    assert spilled is not None  # the run has a spill directory
    merge.add(block, result, spilled)
    if ticks is not None:
        ticks.block()
