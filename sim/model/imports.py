"""Import channels: what each foreign product's supplier can ship to China.

A channel's supply each month is its production allocated to China (units
per month, by year) times the US licence share, plus any stock the supplier
(or a distributor) holds for China, all capped by a US volume cap when one
applies. Supply not bought this month is sold elsewhere; the stock carries
over. Which buyers may take it, and how much, is the buyer side
(:mod:`sim.model.rules`); the market brings the two together.
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
from sim.model.vendor import MAX_LEAD, whole_months
from sim.scenario.schema import ImportProduct

if TYPE_CHECKING:
    from sim.model.clock import Clock
    from sim.model.rules import Rule
    from sim.model.timeline import Timeline


class ImportChannel:
    """One foreign product's supplier side: flow, licence, cap and stock for China."""

    def __init__(
        self,
        name: str,
        spec: ImportProduct,
        here: str,
        cal: Calendar,
        draw: Draws,
        levels: LevelRows,
        grey: bool = False,
    ):
        self.name, self.here, self.grey = name, here, grey
        self.offered = paths.YearSteps(
            cal, years(spec.units_per_month, f"{here}.units_per_month", draw), draw.count
        )
        self.h100e = draw(f"{here}.h100e", spec.h100e)
        self.power_kw = draw(f"{here}.power_kw", spec.power_kw)
        self.price = draw(f"{here}.price_usd", spec.price_usd)
        self.lead = np.clip(
            whole_months(draw(f"{here}.lead_months", spec.lead_months)), 0, MAX_LEAD
        )
        self.initial_licence, self.initial_guidance = spec.licence, spec.guidance
        self.approval = spec.approval
        # buyers' order of preference: licensed before smuggled, then H100e per dollar
        self.merit = (not grey, spec.h100e.central / max(spec.price_usd.central, 1.0))
        # licence share and volume cap: one value for every replication until a rule
        # sets them per replication ((1,) then (R,)); no cap (inf) until a cap rule fires
        self.licence = np.full(1, float(spec.licence))
        self.cap = np.full(1, np.inf)
        self.stockpile = draw(f"{here}.stockpile_units", spec.stockpile_units)
        self.stock_step = cal.steps_of(parse_month(spec.stockpile_date or cal.label(0)))
        self.stock = levels.stock(replications=draw.count)
        self.rules: dict[str, Rule] = {}  # supplier-side rules by timeline key
        self.month = 0
        self.response = draw(f"{here}.scarcity_response", spec.scarcity_response)
        self.enforcement = (
            paths.YearSteps(
                cal,
                years(spec.enforcement_cap, f"{here}.enforcement_cap", draw),
                draw.count,
                before=np.inf,
            )
            if spec.enforcement_cap
            else None
        )
        self.responds = grey and (bool(np.any(self.response != 0)) or bool(spec.enforcement_cap))
        # last month's share of national import need not met, (levels or 1, R); in [0, 1]
        self.scarcity = np.zeros((1, draw.count))

    @property
    def stockpile_key(self) -> str:
        """The timeline entry of the stock's arrival."""
        return f"{self.here}.stockpile"

    def dated(self) -> dict[str, np.ndarray]:
        """Timeline entries this channel reacts to: its supplier-side rules and its stock."""
        entries = {key: rule.steps for key, rule in self.rules.items()}
        entries[self.stockpile_key] = np.asarray(self.stock_step)
        return entries

    def watch(self, timeline: Timeline, key: str) -> Generator[simpy.Event, Any, None]:
        """SimPy process: apply each firing of ``key`` (a licence or cap rule, or the stock)."""
        while True:
            mask = yield timeline.on(key)
            if key == self.stockpile_key:
                self.stock.put(self.stockpile[None, :])
            elif self.rules[key].kind == "licence":
                self.licence = np.where(mask, self.rules[key].value, self.licence)
            else:
                self.cap = np.where(mask, self.rules[key].value, self.cap)

    def offer(self, clock: Clock) -> Generator[simpy.Event, Any, None]:
        """SimPy process: at each month's start, publish the month's supply."""
        while True:
            month = yield clock.next_month()
            yield month.turn("offered")
            self.month = month.t
            month.done("offered")

    def available(self) -> np.ndarray:
        """Units buyers could take this month, (levels, R)."""
        flow = self.offered.at(self.month)[None, :]
        if self.responds:
            flow = self.grey_flow(flow)
        licensed = flow + self.stock.level
        licensed *= self.licence
        if self.cap.shape[0] == 1 and self.cap[0] == np.inf:  # min(x, inf) is x, bit for bit
            return licensed
        capped: np.ndarray = np.minimum(licensed, self.cap[None, :], out=licensed)
        return capped

    def grey_flow(self, flow: np.ndarray) -> np.ndarray:
        """Return a grey channel's flow this month: ``min(flow x (1 + response x s), cap)``.

        ``scarcity`` is last month's unmet share of national import need (set
        by the market after clearing); the cap is what enforcement lets
        through (none: no cap). Never above the cap, never below
        ``min(flow, cap)``.
        """
        offered = flow * (1.0 + self.response[None, :] * self.scarcity)
        if self.enforcement is not None:
            offered = np.minimum(offered, self.enforcement.at(self.month)[None, :])
        return offered

    def take(self, units: np.ndarray) -> None:
        """Record ``units`` (levels, R) bought this month: from the stock first.

        Flow not bought is sold elsewhere; only the stock carries over.
        """
        self.stock.take(units)
