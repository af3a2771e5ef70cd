"""The market: clears imports, then domestic chips, then sets what vendors start.

Each month, once supply is published and orders placed, the market clears
imports (:mod:`sim.model.import_market`) and tells each segment what it
got; segments settle (stockpile, substitution, loss). Once vendors have
finished what was due, their finished stock goes to the segments' domestic
orders by the allocation rule (``run.allocation``), every segment receiving
the pool's product mix. Vendors build to orders: with their capacity known,
the market sets the share of the national capacity to start,
``utilisation = clip((orders still open + stock to keep - chips in progress
- chips in stock) / capacity, 0, 1)`` (all in H100e), the same for every
product. Orders that lapse and imports lost are unmet: each segment's
``offshore_share`` of them is served by compute rented abroad, all segments
together within the month's offshore capacity (pro rata), and the rest is
abandoned (:func:`offshore_split`). The month's deliveries, unmet orders,
prices and demand go to the ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import simpy

from sim.model.import_market import ImportResult, clear_imports
from sim.model.ledger import Flows, Ledger
from sim.model.rules import ImportRules
from sim.model.stats import ratio, total

if TYPE_CHECKING:
    from sim.model.clock import Clock
    from sim.model.imports import ImportChannel
    from sim.model.investment import Packaging
    from sim.model.paths import MonthPath
    from sim.model.segments import BuyerSegment
    from sim.model.vendor import Vendor

# ``rule(orders, supply, bound) -> granted`` (sim.model.policies.ALLOCATION_RULES)
AllocationRule = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
T = TypeVar("T")


@dataclass
class Grant:
    """One pool's allocation this month.

    ``h100e`` is granted per segment (segments, levels, R); ``fraction`` of the
    pool was taken; a granted H100e carries ``per_h100e`` units, ``kw`` kW
    and ``usd`` dollars (each (levels, R)): the pool's product mix.
    """

    h100e: np.ndarray
    fraction: np.ndarray
    per_h100e: np.ndarray
    kw: np.ndarray
    usd: np.ndarray

    def flows(self) -> Flows:
        """Return the grant as per-segment flows."""
        return Flows(
            self.h100e, self.h100e * self.per_h100e, self.h100e * self.usd, self.h100e * self.kw
        )


class Market:
    """Brings supply and orders together; the allocation rule is a plain function."""

    def __init__(
        self,
        parts: tuple[list[BuyerSegment], list[Vendor], list[ImportChannel], ImportRules],
        rule: AllocationRule,
        ledger: Ledger,
        offshore: MonthPath | None = None,
    ) -> None:
        self.segments, self.vendors, self.channels, self.rules = parts
        self.rule = rule
        self.ledger = ledger
        self.bound = np.array([s.bound for s in self.segments])
        count = ledger.replications
        self.mix = np.ones((2, 1, count))  # H100e per unit, domestic then imported
        self.price = np.ones((2, 1, count))  # USD per H100e, the same (set by the model)
        self.offshore = offshore  # H100e a month rentable abroad (``at(t)`` (R,)); None: no cap
        self.offshore_shares = np.stack([s.offshore_share for s in self.segments])[:, None, :]
        self.priced = any(s.priced for s in self.segments)  # demand is a budget
        ledger.priced = self.priced
        self.imports: ImportResult | None = None
        self.utilisation: np.ndarray | None = None
        # (new domestic orders, national capacity), H100e a month
        self.order_book: tuple[np.ndarray, np.ndarray] | tuple[()] = ()
        self.packaging: Packaging | None = None  # None: unlimited
        # the month's domestic clearing (clear_domestic)
        self.pending: dict[str, Any] = {}

    def clear(self, clock: Clock) -> Generator[simpy.Event, Any, None]:
        """SimPy process: imports, then domestic deliveries, then the production plan."""
        while True:
            month = yield clock.next_month()
            yield month.turn("warmed")
            if self.packaging is not None:  # vendors' chips within national packaging
                self.packaging.limit(self.vendors, month.t)
            if month.t == 0:
                self.warm_start()
            month.done("warmed")
            yield month.turn("imported")
            self.imports = self.clear_imports()
            month.done("imported")
            yield month.turn("delivered")
            self.pending = self.clear_domestic(month.t)
            month.done("delivered")
            yield month.turn("planned")
            self.plan()
            self.settle()
            month.done("planned")

    def clear_imports(self) -> ImportResult:
        """Clear this month's import need (every segment) against every product's supply."""
        need = np.stack(present(s.import_need for s in self.segments))

        def ahead() -> np.ndarray:  # needed only while some segment buys ahead
            months = np.stack([s.stockpile_months for s in self.segments])[:, None, :]
            bought: np.ndarray = months * need
            return bought

        def domestic_units() -> np.ndarray:  # needed only while a product is bundled
            return ratio(
                np.stack(present(s.wanted_domestic for s in self.segments)), self.mix[0], 0.0
            )

        return clear_imports(self.channels, self.rules, need, (ahead, domestic_units))

    def imports_for(self, segment: BuyerSegment) -> tuple[np.ndarray, np.ndarray]:
        """Return what ``segment`` got this month: H100e for its need, and bought ahead."""
        i = self.segments.index(segment)
        assert self.imports is not None  # cleared before segments settle
        return self.imports.got[i], self.imports.rushed[i]

    def clear_domestic(self, t: int) -> dict[str, Any]:
        """Grant vendors' finished stock by the allocation rule; segments update backlogs."""
        stock = [row for v in self.vendors for row in v.finished.level]
        h100e = [p.h100e_at(t) for v in self.vendors for p in v.products]
        kw = [p.power_kw for v in self.vendors for p in v.products]
        usd = [p.price for v in self.vendors for p in v.products]
        orders = np.stack([s.domestic_orders() for s in self.segments])
        grant = pool_grant(orders, stock, (h100e, kw, usd), self.bound, self.rule)
        by_vendor, revenue = {}, {}
        for v in self.vendors:
            units = v.deliver(grant.fraction)  # (products, levels, R)
            by_vendor[v.name] = units.sum(axis=0)
            revenue[v.name] = total(u * p.price for u, p in zip(units, v.products, strict=True))
        lapsed = np.stack(
            [s.receive_domestic(got) for s, got in zip(self.segments, grant.h100e, strict=True)]
        )
        new = sum(present(s.wanted_domestic for s in self.segments))
        cap = None if self.offshore is None else self.offshore.at(t)
        offshore = offshore_split(lapsed, self.offshore_shares, cap)
        for segment, out, unmet in zip(self.segments, offshore, lapsed, strict=True):
            segment.settle_unmet(out, unmet - out)
        late = np.stack(present(s.served_late for s in self.segments))
        return {
            "grant": grant,
            "by_vendor": by_vendor,
            "revenue": revenue,
            "lapsed": lapsed,
            "new": new,
            "offshore": offshore,
            "late": late,
        }

    def warm_start(self) -> None:
        """Enter the calendar mid-stream, as if the months before had run as the first does.

        Vendors' work in progress and stock are filled as if the earlier
        months had started what the first month's domestic orders need,
        within capacity, and each segment's backlog holds the orders that
        work is for, by age: a steady state rather than empty pipelines.
        """
        compute = total(c.compute() for c in present(v.capacity for v in self.vendors))
        wanted = total(present(s.wanted_domestic for s in self.segments))
        utilisation = np.minimum(ratio(wanted, compute, 0.0), 1.0)
        covered = [v.warm_start(utilisation) for v in self.vendors]
        depth = max(len(c) for c in covered)
        for age in range(1, depth):
            share = ratio(
                total(c[age] for c in covered if age < len(c)), compute * utilisation, 0.0
            )
            for segment in self.segments:
                if age < segment.backlog.months:
                    segment.prefill(age, segment.wanted_domestic * share)

    def plan(self) -> None:
        """Set ``utilisation``: the share of capacity to start so vendors meet open orders."""
        capacity = present(v.capacity for v in self.vendors)
        computes = [c.compute() for c in capacity]
        compute = total(computes)
        weights = [ratio(x, compute, 0.0) for x in computes]
        keep = total(v.inventory_months * w for v, w in zip(self.vendors, weights, strict=True))
        open_orders = total(s.backlog.total() for s in self.segments)
        made = total(
            ((v.in_progress() + v.finished.level) * c.h100e[:, None]).sum(axis=0)
            for v, c in zip(self.vendors, capacity, strict=True)
        )
        needed = np.maximum(open_orders + keep * self.pending["new"] - made, 0.0)
        self.utilisation = np.minimum(ratio(needed, compute, 0.0), 1.0)
        self.order_book = (self.pending["new"], compute)

    def settle(self) -> None:
        """Hand the month's deliveries, losses and demand to the ledger."""
        imports, pending = self.imports, self.pending
        assert imports is not None  # cleared this month
        domestic = pending["grant"].flows()
        self.ledger.add_unmet(pending["lapsed"], pending["offshore"], pending["late"])
        mix = self.ledger.add_deliveries(
            Flows(imports.h100e, imports.units, imports.usd, imports.kw), domestic
        )
        self.ledger.add_units_by("import_units", imports.by_product)
        self.ledger.add_units_by("vendor_units", pending["by_vendor"])
        self.ledger.add_usd_by("vendor_revenue", pending["revenue"])
        self.ledger.add_demand(np.stack([np.atleast_2d(s.need()) for s in self.segments]))
        self.mix = np.where(np.isnan(mix), self.mix, mix)  # a month with none keeps the last
        if self.priced:  # a month with none (or free chips) keeps the last price
            price = self.ledger.prices
            assert price is not None  # a priced ledger keeps prices
            self.price = np.where(np.isnan(price) | (price <= 0), self.price, price)
        self.imports, self.pending = None, {}


def present(values: Iterable[T | None]) -> list[T]:
    """Return ``values`` as a list, each set earlier this month (orders, capacity)."""
    held = []
    for value in values:
        assert value is not None  # set earlier in the month
        held.append(value)
    return held


def offshore_split(unmet: np.ndarray, shares: np.ndarray, cap: np.ndarray | None) -> np.ndarray:
    """H100e of unmet orders served offshore, per segment (S, L, R).

    Segment ``s`` seeks ``shares[s] x unmet[s]`` abroad; when the segments
    together seek more than the month's capacity ``cap`` (R,), each gets the
    same fraction of what it seeks (``cap`` None: no limit). Invariant:
    ``0 <= offshore <= shares x unmet`` and the national sum is at most ``cap``.
    """
    sought: np.ndarray = unmet * shares
    if cap is None:
        return sought
    fraction = ratio(cap, sought.sum(axis=0), 1.0)
    np.minimum(fraction, 1.0, out=fraction)
    sought *= fraction
    return sought


def pool_grant(
    orders: np.ndarray,
    units: Sequence[np.ndarray],
    per_unit: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]],
    bound: np.ndarray,
    rule: AllocationRule,
) -> Grant:
    """Allocate a pool of products against H100e orders (segments, levels, R).

    Product ``p`` has ``units[p]`` (levels, R) in the pool; ``per_unit`` are
    its H100e, kW and USD per unit, (R,) each, by product.
    """
    h100e, kw, usd = per_unit
    supply = total(u * h for u, h in zip(units, h100e, strict=True))
    granted = rule(orders, supply, bound)
    fraction = np.minimum(ratio(granted.sum(axis=0), supply, 0.0), 1.0)

    def per_h100e(values: list[np.ndarray]) -> np.ndarray:
        return ratio(total(u * x for u, x in zip(units, values, strict=True)), supply, 0.0)

    return Grant(granted, fraction, ratio(total(units), supply, 0.0), per_h100e(kw), per_h100e(usd))
