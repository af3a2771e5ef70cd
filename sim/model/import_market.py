"""Clearing imports: each product's supply against the orders its rules allow.

Segments place their import need with products in the buyers' order of
preference (licensed before smuggled, then H100e per dollar at central
values). For each product in turn, a segment asks for its remaining need,
plus what it buys ahead of an announced restriction, times its willingness
(guidance, bars, customs), within its approved quantity and its bundling
limit; the product's supply goes to the asks pro rata; what a segment gets
reduces its remaining need before the next product. Imports are therefore
limited by the supply, the rules, or demand itself, whichever is least.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model.rules import ImportRules
from sim.model.stats import ratio

if TYPE_CHECKING:
    from sim.model.imports import ImportChannel

# a segment limit (S, L, R), or a function making it (called only if a product needs it)
Limit = np.ndarray | Callable[[], np.ndarray]


@dataclass
class ImportResult:
    """One month's imports: per segment (S, L, R), and national units by product (L, R)."""

    got: np.ndarray  # H100e meeting this month's need
    rushed: np.ndarray  # H100e bought ahead, to be held
    units: np.ndarray
    usd: np.ndarray
    kw: np.ndarray
    by_product: dict[str, np.ndarray]  # national units (L, R)
    rushing: bool = True  # False: nothing was bought ahead (``rushed`` is zeros)

    @property
    def h100e(self) -> np.ndarray:
        """H100e delivered per segment, (S, L, R): do not modify (it may be ``got``).

        With nothing bought ahead, ``got + 0.0`` is ``got`` bit for bit: a
        running sum that starts at 0.0 is never -0.0 (see :class:`Sums`).
        """
        delivered: np.ndarray = self.got + self.rushed if self.rushing else self.got
        return delivered


def clear_imports(
    channels: list[ImportChannel], rules: ImportRules, need: np.ndarray, limits: tuple[Limit, Limit]
) -> ImportResult:
    """Clear every product in merit order against ``need`` (S, L, R) H100e.

    ``limits`` are, per segment (S, L, R), the H100e it would buy ahead of a
    restriction over the whole window, and its domestic orders in units
    (which bound a bundled product's imports); either may be a function
    returning the array, called only if a product needs it.

    A product no segment may buy, or with nothing on offer, in any
    replication of the run is skipped. Skipping gives every replication the
    numbers clearing would: with no buyer or no supply, clearing grants 0.0
    everywhere (the need, demand less its domestic share, is never -0.0),
    and adding 0.0 to a running sum (which starts at 0.0, so is never -0.0)
    changes no bit. So a replication's numbers do not depend on which
    replications share its run (tests/model/test_grouping.py).
    """
    orders = Orders(need.copy(), need, limits, np.empty_like(need))
    sums = Sums()
    by_product: dict[str, np.ndarray] = {}
    for p in sorted(range(len(channels)), key=lambda i: channels[i].merit, reverse=True):
        channel = channels[p]
        available = channel.available() if rules.anyone_may_buy(p) else None
        if available is None or not available.any():
            by_product[channel.name] = np.zeros(need.shape[1:])
            continue
        by_product[channel.name] = clear_product(p, (channel, available), rules, orders, sums)
    tell_scarcity(channels, orders.remaining, need)
    return sums.result(need, by_product)


def tell_scarcity(channels: list[ImportChannel], remaining: np.ndarray, need: np.ndarray) -> None:
    """Give grey channels that respond this month's unmet share of national need, (L, R).

    The share is in [0, 1] (0 where there was no need); a channel offers on
    it next month (:meth:`sim.model.imports.ImportChannel.grey_flow`).
    """
    responding = [c for c in channels if c.responds]
    if responding:
        scarcity = ratio(remaining.sum(axis=0), need.sum(axis=0), 0.0)
        np.clip(scarcity, 0.0, 1.0, out=scarcity)
        for channel in responding:
            channel.scarcity = scarcity


class Orders:
    """What the segments still want this month, and what bounds their asks (S, L, R)."""

    def __init__(
        self,
        remaining: np.ndarray,
        need: np.ndarray,
        limits: tuple[Limit, Limit],
        scratch: np.ndarray,
    ) -> None:
        self.remaining = remaining  # updated in place as products clear
        self.need = need
        self.limits = list(limits)  # arrays, or functions giving them (called once)
        self.scratch = scratch  # an (S, L, R) work array

    def limit(self, i: int) -> np.ndarray:
        """Limit ``i``: 0 the H100e bought ahead over the window, 1 the domestic units."""
        limit = self.limits[i]
        if callable(limit):
            limit = self.limits[i] = limit()
        return limit


class Sums:
    """The month's running sums (S, L, R) by field of :class:`ImportResult`.

    Each starts at 0.0 and adds the products' terms in merit order. A sum is
    made by its first term as ``term + 0.0`` (what adding it to zeros gives,
    bit for bit: -0.0 becomes 0.0), in place when the caller gives the
    term away (``owned``). So a sum is never -0.0 (x + y is -0.0 only when
    both are).
    """

    FIELDS = ("got", "rushed", "units", "usd", "kw")

    def __init__(self) -> None:
        self.sums: dict[str, np.ndarray] = {}

    def add(self, name: str, term: np.ndarray, owned: bool = False) -> None:
        """Add ``term`` to the sum ``name``."""
        if name in self.sums:
            self.sums[name] += term
        else:
            self.sums[name] = np.add(term, 0.0, out=term if owned else None)

    def result(self, need: np.ndarray, by_product: dict[str, np.ndarray]) -> ImportResult:
        """Return the month's :class:`ImportResult` (zeros for a sum with no term)."""
        values = [self.sums.get(name) for name in self.FIELDS]
        got, rushed, units, usd, kw = (np.zeros_like(need) if v is None else v for v in values)
        return ImportResult(got, rushed, units, usd, kw, by_product, rushing="rushed" in self.sums)


def clear_product(
    p: int, offer: tuple[ImportChannel, np.ndarray], rules: ImportRules, orders: Orders, sums: Sums
) -> np.ndarray:
    """Clear product ``p`` (``offer``: its channel and units available (L, R)).

    Updates the remaining need (in ``orders``) and ``sums``; returns the
    national units delivered, (L, R). Steps a product does not need (buying
    ahead, approvals, bundling) are skipped when inactive in every
    replication: each then leaves every value as it is, bit for bit (a rate
    of 0.0 adds 0.0 to asks; x / x is 1.0 exactly for the finite asks; a
    bundle of 0 selects the ask itself).
    """
    channel, available = offer
    h100e, remaining = channel.h100e, orders.remaining
    willing = rules.willingness(p)[:, None, :]
    asked = remaining * willing  # the regular asks; buying ahead is added on top
    rush_rate = rules.rush[p]
    share = None  # of each grant meeting need, when some segment buys ahead
    if rush_rate.any():
        regular = asked
        asked = regular + (rush_rate[:, None, :] * willing) * orders.limit(0)
        share = ratio(regular, asked, 0.0)
    granted = limit_asks(p, asked, rules, orders, h100e)  # in place: asks within limits
    total = granted.sum(axis=0)
    fraction = ratio(available * h100e, total, 1.0)
    np.minimum(fraction, 1.0, out=fraction)
    granted *= fraction
    meet_need(granted, share, remaining, sums)
    per_unit = 1.0 / np.maximum(h100e, 1e-12)
    national: np.ndarray = total * fraction * per_unit
    channel.take(national)
    units = np.multiply(granted, per_unit, out=granted)
    if channel.approval:  # products without approvals keep no accounts
        rules.use_approvals(p, units)
    add_flows(units, channel, sums, orders.scratch)
    return national


def meet_need(
    granted: np.ndarray, share: np.ndarray | None, remaining: np.ndarray, sums: Sums
) -> None:
    """Count ``granted`` (S, L, R) against the remaining need, in place, and in ``sums``.

    All of it meets need, or (buying ahead) ``share`` of it, the rest being
    held; ``share`` is given away.
    """
    if share is None:
        remaining -= granted
        sums.add("got", granted)
    else:
        got = np.multiply(granted, share, out=share)
        remaining -= got
        sums.add("rushed", granted - got, owned=True)
        sums.add("got", got, owned=True)


def add_flows(units: np.ndarray, channel: ImportChannel, sums: Sums, scratch: np.ndarray) -> None:
    """Add ``units`` (S, L, R) of ``channel`` to the month's units, dollars and kW.

    ``units`` is given away: it may become the sum of units.
    """
    for name, per_unit in (("usd", channel.price), ("kw", channel.power_kw)):
        if name in sums.sums:
            sums.add(name, np.multiply(units, per_unit, out=scratch))
        else:
            sums.add(name, np.multiply(units, per_unit), owned=True)
    sums.add("units", units, owned=True)


def limit_asks(
    p: int, asked: np.ndarray, rules: ImportRules, orders: Orders, h100e: np.ndarray
) -> np.ndarray:
    """Bring ``asked`` within each segment's approved quantity and bundling limit, in place.

    H100e, (S, L, R); returns ``asked``.
    """
    approved = rules.approved_units(p, orders.need.shape[1:])
    if approved is not None:
        np.minimum(asked, np.multiply(approved, h100e, out=approved), out=asked)
    bundle = rules.bundle[p][:, None, :]
    if bundle.any():
        cap = ratio(orders.limit(1), bundle, np.inf)
        cap *= h100e
        np.minimum(asked, cap, out=asked, where=bundle > 0)
    return asked
