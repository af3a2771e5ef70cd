"""Build the actors from a scenario and advance the whole ensemble in one SimPy run.

Every state array has shape (levels, replications, ...) or (replications,
...): quota levels and replications are array axes, never loops. Random draws
have no level axis, so all levels share them (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

from sim.calendar import Calendar, parse_month
from sim.model.foundry import Foundry
from sim.model.imports import ImportChannel
from sim.model.market import Market
from sim.model.memory import HbmPool
from sim.model.policies import ALLOCATION_RULES
from sim.model.recorder import Recorder
from sim.model.segments import BuyerSegment, national_demand
from sim.model.vendor import Vendor
from sim.rng import Draws, Streams
from sim.scenario.schema import Scenario


@dataclass
class EnsembleResult:
    """What a run produces: summary rows and national per-replication values."""

    rows: list[tuple]
    replicates: dict[str, np.ndarray]
    levels: list[str]
    years: list[int]
    conservation: dict[str, np.ndarray]


def calendar_of(scenario: Scenario) -> Calendar:
    """The scenario's calendar."""
    return Calendar(parse_month(scenario.calendar.start), parse_month(scenario.calendar.end))


def simulate(scenario: Scenario, replications: int | None = None, seed: int | None = None,
             levels: list[str] | None = None, first: int = 0) -> EnsembleResult:
    """Run replications ``first .. first + replications`` at every quota level."""
    cal = calendar_of(scenario)
    levels = list(levels or scenario.run.quota_levels)
    count = replications or scenario.run.replications
    draw = Draws(Streams(scenario.run.seed if seed is None else seed), count, first)
    env = simpy.Environment()
    actors = build(scenario, cal, draw, levels)
    for name, actor in actors:
        env.process(getattr(actor, name)(env, cal.months))
    env.run()
    recorder = actors[-1][1]
    vendors = [a for n, a in actors if n == "ship"]
    return EnsembleResult(recorder.rows, recorder.replicates(), levels, cal.years,
                          conservation_check(vendors))


def build(scenario: Scenario, cal: Calendar, draw: Draws, levels: list[str]) -> list:
    """Every actor paired with the name of its process method, in phase order."""
    foundries = {n: Foundry(n, s, cal, draw) for n, s in scenario.foundries.items()}
    vendors = [Vendor(n, s, cal, draw, foundries, len(levels)) for n, s in scenario.vendors.items()]
    hbm = HbmPool(scenario.memory, cal, draw, vendors)
    channels = [ImportChannel(n, s, f"imports.{n}", cal, draw, len(levels),
                              [(e, ev) for e, ev in scenario.events.items()
                               if ev.product == n and ev.enabled])
                for n, s in scenario.imports.items()]
    channels += [ImportChannel(n, s, f"grey_market.{n}", cal, draw, len(levels), [])
                 for n, s in scenario.grey_market.items()]
    segments, shares = build_segments(scenario, cal, draw, levels)
    market = Market(segments, vendors, channels, ALLOCATION_RULES[scenario.run.allocation])
    installed = initial_installed(scenario, draw, shares, len(levels))
    recorder = Recorder(cal, market, levels, installed)
    return ([("produce", f) for f in foundries.values()] + [("ship", v) for v in vendors]
            + [("package", hbm)] + [("offer", c) for c in channels]
            + [("procure", s) for s in segments] + [("clear", market), ("record", recorder)])


def build_segments(scenario: Scenario, cal: Calendar, draw: Draws, levels: list[str]):
    """Segments with demand = national demand x their normalised share."""
    demand = national_demand(scenario.demand, cal, draw)
    raw = np.stack([draw(f"segments.{n}.demand_share", s.demand_share)
                    for n, s in scenario.segments.items()], axis=1)
    shares = raw / np.maximum(raw.sum(axis=1, keepdims=True), 1e-300)
    backlog = int(scenario.market.backlog_months.central)
    segments = [BuyerSegment(n, s, cal, draw, demand * shares[:, i:i + 1], levels,
                             scenario.run.lever_start, backlog)
                for i, (n, s) in enumerate(scenario.segments.items())]
    return segments, shares


def initial_installed(scenario: Scenario, draw: Draws, shares: np.ndarray, levels: int):
    """Installed domestic and imported units at the start, split like demand."""
    dom = draw("demand.initial_domestic_installed", scenario.demand.initial_domestic_installed)
    imp = draw("demand.initial_import_installed", scenario.demand.initial_import_installed)
    shape = (shares.shape[1], levels, shares.shape[0])
    return (np.broadcast_to((dom[:, None] * shares).T[:, None], shape).copy(),
            np.broadcast_to((imp[:, None] * shares).T[:, None], shape).copy())


def conservation_check(vendors: list[Vendor]) -> dict[str, np.ndarray]:
    """Produced, delivered and left in stock, summed over vendors: (L, R) each."""
    stock = sum(v.stock.sum(0) for v in vendors)
    return {"produced": np.broadcast_to(sum(v.produced.sum(0) for v in vendors), stock.shape),
            "delivered": sum(v.delivered.sum(0) for v in vendors), "stock": stock}
