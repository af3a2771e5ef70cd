"""Domestic vendors: they build to orders from their wafers, banked dies and memory.

Each month a vendor (1) moves the chips whose production finishes now into
its finished stock, (2) works out its capacity: the chips its share of each
foundry's AI wafers could yield, split among its products in production,
plus chips from dies banked abroad, limited by the memory in its own pools,
and (3) once the market has delivered and set how much of the national
capacity the remaining orders need (``plan.utilisation``), starts that share
of every product's capacity, using memory and banked dies as it starts.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import replace
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import simpy

from sim.core.calendar import Calendar, parse_month
from sim.model import paths
from sim.model.deliveries import Deliveries
from sim.model.foundry import Foundry
from sim.model.memory import DEFAULT_POOL, MemoryPool
from sim.model.rng import Draws
from sim.model.state import LevelRows
from sim.model.stats import ratio
from sim.scenario.dist import Dist
from sim.scenario.schema import MemorySource
from sim.scenario.schema import Product as ProductSpec
from sim.scenario.schema import Vendor as VendorSpec

if TYPE_CHECKING:
    from sim.model.clock import Clock
    from sim.model.market import Market
    from sim.model.timeline import Timeline

MAX_LEAD = 24


def whole_months(values: np.ndarray) -> np.ndarray:
    """Lead times as whole months (R,) int, rounded half up."""
    return np.floor(np.asarray(values, dtype=float) + 0.5).astype(np.int64)


class Product:
    """One accelerator design: yield, dies per wafer, memory, performance, price, lead time."""

    def __init__(self, name: str, spec: ProductSpec, here: str, cal: Calendar, draw: Draws):
        self.name, self.here = name, here
        self.launch = int(cal.steps_of(parse_month(spec.available_from or cal.label(0))))
        self.active = np.zeros(draw.count, dtype=bool)  # launched and not retired
        self.retired = (
            None
            if spec.retired_from is None
            else cal.steps_of(draw(f"{here}.retired_from", spec.retired_from))
        )
        self.foundries = spec.foundries
        self.memory = spec.memory
        self.curve = yield_curve(spec, f"{here}.yield_curve", draw)
        self.per_wafer = draw(f"{here}.candidates_per_wafer", spec.candidates_per_wafer)
        self.mix = draw(f"{here}.mix", spec.mix)
        self.base_h100e = draw(f"{here}.h100e", spec.h100e)
        self.growth = paths.YearlyGrowth(cal, draw(f"{here}.h100e_growth", spec.h100e_growth))
        self.power_kw = draw(f"{here}.power_kw", spec.power_kw)
        self.price = draw(f"{here}.price_usd", spec.price_usd)
        self.stacks = draw(f"{here}.hbm_stacks", spec.hbm_stacks)
        self.dies_per_chip = draw(f"{here}.banked_dies_per_chip", spec.banked_dies_per_chip)
        self.lead = np.clip(
            whole_months(draw(f"{here}.lead_months", spec.lead_months)), 1, MAX_LEAD
        ).astype(np.int16)  # whole months: int16 holds them
        self.cached: tuple[int, np.ndarray] = (-1, np.zeros(0))  # (year index, H100e)

    def dated(self) -> dict[str, np.ndarray]:
        """Timeline entries: the launch and, if any, the end of production."""
        entries = {f"{self.here}.launch": np.asarray(self.launch)}
        if self.retired is not None:
            entries[f"{self.here}.retired"] = self.retired
        return entries

    def watch(self, timeline: Timeline, key: str) -> Generator[simpy.Event, Any, None]:
        """SimPy process: the product enters production at launch and leaves it when retired."""
        launched = key.endswith(".launch")
        while True:
            mask = yield timeline.on(key)
            self.active = np.where(mask, launched, self.active)

    def yield_at(self, t: int) -> np.ndarray:
        """Good-package yield in month ``t``, (R,)."""
        gap, ceiling, tau = self.curve
        good: np.ndarray = ceiling - gap * np.exp(-max(t - self.launch, 0) / tau)
        return good

    def h100e_at(self, t: int) -> np.ndarray:
        """Return performance per chip in month ``t``, H100e (R,), made once a year."""
        year = self.growth.index[t]
        if self.cached[0] != year:
            self.cached = (year, self.base_h100e * self.growth.factor(year))
        return self.cached[1]


def yield_curve(spec: ProductSpec, here: str, draw: Draws) -> tuple[np.ndarray, ...]:
    """Draw the yield curve ``ceiling - (ceiling - start) * exp(-age / tau)``.

    Returns (ceiling - start, ceiling, tau); ``age`` is months since launch.
    """
    start = draw(f"{here}.start", spec.yield_curve.start)
    ceiling = np.maximum(start, draw(f"{here}.ceiling", spec.yield_curve.ceiling))
    tau = draw(f"{here}.learning_months", spec.yield_curve.learning_months)
    return ceiling - start, ceiling, tau


class Works(NamedTuple):
    """What a vendor works with: foundries, level rows of its stocks, memory rule, environment.

    ``memory_rule`` is an HBM rule from :data:`sim.model.policies.HBM_RULES`
    (``[memory] allocation``): how each pool's stacks are shared among the
    products drawing on it.
    """

    foundries: dict[str, Foundry]
    levels: LevelRows
    memory_rule: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    env: simpy.Environment  # where chips started are delivered after their lead times


class Vendor:
    """A domestic designer: capacity from wafers, banked dies and memory; builds to orders.

    Stocks: ``finished`` chips (products, levels, R), work in progress per
    product (:class:`~sim.model.deliveries.Deliveries`: SimPy delivers it after
    its lead time), banked dies (levels, R) and its memory pools. Invariant:
    chips started = in progress + finished + delivered.
    """

    def __init__(self, name: str, spec: VendorSpec, cal: Calendar, draw: Draws, works: Works):
        self.name = name
        foundries, levels, self.rule, _ = works
        here = f"vendors.{name}"
        self.products = [
            Product(p, s, f"{here}.products.{p}", cal, draw) for p, s in spec.products.items()
        ]
        self.shares = {
            f: (foundries[f], draw(f"{here}.wafer_share.{f}", share))
            for f, share in spec.wafer_share.items()
        }
        self.pools = {
            p: MemoryPool(p, s, f"{here}.memory.{p}", cal, draw, levels)
            for p, s in spec.memory.items()
        }
        self.banked = levels.stock(replications=draw.count)
        self.banked.put(draw(f"{here}.banked_dies", spec.banked_dies)[None, :])
        self.banked_per_month = draw(f"{here}.banked_dies_per_month", spec.banked_dies_per_month)
        self.inventory_months = draw(f"{here}.inventory_months", spec.inventory_months)
        # finished chips delivered (taken) are a conservation total: always kept
        self.finished = levels.stock(
            len(self.products), replications=draw.count, track=True if levels.track else ("taken",)
        )
        depth = int(max(p.lead.max() for p in self.products)) + 1
        # chips started (added) are a conservation total; chips finished are kept as tracked
        self.work = [
            levels.hold(
                Deliveries(works.env, depth, (levels.rows, draw.count), p.lead, levels.track)
            )
            for p in self.products
        ]
        self.capacity: Capacity | None = None
        # whether any product packages banked dies in any replication
        self.packs_dies = any(bool(np.any(p.dies_per_chip > 0)) for p in self.products)
        # foundry -> which products are made there, (products, 1)
        self.made_at = {
            f: np.array([[not p.foundries or f in p.foundries] for p in self.products], dtype=float)
            for f in self.shares
        }
        # pool -> the products drawing on it: a slice (a view, not a copy) when they are
        # listed together, else their indices; None when none does
        self.members = {
            name: members_of([i for i, p in enumerate(self.products) if p.memory == name])
            for name in self.pools
        }

    def produce(self, clock: Clock, plan: Market) -> Generator[simpy.Event, Any, None]:
        """SimPy process: finish chips due, state capacity, start what the plan asks."""
        while True:
            month = yield clock.next_month()
            yield month.turn("capacity")
            self.capacity = self.capacity_at(month.t)
            month.done("capacity")
            yield month.turn("completed")
            for i, work in enumerate(self.work):  # row by row: the same sums as one stack
                self.finished.put_row(i, work.finish(month.t))
            month.done("completed")
            yield month.turn("started")
            assert plan.utilisation is not None  # the market plans before production starts
            self.start(month.t, plan.utilisation)
            month.done("started")

    def candidates_at(self, t: int) -> np.ndarray:
        """Chips each product's wafers could yield in month ``t``, (products, levels, R).

        At each foundry the vendor's wafers go to its products in production
        made there, in proportion to their mix weights. A foundry's wafers
        are (R,) or, once investment adds to them, (levels, R); the level
        axis is 1 while no foundry's wafers have one.
        """
        count = len(self.products[0].active)
        weights = np.stack([p.mix * p.active for p in self.products])
        curves = np.stack([p.yield_at(t) for p in self.products])
        per_wafer = np.stack([np.broadcast_to(p.per_wafer, (count,)) for p in self.products])
        wafers = {
            f: np.atleast_2d(foundry.wafers * share)  # (1 or levels, R)
            for f, (foundry, share) in self.shares.items()
        }
        rows = max((w.shape[0] for w in wafers.values()), default=1)
        total = np.zeros((len(self.products), rows, count))
        term = np.empty_like(total)
        for fname, (foundry, _) in self.shares.items():
            mine = weights * self.made_at[fname]
            weight = mine.sum(axis=0)
            part = np.divide(mine, weight, out=np.zeros_like(mine), where=weight > 0)
            yields = np.minimum(1.0, curves * foundry.yield_factor)
            # ((part x wafers) x per wafer) x yield, foundry by foundry in the order of
            # old, added to zeros in place: the same bits as a sum of new arrays
            np.multiply(part[:, None], wafers[fname][None], out=term)
            term *= per_wafer[:, None]
            term *= yields[:, None]
            total += term
        return total

    def banked_chips(self) -> np.ndarray:
        """Chips this month's packaging could make from banked dies, (products, levels, R)."""
        users = np.stack([p.active & (p.dies_per_chip > 0) for p in self.products])
        if not users.any():  # no product packages banked dies: zeros, as below
            return np.zeros((len(self.products), *self.banked.level.shape))
        count = users.sum(axis=0)
        dies = np.minimum(self.banked.level, self.banked_per_month)
        each = np.divide(dies, count, out=np.zeros_like(dies), where=count > 0)
        per_chip = np.stack([np.maximum(p.dies_per_chip, 1e-12) for p in self.products])
        return np.where(users[:, None], each[None] / per_chip[:, None], 0.0)

    def capacity_at(self, t: int) -> Capacity:
        """Work out this month's capacity: candidates, and what memory lets through."""
        banked = self.banked_chips()
        wanted = self.candidates_at(t) + banked
        h100e = np.stack([p.h100e_at(t) for p in self.products])
        fraction = np.ones_like(wanted)
        for name, pool in self.pools.items():
            members = self.members[name]
            if members is not None and not pool.free:  # a free pool leaves the ones
                fraction[members] = self.memory_fraction(pool, members, wanted, h100e)
        return Capacity(wanted, wanted * fraction, banked * fraction, h100e)

    def memory_fraction(
        self, pool: MemoryPool, members: list[int] | slice, wanted: np.ndarray, h100e: np.ndarray
    ) -> np.ndarray:
        """Return the share of ``members``' wanted chips their pool allows, (members, L, R).

        ``members``: the products' indices, a list or a slice.
        """
        picked = (
            self.products[members]
            if isinstance(members, slice)
            else [self.products[i] for i in members]
        )
        stacks = np.stack([p.stacks for p in picked])
        need = wanted[members] * stacks[:, None]
        if pool.free:
            return np.ones_like(need)
        if len(need) == 1:  # one product: it gets what the pool holds, up to its need
            share: np.ndarray = np.minimum(ratio(pool.available()[None], need, 1.0), 1.0)
            return share
        value = h100e[members][:, None] / np.maximum(stacks[:, None], 1e-12)  # (members, 1, R)
        limit = np.broadcast_to(pool.available(), need.shape[1:])
        granted = self.rule(need, value, limit)
        share = np.divide(granted, need, out=np.ones_like(need), where=need > 0)
        return share

    def planned(self) -> Capacity:
        """Return this month's capacity (set at the month's start, gone once production starts)."""
        assert self.capacity is not None  # asked for between capacity_at and start
        return self.capacity

    def start(self, t: int, utilisation: np.ndarray) -> None:
        """Start ``utilisation`` (levels, R) of every product's capacity."""
        cap = self.planned()
        units = cap.chips * utilisation[None]
        for i in range(len(self.products)):
            self.work[i].start(t, units[i])
        if self.packs_dies:  # else every product's term is 0: taking 0 leaves the stock
            dies = sum(
                cap.banked[i] * utilisation * p.dies_per_chip for i, p in enumerate(self.products)
            )
            self.banked.take(dies)
        for name, pool in self.pools.items():
            stacks = sum(
                units[i] * p.stacks for i, p in enumerate(self.products) if p.memory == name
            )
            if not isinstance(stacks, int):
                pool.use(stacks)
        self.capacity = None

    def warm_start(self, utilisation: np.ndarray) -> np.ndarray:
        """Fill work in progress and stock as if the vendor had run before the calendar.

        A run starts mid-stream: chips started in the months before the
        first, at ``utilisation`` (levels, R) of this month's capacity, finish
        in its first months. They used memory and dies before the calendar,
        so they draw on neither here. Returns the H100e in progress by months
        still to go, (depth, levels, R): how much of the segments' standing
        orders it covers.
        """
        cap = self.planned()
        covered = np.zeros((self.work[0].depth, *utilisation.shape))
        for i, (p, work) in enumerate(zip(self.products, self.work, strict=True)):
            work.prefill(cap.chips[i] * utilisation)
            monthly = cap.chips[i] * utilisation * cap.h100e[i]
            for age in range(1, len(covered)):
                covered[age] += np.where(p.lead >= age, monthly, 0.0)
        return covered

    def in_progress(self) -> np.ndarray:
        """Units in progress per product, (products, levels, R)."""
        return np.stack([w.level() for w in self.work])

    def deliver(self, fraction: np.ndarray) -> np.ndarray:
        """Hand ``fraction`` (levels, R) of every product's finished stock to the market."""
        return self.finished.take_fraction(fraction[None])


def members_of(indices: list[int]) -> slice | list[int] | None:
    """Return ``indices`` as a slice when they run consecutively (None when there are none)."""
    if not indices:
        return None
    if indices == list(range(indices[0], indices[-1] + 1)):
        return slice(indices[0], indices[-1] + 1)
    return indices


class Capacity:
    """A vendor's capacity this month (products, levels, R), and what limits it."""

    def __init__(
        self, wanted: np.ndarray, chips: np.ndarray, banked: np.ndarray, h100e: np.ndarray
    ):
        self.wanted = wanted  # chips wafers and banked dies allow
        self.chips = chips  # of which memory (and packaging, once packaged) lets through
        self.banked = banked  # of those, from banked dies
        self.h100e = h100e  # (products, R)

    def packaged(self, fraction: np.ndarray) -> Capacity:
        """Return this capacity with chips and banked chips cut to ``fraction`` (levels, R)."""
        return Capacity(
            self.wanted, self.chips * fraction[None], self.banked * fraction[None], self.h100e
        )

    def compute(self) -> np.ndarray:
        """H100e the capacity could make, (levels, R)."""
        compute: np.ndarray = (self.chips * self.h100e[:, None]).sum(axis=0)
        return compute


def default_pool(spec: VendorSpec) -> VendorSpec:
    """``spec`` with an "hbm" pool (an equal claim on national HBM) if it declares none."""
    if spec.memory:
        return spec
    share = Dist.fixed(1.0)
    return replace(
        spec, memory={DEFAULT_POOL: MemorySource(stockpile_share=share, domestic_share=share)}
    )
