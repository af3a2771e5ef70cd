"""Build the actors from a scenario and advance the whole ensemble in one SimPy run.

Every state array has shape (levels, replications, ...) or (replications,
...): quota levels and replications are array axes, never loops. Random draws
have no level axis, so all levels share them (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import simpy

from sim.calendar import Calendar, parse_month
from sim.model.clock import PHASE
from sim.model.foundry import Foundry
from sim.model.imports import ImportChannel
from sim.model.ledger import Ledger
from sim.model.levels import LevelSplit, first_divergence, shared_rows
from sim.model.market import Market
from sim.model.memory import HbmPool
from sim.model.parallel import release_free_memory, run_grouped
from sim.model.policies import ALLOCATION_RULES
from sim.model.recorder import Recorder, stack_years
from sim.model.segments import BuyerSegment, national_demand, quota_paths
from sim.model.vendor import Vendor
from sim.rng import Draws, Streams
from sim.scenario.schema import Scenario


@dataclass
class EnsembleResult:
    """What a run produces: summary rows and national per-replication values.

    ``kept`` holds the national quarterly metrics asked for with ``keep``, per
    replication: metric -> (levels, R, quarters), labelled by ``quarters``.
    """

    rows: list[tuple]
    replicates: dict[str, np.ndarray]
    levels: list[str]
    years: list[int]
    conservation: dict[str, np.ndarray]
    kept: dict[str, np.ndarray] = field(default_factory=dict)
    quarters: list[str] = field(default_factory=list)


def calendar_of(scenario: Scenario) -> Calendar:
    """Return the scenario's calendar."""
    return Calendar(parse_month(scenario.calendar.start), parse_month(scenario.calendar.end))


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
    :func:`sim.model.recorder.narrow`): half the memory, for runs whose
    replicates are only written out.
    """
    levels = list(levels or scenario.run.quota_levels)
    count = replications or scenario.run.replications

    def one_pass(group: list[str], shared: dict | None) -> EnsembleResult:
        return simulate_levels(scenario, count, seed, group, first, tuple(keep), pinned, narrow,
                               shared)

    return run_grouped(one_pass, levels, count, workers)


def simulate_levels(scenario: Scenario, count: int, seed: int | None, levels: list[str],
                    first: int, keep: tuple[str, ...], pinned: dict[str, np.ndarray] | None,
                    narrow: bool = False, shared: dict | None = None) -> EnsembleResult:
    """One SimPy run advancing ``count`` replications at ``levels`` together.

    ``shared`` is another level group's per-replication values, see
    :func:`sim.model.parallel.run_grouped`.
    """
    cal = calendar_of(scenario)
    draw = Draws(Streams(scenario.run.seed if seed is None else seed), count, first, pinned)
    env = simpy.Environment()
    actors = build(scenario, cal, draw, levels, keep, narrow, shared)
    for name, actor in actors:
        env.process(getattr(actor, name)(env, cal.months))
    env.process(release_memory(env, cal))
    env.run()
    recorder = actors[-1][1]
    result = EnsembleResult(recorder.rows, {}, levels, cal.years,
                            conservation_check([a for n, a in actors if n == "ship"],
                                               len(levels)),
                            recorder.kept_quarters(), recorder.quarters)
    per_replication = recorder.per_replication
    del env, actors, recorder  # the model's state goes before the yearly values are stacked
    result.replicates = stack_years(per_replication, len(levels))
    return result


def build(scenario: Scenario, cal: Calendar, draw: Draws, levels: list[str],
          keep: tuple[str, ...] = (), narrow: bool = False, shared: dict | None = None) -> list:
    """Every actor paired with the name of its process method, in phase order.

    Actors hold one level row while every level's quota path agrees; the
    first actor, a :class:`LevelSplit`, gives them all levels when they part.
    ``narrow`` is :func:`simulate`'s, ``shared`` :func:`simulate_levels`'.
    """
    step = split_step(scenario, cal, levels)
    rows = shared_rows(step, len(levels))
    foundries = {n: Foundry(n, s, cal, draw) for n, s in scenario.foundries.items()}
    vendors = [Vendor(n, s, cal, draw, foundries, rows) for n, s in scenario.vendors.items()]
    hbm = HbmPool(scenario.memory, cal, draw, vendors)
    channels = [ImportChannel(n, s, f"imports.{n}", cal, draw, rows,
                              [(e, ev) for e, ev in scenario.events.items()
                               if ev.product == n and ev.enabled])
                for n, s in scenario.imports.items()]
    channels += [ImportChannel(n, s, f"grey_market.{n}", cal, draw, rows, [])
                 for n, s in scenario.grey_market.items()]
    segments, shares = build_segments(scenario, cal, draw, levels, rows)
    ledger = Ledger(initial_installed(scenario, draw, shares, rows))
    del shares
    market = Market(segments, vendors, channels, ALLOCATION_RULES[scenario.run.allocation],
                    ledger)
    recorder = Recorder(cal, market, levels, keep, narrow, shared)
    splitter = LevelSplit(step, len(levels), [*vendors, *channels, *segments, recorder])
    return ([("split", splitter)] + [("produce", f) for f in foundries.values()]
            + [("ship", v) for v in vendors] + [("package", hbm)]
            + [("offer", c) for c in channels] + [("procure", s) for s in segments]
            + [("clear", market), ("record", recorder)])


def release_memory(env: simpy.Environment, cal: Calendar):
    """SimPy process: after each quarter is recorded, return freed heap memory to the system.

    Month after month, numpy's freed arrays leave holes in the heap that the
    allocator keeps; handing them back bounds the process's resident memory.
    """
    for t in range(cal.months):
        if cal.is_period_end(t, 3):
            yield env.timeout(t + PHASE["release"] - env.now)
            release_free_memory()


def split_step(scenario: Scenario, cal: Calendar, levels: list[str]) -> int | None:
    """Return the first month at which the levels' quota paths differ (None: never)."""
    return first_divergence([quota_paths(cal, s.quota.points if s.quota else None, levels,
                                         scenario.run.lever_start)
                             for s in scenario.segments.values()])


def build_segments(scenario: Scenario, cal: Calendar, draw: Draws, levels: list[str],
                   rows: int | None = None):
    """Segments with demand = national demand x their normalised share."""
    demand = national_demand(scenario.demand, cal, draw)
    raw = np.stack([draw(f"segments.{n}.demand_share", s.demand_share)
                    for n, s in scenario.segments.items()], axis=1)
    shares = raw / np.maximum(raw.sum(axis=1, keepdims=True), 1e-300)
    backlog = int(scenario.market.backlog_months.central)
    segments = [BuyerSegment(n, s, cal, draw, (demand, shares[:, i].copy()), levels,
                             scenario.run.lever_start, backlog, rows)
                for i, (n, s) in enumerate(scenario.segments.items())]
    return segments, shares


def initial_installed(scenario: Scenario, draw: Draws, shares: np.ndarray, levels: int):
    """Installed domestic and imported units at the start, split like demand."""
    dom = draw("demand.initial_domestic_installed", scenario.demand.initial_domestic_installed)
    imp = draw("demand.initial_import_installed", scenario.demand.initial_import_installed)
    shape = (shares.shape[1], levels, shares.shape[0])
    return (np.broadcast_to((dom[:, None] * shares).T[:, None], shape).copy(),
            np.broadcast_to((imp[:, None] * shares).T[:, None], shape).copy())


def conservation_check(vendors: list[Vendor], levels: int) -> dict[str, np.ndarray]:
    """Sum produced, delivered and left in stock over vendors: (L, R) each."""
    stock = sum(v.stock.sum(0) for v in vendors)
    shape = (levels, stock.shape[-1])
    return {"produced": np.broadcast_to(sum(v.produced.sum(0) for v in vendors), shape),
            "delivered": np.broadcast_to(sum(v.delivered.sum(0) for v in vendors), shape),
            "stock": np.broadcast_to(stock, shape)}
