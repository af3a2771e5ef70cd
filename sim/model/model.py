"""The Model: one SimPy environment, its calendar, draws, timeline and actors.

``Model(scenario, replications, seed, levels).run()`` is the one way a
simulation happens. Every state array has shape (..., level rows, R):
replications and quota levels are array axes, never loops, so one SimPy run
advances the whole ensemble. Draws have no level axis, so every level shares
them (common random numbers).
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import simpy

from sim.core.calendar import Calendar, parse_month
from sim.core.metrics import SummaryRow
from sim.model import investment, paths
from sim.model.clock import Clock
from sim.model.foundry import Foundry, years
from sim.model.imports import ImportChannel
from sim.model.ledger import Ledger
from sim.model.market import Market, present
from sim.model.memory import HbmSupply, MemoryPool, normalised
from sim.model.policies import ALLOCATION_RULES, HBM_RULES
from sim.model.recorder import Recorder, RecordOptions, stack_years
from sim.model.rng import Draws, Streams
from sim.model.rules import SUPPLIER_KINDS, ImportRules, build_rules
from sim.model.segments import BuyerSegment, SegmentOptions, national_demand, quota_paths
from sim.model.state import LevelRows, first_divergence
from sim.model.timeline import Timeline
from sim.model.vendor import Vendor, Works, default_pool
from sim.scenario.schema import Scenario
from sim.scenario.settings import resolve


class Watcher(Protocol):
    """An actor that reacts to timeline entries."""

    def dated(self) -> dict[str, np.ndarray]:
        """Return its timeline entries: key -> steps (R,)."""

    def watch(self, timeline: Timeline, key: str) -> Generator[simpy.Event, Any, None]:
        """SimPy process: react to each firing of ``key``."""


PART = "levels.part"  # the timeline entry at which the quota levels' state parts


@dataclass
class EnsembleResult:
    """What a run produces: summary rows and national per-replication values.

    ``rows`` are :class:`sim.core.metrics.SummaryRow`; ``replicates`` maps each
    annual metric to its national values (levels, R, years); ``kept`` holds
    the national quarterly metrics asked for, (levels, R, quarters), labelled
    by ``quarters``; ``conservation`` sums vendors' chips produced, delivered
    and in stock, and buyers' orders placed, filled, unmet and waiting,
    (levels, R) each.
    """

    rows: list[SummaryRow]
    replicates: dict[str, np.ndarray]
    levels: list[str]
    years: list[int]
    conservation: dict[str, np.ndarray]
    kept: dict[str, np.ndarray] = field(default_factory=dict)
    quarters: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ModelOptions:
    """How a model draws and records, beyond scenario, replications, seed and levels.

    ``first`` offsets the replications (a block of a larger run draws the
    same rows); ``pinned`` sets parameter paths to given per-replication
    values; ``draws`` replaces the model's own draws altogether (experiments
    pass points through it); ``record`` is the recorder's.
    """

    first: int = 0
    pinned: Mapping[str, np.ndarray] | None = None
    draws: Draws | None = None
    record: RecordOptions = RecordOptions()


def calendar_of(scenario: Scenario) -> Calendar:
    """Return the scenario's calendar."""
    return Calendar(parse_month(scenario.calendar.start), parse_month(scenario.calendar.end))


class Model:
    """Owns the environment, the draws, the timeline, the actors, the ledger and the recorder."""

    def __init__(
        self,
        scenario: Scenario,
        replications: int,
        seed: int | None = None,
        levels: list[str] | None = None,
        options: ModelOptions = ModelOptions(),
    ):
        self.scenario = scenario
        settings = resolve(scenario, seed=seed, levels=levels)  # unset: the scenario's
        self.levels = list(settings.levels)
        self.cal = calendar_of(scenario)
        self.draw = options.draws or Draws(
            Streams(settings.seed), replications, options.first, dict(options.pinned or {})
        )
        self.env = simpy.Environment()
        self.timeline = Timeline(self.env, self.cal.months)
        self.clock = Clock(self.env, self.cal.months, self.timeline)
        self.build(options.record)

    def build(self, record: RecordOptions) -> None:
        """Make every actor and start its processes."""
        scenario, cal, draw = self.scenario, self.cal, self.draw
        targets = {
            name: quota_paths(
                cal,
                s.quota.points if s.quota else None,
                self.levels,
                scenario.run.lever_start,
                name in scenario.lever_reach(),
            )
            for name, s in scenario.segments.items()
        }
        # stocks keep only the totals the results need (conservation): no per-replication history
        self.rows = LevelRows(
            len(self.levels), first_divergence(list(targets.values())), track=False
        )
        self.foundries = {n: Foundry(n, s, cal, draw) for n, s in scenario.foundries.items()}
        works = Works(self.foundries, self.rows, HBM_RULES[scenario.memory.allocation], self.env)
        self.vendors = [
            Vendor(n, default_pool(s), cal, draw, works) for n, s in scenario.vendors.items()
        ]
        self.hbm = HbmSupply(scenario.memory, cal, draw, self.memory_pools())
        packaging = (
            investment.Packaging(scenario.packaging, cal, draw)
            if scenario.packaging.capacity
            else None
        )
        self.investor = investment.build(
            scenario, cal, draw, self.rows, (self.foundries, self.hbm, packaging), self.env
        )
        self.channels = self.import_channels()
        self.segments, shares = self.buyer_segments(targets)
        self.rules = ImportRules(
            self.channels, [s.name for s in self.segments], self.rows, draw.count
        )
        for rule in build_rules(scenario.events, self.channels, list(scenario.segments), cal, draw):
            supplier = rule.kind in SUPPLIER_KINDS
            if supplier:
                self.channels[rule.product].rules[rule.key] = rule
            self.rules.hold(rule, buyer_side=not supplier)
        ledger = Ledger(self.initial_installed(shares), self.rows)
        self.market = Market(
            (self.segments, self.vendors, self.channels, self.rules),
            ALLOCATION_RULES[scenario.run.allocation],
            ledger,
            self.offshore_capacity(),
        )
        if scenario.demand.budget_usd is not None:  # buyers' first expected price
            initial = scenario.demand.initial_usd_per_h100e
            assert initial is not None  # validated: a budget comes with a first price
            first = draw("demand.initial_usd_per_h100e", initial)
            self.market.price = np.broadcast_to(first, (2, 1, draw.count))
        self.market.packaging = packaging
        self.recorder = Recorder(
            cal, self.market, self.levels, record, tuple(self.foundries.values())
        )
        self.start()

    def offshore_capacity(self) -> paths.YearSteps | None:
        """H100e a month rentable abroad, by year (None: no capacity given, no limit)."""
        capacity = self.scenario.offshore.capacity
        if not capacity:
            return None
        return paths.YearSteps(
            self.cal, years(capacity, "offshore.capacity", self.draw), self.draw.count
        )

    def memory_pools(self) -> list[tuple[MemoryPool, np.ndarray, np.ndarray]]:
        """Every vendor's memory pools with their stockpile and domestic shares, normalised."""
        pools, stock, domestic = [], [], []
        for name, spec in self.scenario.vendors.items():
            vendor = next(v for v in self.vendors if v.name == name)
            for pool_name, source in default_pool(spec).memory.items():
                here = f"vendors.{name}.memory.{pool_name}"
                pools.append(vendor.pools[pool_name])
                stock.append(self.draw(f"{here}.stockpile_share", source.stockpile_share))
                domestic.append(self.draw(f"{here}.domestic_share", source.domestic_share))
        return list(zip(pools, normalised(stock), normalised(domestic), strict=True))

    def import_channels(self) -> list[ImportChannel]:
        """Licensed import products, then grey-market ones."""
        scenario, cal, draw = self.scenario, self.cal, self.draw
        channels = [
            ImportChannel(n, s, f"imports.{n}", cal, draw, self.rows)
            for n, s in scenario.imports.items()
        ]
        return channels + [
            ImportChannel(n, s, f"grey_market.{n}", cal, draw, self.rows, True)
            for n, s in scenario.grey_market.items()
        ]

    def buyer_segments(
        self, targets: dict[str, np.ndarray]
    ) -> tuple[list[BuyerSegment], np.ndarray]:
        """Segments with demand = national demand x their normalised share; the shares (R, S)."""
        scenario, draw = self.scenario, self.draw
        demand = national_demand(scenario.demand, self.cal, draw)
        raw = np.stack(
            [
                draw(f"segments.{n}.demand_share", s.demand_share)
                for n, s in scenario.segments.items()
            ],
            axis=1,
        )
        shares = raw / np.maximum(raw.sum(axis=1, keepdims=True), 1e-300)
        options = SegmentOptions(
            self.cal,
            self.rows,
            int(scenario.market.backlog_months.central),
            self.env,
            priced=scenario.demand.budget_usd is not None,
        )
        segments = [
            BuyerSegment(n, s, targets[n], (demand, shares[:, i].copy()), draw, options)
            for i, (n, s) in enumerate(scenario.segments.items())
        ]
        return segments, shares

    def initial_installed(self, shares: np.ndarray) -> dict[str, np.ndarray]:
        """Installed domestic and imported units at the start, split like demand, (S, R)."""
        demand = self.scenario.demand
        dom = self.draw("demand.initial_domestic_installed", demand.initial_domestic_installed)
        imp = self.draw("demand.initial_import_installed", demand.initial_import_installed)
        return {"domestic": (dom[:, None] * shares).T, "import": (imp[:, None] * shares).T}

    def watchers(self) -> list[Watcher]:
        """Every actor that reacts to timeline entries (it has ``dated`` and ``watch``)."""
        products = [p for v in self.vendors for p in v.products]
        return [*self.foundries.values(), *products, self.hbm, *self.channels, self.rules]

    def start(self) -> None:
        """Schedule the timeline, join every actor to its steps of the month and start it."""
        env, clock = self.env, self.clock
        for actor in self.watchers():
            for key, steps in actor.dated().items():
                self.timeline.add(key, steps)
                env.process(actor.watch(self.timeline, key))
        if self.rows.rows < self.rows.levels and self.rows.part_step is not None:
            self.timeline.add(PART, np.asarray(self.rows.part_step))
            env.process(part_levels(self.timeline, self.rows))
        market = self.market
        processes = (
            [f.produce(clock) for f in self.foundries.values()]
            + [self.hbm.supply(clock)]
            + [c.offer(clock) for c in self.channels]
            + [s.procure(clock, market) for s in self.segments]
            + [v.produce(clock, market) for v in self.vendors]
            + [market.clear(clock), self.recorder.record(clock)]
        )
        if self.investor is not None:
            processes.append(self.investor.invest(clock, market))
        for process in processes:  # each joins the steps sim.model.month.MONTH gives it
            clock.start(process)
        env.process(clock.tick())

    def run(self) -> EnsembleResult:
        """Advance the whole ensemble through the calendar; return the result.

        Raises RuntimeError if the run ends before the calendar does (an actor stalled).
        """
        self.env.run(until=self.cal.months)  # what is due after the calendar never happens
        self.clock.check(self.cal.label)
        recorder = self.recorder
        return EnsembleResult(
            recorder.rows,
            stack_years(recorder.per_replication, len(self.levels)),
            self.levels,
            self.cal.years,
            self.conservation(),
            recorder.kept_quarters(),
            recorder.quarters,
        )

    def conservation(self) -> dict[str, np.ndarray]:
        """Vendors' chips and buyers' orders over the run: (L, R) each.

        Chips, summed over vendors and products: ``started == in_progress +
        stock + delivered``. Orders (H100e), summed over segments:
        ``orders_placed == orders_filled + orders_offshore + orders_abandoned
        + orders_waiting`` (see :class:`sim.model.segments.OrderBook`).
        """
        shape = (len(self.levels), self.draw.count)
        books = [s.book for s in self.segments]
        sums = {
            "started": [w.added for v in self.vendors for w in v.work],
            "in_progress": [w.level() for v in self.vendors for w in v.work],
            "stock": [v.finished.level.sum(0) for v in self.vendors],
            "delivered": [t.sum(0) for t in present(v.finished.taken for v in self.vendors)],
            "orders_placed": [b.placed for b in books],
            "orders_filled": [b.filled for b in books],
            "orders_offshore": [b.offshore for b in books],
            "orders_abandoned": [b.abandoned for b in books],
            "orders_waiting": [s.backlog.total() for s in self.segments],
        }
        return {name: np.broadcast_to(sum(parts), shape).copy() for name, parts in sums.items()}


def part_levels(timeline: Timeline, rows: LevelRows) -> Generator[simpy.Event, Any, None]:
    """SimPy process: when the quota paths first differ, every level gets its own state."""
    yield timeline.on(PART)
    rows.part()
