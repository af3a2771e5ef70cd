"""Allocation rules: who gets domestic chips when supply falls short.

A rule is a plain function ``rule(orders, supply, bound, out=None) -> granted``:
``orders`` is (segments, levels, R) H100e, ``supply`` is (levels, R) H100e and
``bound`` is a (segments,) bool array marking quota-bound segments; ``out``,
when given, receives ``granted`` and may be ``orders`` itself (read first).
Invariants: ``0 <= granted <= orders`` and ``granted.sum(0) <= supply``.
"""

from __future__ import annotations

import numpy as np

from sim.model.stats import ratio


def pro_rata(orders: np.ndarray, supply: np.ndarray, bound: np.ndarray,
             out: np.ndarray | None = None) -> np.ndarray:
    """Every segment gets the same fraction of its orders."""
    total = orders.sum(axis=0)
    return np.multiply(orders, np.minimum(ratio(supply, total, 1.0), 1.0)[None], out=out)


def quota_first(orders: np.ndarray, supply: np.ndarray, bound: np.ndarray,
                out: np.ndarray | None = None) -> np.ndarray:
    """Quota-bound segments are served first (pro rata among them), then the rest."""
    mask = bound[:, None, None]
    first = pro_rata(orders * mask, supply, bound)
    rest = pro_rata(orders * ~mask, np.maximum(supply - first.sum(axis=0), 0.0), bound)
    return np.add(first, rest, out=out)


ALLOCATION_RULES = {"pro_rata": pro_rata, "quota_first": quota_first}


# HBM rules: ``rule(need, value, stock) -> granted`` with ``need`` (products, R)
# stacks wanted, ``value`` (products, R) H100e per stack, ``stock`` (R,) stacks.
# Invariants: ``0 <= granted <= need`` and ``granted.sum(0) <= stock``.


def hbm_pro_rata(need: np.ndarray, value: np.ndarray, stock: np.ndarray) -> np.ndarray:
    """Every product gets the same fraction of the stacks it needs."""
    return need * np.minimum(ratio(stock, need.sum(axis=0), 1.0), 1.0)[None]


def hbm_value_first(need: np.ndarray, value: np.ndarray, stock: np.ndarray) -> np.ndarray:
    """Products delivering the most H100e per stack are packaged first."""
    order = np.argsort(-value, axis=0, kind="stable")
    wanted = np.take_along_axis(need, order, axis=0)
    left = np.cumsum(wanted, axis=0)
    left -= wanted  # stacks wanted by the products ahead
    np.subtract(stock[None], left, out=left)
    got = np.clip(left, 0.0, wanted, out=left)
    del wanted
    granted = np.empty_like(need)
    np.put_along_axis(granted, order, got, axis=0)
    return granted


HBM_RULES = {"value_first": hbm_value_first, "pro_rata": hbm_pro_rata}
