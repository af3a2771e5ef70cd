"""Memory for domestic accelerators: national HBM supply and each vendor's own pools.

Before the US HBM controls, HBM is bought abroad freely and never limits
output. Buyers learn of the controls first (``memory.announced``) and buy
ahead until they take effect (``memory.controls``): the stock held at the
announcement plus what the rush brings is the pre-control stockpile. From
the controls on, chips draw on it and on domestic (CXMT) output. Every
vendor holds its own pools (``[vendors.<v>.memory.<pool>]``): its share of
the stockpile, its share of domestic output, and any memory of its own (such
as Huawei's HiBL), so one vendor's products cannot starve another's.
Memory is used when a chip is started for an order, not before.

With a plan (``memory.ration_months``), vendors draw the stockpile over a
horizon instead of as fast as dies allow: each month from the controls on,
a pool may use its flow (domestic output, own memory) and an allowance of
``stockpile / max(end - t, 1)``, where ``end`` is the controls' month plus the
plan's months; from ``end`` on, all that remains.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.core.calendar import Calendar, parse_month
from sim.model import paths
from sim.model.foundry import years
from sim.model.rng import Draws
from sim.model.state import LevelRows
from sim.scenario.schema import Memory, MemorySource

if TYPE_CHECKING:
    from sim.model.clock import Clock
    from sim.model.investment import Capacity
    from sim.model.timeline import Timeline

DEFAULT_POOL = "hbm"


class MemoryPool:
    """One vendor's pool of memory stacks, (levels, R); unlimited while ``free``.

    Two stocks: the ``stockpile`` (pre-control stacks credited by
    :meth:`credit`, drawn on the plan) and the ``flow`` (domestic output and
    own memory from :meth:`receive`, usable at once). Without a plan
    (``end`` None) credits go to the flow, so everything held is usable, as
    one stock. Invariants (checked in tests): stacks used never exceed what
    came in; credited + received = used + flow + stockpile; the month's
    ``allowance`` never exceeds the stockpile.
    """

    def __init__(
        self,
        name: str,
        spec: MemorySource,
        here: str,
        cal: Calendar,
        draw: Draws,
        levels: LevelRows,
    ):
        self.name = name
        self.imported = spec.imported
        self.free = spec.imported  # imported memory is bought freely until the controls
        self.own = paths.YearSteps(
            cal, years(spec.own_stacks, f"{here}.own_stacks", draw), draw.count, before=0.0
        )
        self.stockpile = levels.stock(replications=draw.count)
        self.flow = levels.stock(replications=draw.count)
        self.end: np.ndarray | None = None  # (R,) step from which the whole stockpile is free
        self.allowance = np.zeros((1, draw.count))  # stacks of the stockpile usable this month

    def plan(self, end: np.ndarray) -> None:
        """Ration the stockpile: spread what is left evenly over the months before ``end`` (R,)."""
        self.end = np.asarray(end)

    def credit(self, stacks: np.ndarray) -> None:
        """Add pre-control stacks (levels, R): to the stockpile under a plan, else to the flow."""
        (self.flow if self.end is None else self.stockpile).put(stacks)

    def receive(self, t: int, domestic: np.ndarray | float) -> None:
        """Add month ``t``'s own output and domestic share; set the month's allowance."""
        self.flow.put(self.own.at(t) / 12.0 + domestic)  # (R,) or (levels, R), broadcast
        if self.end is not None:
            self.allowance = self.stockpile.level / np.maximum(self.end - t, 1)

    def available(self) -> np.ndarray:
        """Stacks usable this month, (levels, R): the flow plus the stockpile's allowance."""
        return self.flow.level + self.allowance if self.end is not None else self.flow.level

    def limit(self, need: np.ndarray) -> np.ndarray:
        """Stacks available against ``need`` (any shape ending (levels, R))."""
        return need if self.free else np.broadcast_to(self.available(), need.shape[-2:])

    def use(self, stacks: np.ndarray) -> None:
        """Take ``stacks`` (levels, R) used for chips started: the flow first, then the stockpile.

        Nothing is taken while free.
        """
        if self.free:
            return
        if self.end is None:
            self.flow.take(stacks)
            return
        rest = np.maximum(stacks - self.flow.level, 0.0)
        self.flow.take(stacks)
        self.stockpile.take(rest)
        self.allowance = np.maximum(self.allowance - rest, 0.0)


class HbmSupply:
    """The national HBM stockpile and domestic output, shared among vendors' pools.

    ``pools`` are (pool, stockpile share, domestic share) with shares (R,)
    already normalised over every vendor, so the stockpile and each month's
    domestic output are split, not duplicated.
    """

    ANNOUNCED, CONTROLS = "memory.announced", "memory.controls"

    def __init__(
        self,
        spec: Memory,
        cal: Calendar,
        draw: Draws,
        pools: list[tuple[MemoryPool, np.ndarray, np.ndarray]],
    ):
        self.pools = pools
        self.controls_step = cal.steps_of(parse_month(spec.controls_from))
        announced = spec.controls_announced or spec.controls_from
        self.announced_step = cal.steps_of(parse_month(announced))
        self.held = draw("memory.stockpile_stacks", spec.stockpile_stacks)
        self.rush = draw("memory.rush_stacks", spec.rush_stacks)
        self.domestic = paths.YearSteps(
            cal, years(spec.domestic_stacks, "memory.domestic_stacks", draw), draw.count
        )
        self.controlled = False
        self.growth: Capacity | None = None  # stacks a month added by investment, if any
        if spec.ration_months is not None:
            self.ration(draw("memory.ration_months", spec.ration_months))

    def ration(self, months: np.ndarray) -> None:
        """Put every imported pool on a plan ending ``months`` (R,) after the controls.

        Months are whole, rounded half up, at least one.
        """
        end = self.controls_step + np.maximum(np.floor(np.asarray(months) + 0.5), 1.0)
        for pool, _, _ in self.pools:
            if pool.imported:
                pool.plan(end)

    def dated(self) -> dict[str, np.ndarray]:
        """Timeline entries: the announcement, then the controls."""
        return {
            self.ANNOUNCED: np.asarray(self.announced_step),
            self.CONTROLS: np.asarray(self.controls_step),
        }

    def watch(self, timeline: Timeline, key: str) -> Generator[simpy.Event, Any, None]:
        """SimPy process: credit the stock held at the announcement, then the rush, and bind.

        Imported pools do not limit output before the controls, so what they
        hold only starts to count when the controls take effect.
        """
        yield timeline.on(key)
        bought = self.held if key == self.ANNOUNCED else self.rush
        for pool, stockpile_share, _ in self.pools:
            if pool.imported:
                pool.credit((bought * stockpile_share)[None, :])
                pool.free = pool.free and key != self.CONTROLS
        self.controlled = self.controlled or key == self.CONTROLS

    def supply(self, clock: Clock) -> Generator[simpy.Event, Any, None]:
        """SimPy process: at each month's start, bring the month's memory into the pools."""
        while True:
            month = yield clock.next_month()
            yield month.turn("supplied")
            self.deliver(month.t)
            month.done("supplied")

    def monthly(self, t: int) -> np.ndarray:
        """Domestic stacks a month the scenario's path gives for month ``t``, (R,)."""
        return self.domestic.at(t) / 12.0

    def deliver(self, t: int) -> None:
        """Month ``t``'s domestic output (from the controls on) and own memory into the pools.

        Output is the path's plus what investment added ((levels, R) then).
        """
        output: np.ndarray | float = 0.0
        if self.controlled:
            output = self.monthly(t) if self.growth is None else self.growth.at(t)
        for pool, _, domestic_share in self.pools:
            pool.receive(t, output * domestic_share if pool.imported else 0.0)


def normalised(columns: list[np.ndarray]) -> list[np.ndarray]:
    """Shares (R,) rescaled to sum to 1 over the list where their sum is positive."""
    if not columns:
        return []
    total = np.sum(columns, axis=0)
    return [
        np.divide(c, total, out=np.zeros_like(total, dtype=float), where=total > 0) for c in columns
    ]
