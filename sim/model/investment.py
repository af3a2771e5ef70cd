"""Investment: domestic capacity that grows on sustained orders, after a lead time.

Three kinds of capacity answer orders: advanced wafer starts at each domestic
foundry given a ``ceiling``, domestic memory stacks (``memory.ceiling_stacks``)
and national advanced packaging (``[packaging]``). Each month, once the market
has planned (``market.order_book``: the month's new domestic orders and the
national capacity, both H100e a month), the investor

1. smooths both: ``o = o + (orders - o) / smoothing_months``, likewise ``c``;
2. sets each kind's gap: the capacity that would serve the sustained orders,
   ``(base(t) + added) x o / c``, less what is in place and in the pipeline
   (anchoring and adjustment with a supply line, so commitments under way are
   counted and lead times do not make investment overshoot);
3. commits ``response x gap`` (``response``: the share of the gap closed a
   month), within the room its ceiling leaves:
   ``base(t) + added + in pipeline + commitment <= ceiling(t + L)``, the plan's
   ceiling for when the capacity comes on line (``L``: the kind's central lead);
4. sends the commitment on its lead time: a SimPy timeout
   (:class:`sim.model.deliveries.Deliveries`) brings it into the added stock
   when its month comes, where it stays (no retirement).

More orders never lower a gap, so a quota that raises orders raises later
capacity until the ceilings bind.

A commitment made in month ``t`` with lead ``lead`` (whole months, drawn per
replication) is capacity from month ``t + lead`` on. With ``response`` 0 (the
schema's default) nothing is committed and every capacity is today's.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.core.calendar import Calendar
from sim.model import paths
from sim.model.deliveries import Deliveries
from sim.model.foundry import Foundry, years
from sim.model.rng import Draws
from sim.model.state import LevelRows
from sim.model.stats import ratio, total
from sim.model.vendor import whole_months
from sim.scenario.dist import Dist
from sim.scenario.schema import Packaging as PackagingSpec
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.model.clock import Clock
    from sim.model.market import Market
    from sim.model.memory import HbmSupply
    from sim.model.vendor import Capacity as VendorCapacity
    from sim.model.vendor import Vendor

MAX_LEAD = 60  # months: the schema's bound on every lead_months


class Capacity:
    """One capacity that grows by commitments: an added stock and a pipeline, (levels, R).

    ``base(t)`` is the capacity the scenario's paths give (broadcastable to
    (levels, R)); ``ceiling`` bounds commitments. Invariants (tested every
    replication): ``added.level == commitments arrived`` and
    ``pipeline.level() == committed - arrived``.
    """

    def __init__(
        self,
        base: Callable[[int], np.ndarray],
        ceiling: Callable[[int], np.ndarray],
        lead: np.ndarray,
        levels: LevelRows,
        count: int,
        env: simpy.Environment,
    ):
        self.base = base
        self.ceiling = ceiling
        self.lead = np.clip(whole_months(lead), 1, MAX_LEAD).astype(np.int16)  # whole months
        self.added = levels.stock(replications=count, track=True)
        # commitments on their way: each comes on line (into ``added``) when its lead is up
        self.pipeline = levels.hold(
            Deliveries(
                env,
                int(self.lead.max()) + 1,
                (levels.rows, count),
                self.lead,
                receive=self.added.put,
            )
        )

    def commit(self, t: int, wanted: np.ndarray, response: np.ndarray) -> np.ndarray:
        """Commit ``response`` of the gap to ``wanted x current``, within the ceiling; return it.

        ``wanted`` is the capacity the sustained orders need per unit of
        capacity in place (smoothed orders / smoothed capacity), (levels, R).
        """
        current = self.base(t) + self.added.level
        in_pipeline = self.pipeline.level()
        room = np.maximum(self.ceiling(t) - current - in_pipeline, 0.0)
        gap = np.maximum(current * (wanted - 1.0) - in_pipeline, 0.0)
        commitment: np.ndarray = np.minimum(response * gap, room)
        self.pipeline.start(t, commitment)
        return commitment

    def at(self, t: int) -> np.ndarray:
        """Capacity in month ``t``: base plus what investment added, (levels, R)."""
        return self.base(t) + self.added.level


class Investor:
    """The actor that turns the market's order book into capacity commitments.

    ``capacities`` maps a name (``foundries.smic``, ``memory``, ``packaging``)
    to its :class:`Capacity`. The smoothed orders and capacity start at the
    first month's values, so nothing is committed for a gap that is not yet
    sustained only because the averages are empty.
    """

    def __init__(
        self, capacities: dict[str, Capacity], response: np.ndarray, smoothing: np.ndarray
    ):
        self.capacities = capacities
        self.response = response
        self.weight = 1.0 / np.maximum(smoothing, 1.0)  # the moving average's weight, (R,)
        self.orders: np.ndarray | None = None  # smoothed new domestic orders, H100e a month
        self.capacity: np.ndarray | None = None  # smoothed national capacity, H100e a month

    def invest(self, clock: Clock, market: Market) -> Generator[simpy.Event, Any, None]:
        """SimPy process: after the month is planned, commit capacity (on line after its lead)."""
        while True:
            month = yield clock.next_month()
            yield month.turn("invested")
            self.step(month.t, *market.order_book)
            month.done("invested")

    def step(self, t: int, orders: np.ndarray, capacity: np.ndarray) -> None:
        """Update the averages and commit in month ``t`` (SimPy brings it on line later).

        ``orders`` and ``capacity`` are this month's new domestic orders and
        national capacity, H100e (levels, R).
        """
        self.orders = smoothed(self.orders, orders, self.weight)
        self.capacity = smoothed(self.capacity, capacity, self.weight)
        wanted = ratio(self.orders, self.capacity, 1.0)
        for capacity_of_kind in self.capacities.values():
            capacity_of_kind.commit(t, wanted, self.response)


def smoothed(average: np.ndarray | None, value: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """One step of an exponential average (the first value starts it)."""
    if average is None:
        return 0.0 + value
    step: np.ndarray = average + (value - average) * weight
    return step


class Packaging:
    """National advanced packaging: chips a month, shared among vendors by their capacity.

    ``limit`` scales every vendor's capacity chips by one factor so the
    national chips started are at most the packaging capacity: the capacity
    is split among vendors (and products) in proportion to the chips their
    wafers, banked dies and memory allow.
    """

    def __init__(self, spec: PackagingSpec, cal: Calendar, draw: Draws):
        self.path = paths.YearEndLinear(
            cal, years(spec.capacity, "packaging.capacity", draw), draw.count
        )
        self.growth: Capacity | None = None

    def at(self, t: int) -> np.ndarray:
        """Chips that can be packaged in month ``t`` (base plus investment)."""
        return self.path.at(t) if self.growth is None else self.growth.at(t)

    def limit(self, vendors: list[Vendor], t: int) -> None:
        """Scale vendors' capacity this month so national chips fit the packaging capacity."""
        capacities: list[VendorCapacity] = []
        for vendor in vendors:
            assert vendor.capacity is not None  # stated at the month's start
            capacities.append(vendor.capacity)
        chips = total(c.chips.sum(axis=0) for c in capacities)
        fraction = np.minimum(ratio(self.at(t), chips, 1.0), 1.0)
        for vendor, capacity in zip(vendors, capacities, strict=True):
            vendor.capacity = capacity.packaged(fraction)


def build(
    scenario: Scenario,
    cal: Calendar,
    draw: Draws,
    levels: LevelRows,
    parts: tuple[dict[str, Foundry], HbmSupply, Packaging | None],
    env: simpy.Environment,
) -> Investor | None:
    """Make the investor and wire each capacity into its actor; None when nothing can grow.

    ``parts`` are the foundries, the HBM supply and the packaging (None: unlimited).
    A capacity grows only where its scenario gives a ceiling.
    """
    foundries, hbm, packaging = parts
    count = draw.count
    made: dict[str, Capacity] = {}

    def capacity(
        base: Callable[[int], np.ndarray],
        here: str,
        ceiling: Mapping[str, Dist],
        lead: Dist,
        per: float = 1.0,
    ) -> Capacity:
        limit = paths.YearEndLinear(cal, years(ceiling, here, draw), count)
        lead_months = draw(f"{here.rsplit('.', 1)[0]}.lead_months", lead)
        ahead = int(np.floor(lead.central + 0.5))  # plans bound capacity when it comes on line
        return Capacity(
            base,
            lambda t: limit.at(min(t + ahead, cal.months - 1)) / per,
            lead_months,
            levels,
            count,
            env,
        )

    for name, spec in scenario.foundries.items():
        if spec.ceiling:
            foundry = foundries[name]
            foundry.growth = made[f"foundries.{name}"] = capacity(
                foundry.base_total, f"foundries.{name}.ceiling", spec.ceiling, spec.lead_months
            )
    memory = scenario.memory
    if memory.ceiling_stacks:
        hbm.growth = made["memory"] = capacity(
            hbm.monthly,
            "memory.ceiling_stacks",
            memory.ceiling_stacks,
            memory.lead_months,
            per=12.0,
        )  # the ceiling is stacks a year, the capacity stacks a month
    if packaging is not None and scenario.packaging.ceiling:
        packs = scenario.packaging
        packaging.growth = made["packaging"] = capacity(
            packaging.path.at, "packaging.ceiling", packs.ceiling, packs.lead_months
        )
    if not made:
        return None
    invest = scenario.investment
    return Investor(
        made,
        draw("investment.response", invest.response),
        draw("investment.smoothing_months", invest.smoothing_months),
    )
