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

from dataclasses import dataclass

import numpy as np

from sim.model.rules import ImportRules
from sim.model.stats import ratio


@dataclass
class ImportResult:
    """One month's imports: per segment (S, L, R), and national units by product (L, R)."""

    got: np.ndarray  # H100e meeting this month's need
    rushed: np.ndarray  # H100e bought ahead, to be held
    units: np.ndarray
    usd: np.ndarray
    kw: np.ndarray
    by_product: dict[str, np.ndarray]  # national units (L, R)

    @property
    def h100e(self) -> np.ndarray:
        """H100e delivered per segment, (S, L, R)."""
        return self.got + self.rushed


def clear_imports(channels: list, rules: ImportRules, need: np.ndarray,
                  limits: tuple[np.ndarray, np.ndarray]) -> ImportResult:
    """Clear every product in merit order against ``need`` (S, L, R) H100e.

    ``limits`` are, per segment (S, L, R), the H100e it would buy ahead of a
    restriction over the whole window, and its domestic orders in units
    (which bound a bundled product's imports).
    """
    ahead, domestic_units = limits
    remaining = need.copy()
    zeros = np.zeros_like(need)
    out = ImportResult(zeros, zeros.copy(), zeros.copy(), zeros.copy(), zeros.copy(), {})
    orders = Orders(remaining, need, ahead, domestic_units,
                    (np.empty_like(need), np.empty_like(need)))
    for p in sorted(range(len(channels)), key=lambda i: channels[i].merit, reverse=True):
        channel = channels[p]
        available = channel.available()
        if not available.any() or not rules.anyone_may_buy(p):
            out.by_product[channel.name] = np.zeros(need.shape[1:])
            continue
        out.by_product[channel.name] = clear_product(p, channel, rules, orders, available, out)
    tell_scarcity(channels, remaining, need)
    return out


def tell_scarcity(channels: list, remaining: np.ndarray, need: np.ndarray) -> None:
    """Give grey channels that respond this month's unmet share of national need, (L, R).

    The share is in [0, 1] (0 where there was no need); a channel offers on
    it next month (:meth:`sim.model.imports.ImportChannel.grey_flow`).
    """
    responding = [c for c in channels if c.responds]
    if responding:
        scarcity = np.clip(ratio(remaining.sum(axis=0), need.sum(axis=0), 0.0), 0.0, 1.0)
        for channel in responding:
            channel.scarcity = scarcity


@dataclass
class Orders:
    """What the segments still want this month, and what bounds their asks (S, L, R)."""

    remaining: np.ndarray  # updated in place as products clear
    need: np.ndarray
    ahead: np.ndarray
    domestic_units: np.ndarray
    scratch: tuple[np.ndarray, np.ndarray]  # two (S, L, R) work arrays


def clear_product(p: int, channel, rules: ImportRules, orders: Orders, available: np.ndarray,
                  out: ImportResult) -> np.ndarray:
    """Clear product ``p``: update the remaining need (in ``orders``) and ``out``.

    Returns the national units delivered, (L, R). Steps a product does not
    need (buying ahead, approvals, bundling) are skipped when inactive.
    """
    h100e, remaining = channel.h100e, orders.remaining
    willing = rules.willingness(p)[:, None, :]
    regular = remaining * willing
    rush_rate = rules.rush[p]
    rushing = bool(rush_rate.any())
    asked = regular + (rush_rate[:, None, :] * willing) * orders.ahead if rushing else regular
    allowed = limit_asks(p, asked, rules, orders, h100e)
    supply = available * h100e
    total = allowed.sum(axis=0)
    fraction = np.minimum(ratio(supply, total, 1.0), 1.0)
    granted = allowed * fraction
    got = granted * ratio(regular, asked, 0.0) if rushing else granted
    remaining -= got
    out.got += got
    if rushing:
        out.rushed += granted - got
    per_unit = 1.0 / np.maximum(h100e, 1e-12)
    national = total * fraction * per_unit
    channel.take(national)
    add_flows(granted * per_unit, channel, out, orders.scratch[0])
    if channel.approval:  # products without approvals keep no accounts
        rules.use_approvals(p, granted * per_unit)
    return national


def add_flows(units: np.ndarray, channel, out: ImportResult, scratch: np.ndarray) -> None:
    """Add ``units`` (S, L, R) of ``channel`` to the month's units, dollars and kW."""
    out.units += units
    np.multiply(units, channel.price, out=scratch)
    out.usd += scratch
    np.multiply(units, channel.power_kw, out=scratch)
    out.kw += scratch


def limit_asks(p: int, asked: np.ndarray, rules: ImportRules, orders: Orders,
               h100e: np.ndarray) -> np.ndarray:
    """Asks within each segment's approved quantity and bundling limit (H100e, S, L, R)."""
    allowed = asked
    approved = rules.approved_units(p, orders.need.shape[1:])
    if approved is not None:
        allowed = np.minimum(allowed, approved * h100e)
    bundle = rules.bundle[p]
    if bundle.any():
        cap = ratio(orders.domestic_units, bundle[:, None, :], np.inf) * h100e
        allowed = np.where(bundle[:, None, :] > 0, np.minimum(allowed, cap), allowed)
    return allowed
