"""Buyer segments: datacenter owners who order chips under their quota paths and rules."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.core.calendar import Calendar, parse_month
from sim.model import paths
from sim.model.foundry import years
from sim.model.orders import WaitingOrders
from sim.model.rng import Draws
from sim.model.state import LevelRows
from sim.scenario.schema import Demand
from sim.scenario.schema import Segment as SegmentSpec

if TYPE_CHECKING:
    from sim.model.clock import Clock
    from sim.model.market import Market

QUOTA_DEADLINE = "2027-01"  # "by 2027": the level holds for the whole of 2027


def quota_paths(
    cal: Calendar,
    points: Mapping[str, float] | None,
    levels: list[str],
    lever_start: str,
    reach: bool = True,
) -> np.ndarray:
    """Quota share by month for each level, (levels, T).

    "announced" keeps the published path (0 throughout without ``points``).
    In the lever's ``reach``, a level q keeps it until ``lever_start`` and
    then moves linearly from the current value to q in January 2027 (or the
    calendar's end, if sooner), holding q afterwards. Outside it, every
    level keeps the announced path.
    """
    announced = (
        np.zeros(cal.months)
        if points is None
        else paths.month_points(cal, {parse_month(k): v for k, v in points.items()})
    )
    if not reach:
        return np.tile(announced, (len(levels), 1))
    lever = int(cal.steps_of(parse_month(lever_start)))
    deadline = min(int(cal.steps_of(parse_month(QUOTA_DEADLINE))), cal.months - 1)
    current = announced[min(max(lever - 1, 0), cal.months - 1)]
    t = np.arange(cal.months)
    progress = np.clip((t - lever + 1) / max(deadline - lever + 1, 1), 0.0, 1.0)
    out = np.empty((len(levels), cal.months))
    for i, level in enumerate(levels):
        if level == "announced":
            out[i] = announced
        else:
            out[i] = np.where(t < lever, announced, current + (float(level) - current) * progress)
    return out


def compute_share(units_share: np.ndarray, mix: np.ndarray) -> np.ndarray:
    """Return the H100e share that gives ``units_share`` of units, at H100e per unit ``mix``.

    ``mix`` is (2, ...) H100e per domestic unit, then per imported unit; a
    quota counted in units becomes, for ordering in H100e,
    ``q h_d / (q h_d + (1 - q) h_i)``.
    """
    dom = units_share * mix[0]
    whole = dom + (1.0 - units_share) * mix[1]
    share: np.ndarray = np.divide(
        dom, whole, out=np.array(units_share, dtype=float), where=whole > 0
    )
    return share


@dataclass(frozen=True)
class SegmentOptions:
    """What every segment of a run shares: the calendar, the level rows, the backlog depth.

    ``env``: the SimPy environment in which unfilled orders wait.

    ``priced``: national demand is a budget in USD, turned into H100e each
    month at the price a segment expects to pay (else it is in H100e).
    """

    cal: Calendar
    levels: LevelRows
    backlog_months: int
    env: simpy.Environment
    priced: bool = False


class OrderBook:
    """A segment's orders over the run, H100e (levels, R) each; it parts with the levels.

    Invariant (the conservation law): ``placed = filled + offshore + abandoned``
    plus the orders still waiting in the segment's backlog. ``placed`` counts
    each month's demand and the orders a warm start files as already waiting;
    ``filled`` the imports that met the need, the stockpile drawn for it and
    the domestic chips delivered.
    """

    def __init__(self, shape: tuple[int, int]):
        self.placed = np.zeros(shape)
        self.filled = np.zeros(shape)
        self.offshore = np.zeros(shape)
        self.abandoned = np.zeros(shape)

    def expand(self, levels: int) -> None:
        """Repeat the single level row ``levels`` times (see :class:`LevelRows`)."""
        for name in ("placed", "filled", "offshore", "abandoned"):
            setattr(self, name, np.repeat(getattr(self, name), levels, axis=0))


class BuyerSegment:
    """One segment's demand, orders, stockpile and backlog, per quota level and replication.

    Each month it wants ``max(quota x enforcement, voluntary preference)``
    of its demand (H100e) from domestic chips (a quota counted in units is
    turned into its H100e share at last month's mix) and the rest from
    imports. Imports it cannot get are taken from its stockpile, then
    sought at home (``substitution``) or lost. Chips bought ahead of an
    announced restriction go to the stockpile (``held``). Domestic orders
    not filled wait (:class:`WaitingOrders`, in SimPy) up to ``backlog_months``, oldest
    served first ("served late"), then lapse. Lapsed orders and lost
    imports are unmet: the market serves ``offshore_share`` of them abroad,
    within the national offshore capacity, and the rest are abandoned.

    With a budget (``SegmentOptions.priced``) the month's demand is its
    spending over the USD per H100e it expects: ``x p_dom + (1 - x) p_imp``
    at the domestic share ``x`` it wants, last month's national prices.
    """

    def __init__(
        self,
        name: str,
        spec: SegmentSpec,
        target: np.ndarray,
        demand: tuple[paths.YearlyCompound, np.ndarray],
        draw: Draws,
        options: SegmentOptions,
    ):
        here = f"segments.{name}"
        self.name = name
        self.bound = spec.quota is not None  # an announced quota (served first by quota_first)
        # a quota at some level, announced or through the lever: its target is recorded
        self.targeted = self.bound or bool(np.any(target))
        self.units_basis = spec.quota is not None and spec.quota.basis == "units"
        self.target = target  # quota share by level and month, (levels, T)
        self.annual_demand, self.demand_share = demand
        self.enforcement = draw(f"{here}.enforcement", spec.enforcement)
        self.preference = paths.YearSteps(
            options.cal, years(spec.preference, f"{here}.preference", draw), draw.count
        )
        self.substitution = draw(f"{here}.substitution", spec.substitution)
        self.stockpile_months = draw(f"{here}.stockpile_months", spec.stockpile_months)
        self.offshore_share = draw(f"{here}.offshore_share", spec.offshore_share)
        self.priced = options.priced
        self.levels: LevelRows = options.levels
        self.book = self.levels.hold(OrderBook((self.levels.rows, draw.count)))
        self.backlog = self.levels.hold(
            WaitingOrders(
                options.env,
                options.backlog_months,
                (self.levels.rows, draw.count),
                self.levels.track,
            )
        )
        self.held = self.levels.stock(replications=draw.count)  # bought ahead, H100e
        self.month = 0
        self.needed: np.ndarray | None = None  # this month's demand, H100e (R,) or (levels, R)
        self.wanted_domestic: np.ndarray | None = None  # this month's, H100e (levels, R)
        self.import_need: np.ndarray | None = None
        self.lost: np.ndarray | None = None
        self.served_late: np.ndarray | None = None  # from the backlog this month

    def demand_at(self, t: int) -> np.ndarray:
        """Return the segment's demand in month ``t``, (R,): H100e, or USD with a budget."""
        demand: np.ndarray = self.annual_demand.at(t) / 12.0 * self.demand_share
        return demand

    def need(self) -> np.ndarray:
        """Return the demand of the month ordered for, H100e, (R,) or (levels, R)."""
        return self.demand_at(self.month) if self.needed is None else self.needed

    def quota_share(self, t: int, mix: np.ndarray) -> np.ndarray:
        """Return the quota's enforced share this month as an H100e share, (levels, R)."""
        quota = self.target[: self.levels.rows, t][:, None] * self.enforcement[None, :]
        return compute_share(quota, mix) if self.units_basis else quota

    def order(self, t: int, mix: np.ndarray, price: np.ndarray | None = None) -> None:
        """Split month ``t``'s demand into the domestic share wanted and the import need.

        ``price`` (2, levels or 1, R): USD per H100e of domestic, then imported
        chips; used only with a budget.
        """
        self.month = t
        share = np.maximum(self.quota_share(t, mix), self.preference.at(t)[None, :])
        if self.priced:
            assert price is not None  # a budget is spent at the market's prices
            expected = share * price[0] + (1.0 - share) * price[1]  # USD per H100e, > 0
            self.needed = self.demand_at(t) / expected
        need = self.need()
        self.book.placed += need
        self.wanted_domestic = share * need
        self.import_need = need - self.wanted_domestic

    def procure(self, clock: Clock, market: Market) -> Generator[simpy.Event, Any, None]:
        """SimPy process: order, then settle imports once they have cleared."""
        while True:
            month = yield clock.next_month()
            yield month.turn("ordered")
            self.order(month.t, market.mix, market.price)
            month.done("ordered")
            yield month.turn("redirected")
            got, rushed = market.imports_for(self)
            self.receive_imports(got, rushed)
            month.done("redirected")

    def receive_imports(self, got: np.ndarray, rushed: np.ndarray) -> None:
        """Settle the month's imports (H100e): stockpile, then substitution, then loss.

        ``got`` met the import need; ``rushed`` was bought ahead and is held.
        """
        self.held.put(rushed)
        assert self.import_need is not None  # set when the segment ordered
        missing = np.subtract(self.import_need, got)
        np.maximum(missing, 0.0, out=missing)
        drawn = np.minimum(missing, self.held.level)
        self.held.take(drawn)
        self.book.filled += got + drawn
        missing -= drawn  # a new array of this month's: changed in place
        self.wanted_domestic = self.wanted_domestic + self.substitution * missing
        self.lost = (1.0 - self.substitution) * missing

    def domestic_orders(self) -> np.ndarray:
        """H100e of domestic chips wanted now, this month's plus the backlog, (levels, R)."""
        orders: np.ndarray = self.wanted_domestic + self.backlog.total()
        return orders

    def prefill(self, age: int, orders: np.ndarray) -> None:
        """File ``orders`` as placed ``age`` months before the run (a warm start)."""
        self.backlog.prefill(age, orders)
        self.book.placed += orders

    def receive_domestic(self, got: np.ndarray) -> np.ndarray:
        """Fill the backlog oldest first, then new orders; return H100e unmet (levels, R).

        Unmet demand is the backlog's oldest orders, which lapse, plus the
        imports lost; what the backlog served is kept in ``served_late``.
        """
        left = self.backlog.serve(got)
        self.served_late = got - left
        self.book.filled += got
        new = np.maximum(self.wanted_domestic - left, 0.0)
        lapsed: np.ndarray = self.backlog.lapse() + self.lost
        self.lost = None
        self.backlog.file(new)
        return lapsed

    def settle_unmet(self, offshore: np.ndarray, abandoned: np.ndarray) -> None:
        """Book the month's unmet orders served offshore and abandoned, H100e (levels, R)."""
        self.book.offshore += offshore
        self.book.abandoned += abandoned


def national_demand(spec: Demand, cal: Calendar, draw: Draws) -> paths.YearlyCompound:
    """National demand per year, H100e, or USD with a budget (spread evenly over its months).

    The first year's total is ``base`` (or ``budget_usd``); each later year
    grows by its ``growth`` entry (0 where none is given).
    """
    if spec.budget_usd is None:
        assert spec.base is not None  # a demand gives its base or its budget
        first = draw("demand.base", spec.base)
    else:
        first = draw("demand.budget_usd", spec.budget_usd)
    return paths.YearlyCompound(cal, first, years(spec.growth, "demand.growth", draw), draw.count)
