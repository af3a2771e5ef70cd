"""Investment: domestic capacity that grows on sustained unmet orders, after a lead time.

Three kinds of capacity answer orders: advanced wafer starts at each domestic
foundry given a ``ceiling``, domestic memory stacks (``memory.ceiling_stacks``)
and national advanced packaging (``[packaging]``). Each month, once the market
has planned (``market.shortfall``: orders the month could not start, per unit
of capacity), the investor

1. smooths the shortfall: ``g = g + (shortfall - g) / smoothing_months``;
2. commits, per kind, ``response x g x (base(t) + added)``, within the room
   its ceiling leaves: ``base(t) + added + in pipeline + commitment <= ceiling(t)``;
3. moves the commitments due next month from the pipeline into the added
   stock, where they stay (no retirement).

A commitment made in month ``t`` with lead ``lead`` (whole months, drawn per
replication) is capacity from month ``t + lead`` on. With ``response`` 0 (the
schema's default) nothing is committed and every capacity is today's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.calendar import Calendar
from sim.model import paths
from sim.model.foundry import Foundry, years
from sim.model.state import LevelRows, Pipeline
from sim.model.stats import ratio, total
from sim.model.vendor import whole_months
from sim.rng import Draws
from sim.scenario.schema import Packaging as PackagingSpec

MAX_LEAD = 60  # months: the schema's bound on every lead_months


class Capacity:
    """One capacity that grows by commitments: an added stock and a pipeline, (levels, R).

    ``base(t)`` is the capacity the scenario's paths give (broadcastable to
    (levels, R)); ``ceiling`` bounds commitments. Invariants (tested every
    replication): ``added.level == commitments arrived`` and
    ``pipeline.level() == committed - arrived``.
    """

    def __init__(self, base: Callable[[int], np.ndarray], ceiling: Callable[[int], np.ndarray],
                 lead: np.ndarray, levels: LevelRows, count: int):
        self.base = base
        self.ceiling = ceiling
        self.lead = np.clip(whole_months(lead), 1, MAX_LEAD)
        self.added = levels.stock(replications=count)
        self.pipeline = levels.hold(Pipeline(int(self.lead.max()) + 1, (levels.rows, count),
                                             self.lead))

    def commit(self, t: int, pressure: np.ndarray) -> np.ndarray:
        """Commit ``pressure x (base + added)``, within the ceiling's room; return it (L, R).

        ``pressure`` is response x smoothed shortfall, (levels, R).
        """
        current = self.base(t) + self.added.level
        room = np.maximum(self.ceiling(t) - current - self.pipeline.level(), 0.0)
        commitment = np.minimum(pressure * current, room)
        self.pipeline.start(t, commitment)
        return commitment

    def arrive(self, t: int) -> None:
        """Add the commitments that become capacity in month ``t`` to the stock."""
        self.added.put(self.pipeline.finish(t))

    def at(self, t: int) -> np.ndarray:
        """Capacity in month ``t``: base plus what investment added, (levels, R)."""
        return self.base(t) + self.added.level


class Investor:
    """The actor that turns the market's shortfall into capacity commitments.

    ``capacities`` maps a name (``foundries.smic``, ``memory``, ``packaging``)
    to its :class:`Capacity`. The smoothed shortfall ``g`` starts at 0.
    """

    def __init__(self, capacities: dict[str, Capacity], response: np.ndarray,
                 smoothing: np.ndarray):
        self.capacities = capacities
        self.response = response
        self.weight = 1.0 / np.maximum(smoothing, 1.0)  # the moving average's weight, (R,)
        self.signal = np.zeros_like(response)

    def invest(self, clock, market):
        """SimPy process: after the month is planned, commit and bring next month's arrivals."""
        while True:
            month = yield clock.next_month()
            yield month.after("planned")
            self.step(month.t, market.shortfall)
            month.done("started")

    def step(self, t: int, shortfall: np.ndarray) -> None:
        """Update the signal, commit in month ``t`` and add what arrives in ``t + 1``."""
        self.signal = self.signal + (shortfall - self.signal) * self.weight
        pressure = self.response * self.signal
        for capacity in self.capacities.values():
            capacity.commit(t, pressure)
            capacity.arrive(t + 1)


class Packaging:
    """National advanced packaging: chips a month, shared among vendors by their capacity.

    ``limit`` scales every vendor's capacity chips by one factor so the
    national chips started are at most the packaging capacity: the capacity
    is split among vendors (and products) in proportion to the chips their
    wafers, banked dies and memory allow.
    """

    def __init__(self, spec: PackagingSpec, cal: Calendar, draw: Draws):
        self.path = paths.YearEndLinear(cal, years(spec.capacity, "packaging.capacity", draw),
                                        draw.count)
        self.growth: Capacity | None = None

    def at(self, t: int) -> np.ndarray:
        """Chips that can be packaged in month ``t`` (base plus investment)."""
        return self.path.at(t) if self.growth is None else self.growth.at(t)

    def limit(self, vendors: list, t: int) -> None:
        """Scale vendors' capacity this month so national chips fit the packaging capacity."""
        chips = total(v.capacity.chips.sum(axis=0) for v in vendors)
        fraction = np.minimum(ratio(self.at(t), chips, 1.0), 1.0)
        for vendor in vendors:
            vendor.capacity = vendor.capacity.packaged(fraction)


def build(scenario, cal: Calendar, draw: Draws, levels: LevelRows,
          parts: tuple[dict[str, Foundry], object, Packaging | None]) -> Investor | None:
    """Make the investor and wire each capacity into its actor; None when nothing can grow.

    ``parts`` are the foundries, the HBM supply and the packaging (None: unlimited).
    A capacity grows only where its scenario gives a ceiling.
    """
    foundries, hbm, packaging = parts
    count, made = draw.count, {}

    def capacity(base, here: str, ceiling: dict, lead, per: float = 1.0) -> Capacity:
        limit = paths.YearEndLinear(cal, years(ceiling, here, draw), count)
        lead_months = draw(f"{here.rsplit('.', 1)[0]}.lead_months", lead)
        return Capacity(base, lambda t: limit.at(t) / per, lead_months, levels, count)

    for name, spec in scenario.foundries.items():
        if spec.ceiling:
            foundry = foundries[name]
            foundry.growth = made[f"foundries.{name}"] = capacity(
                foundry.base_total, f"foundries.{name}.ceiling", spec.ceiling, spec.lead_months)
    memory = scenario.memory
    if memory.ceiling_stacks:
        hbm.growth = made["memory"] = capacity(
            hbm.monthly, "memory.ceiling_stacks", memory.ceiling_stacks, memory.lead_months,
            per=12.0)  # the ceiling is stacks a year, the capacity stacks a month
    if packaging is not None and scenario.packaging.ceiling:
        spec = scenario.packaging
        packaging.growth = made["packaging"] = capacity(
            packaging.path.at, "packaging.ceiling", spec.ceiling, spec.lead_months)
    if not made:
        return None
    invest = scenario.investment
    return Investor(made, draw("investment.response", invest.response),
                    draw("investment.smoothing_months", invest.smoothing_months))
