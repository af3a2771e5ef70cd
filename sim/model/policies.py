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


def pro_rata(
    orders: np.ndarray, supply: np.ndarray, bound: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """Every segment gets the same fraction of its orders."""
    total = orders.sum(axis=0)
    served: np.ndarray = np.multiply(
        orders, np.minimum(ratio(supply, total, 1.0), 1.0)[None], out=out
    )
    return served


def quota_first(
    orders: np.ndarray, supply: np.ndarray, bound: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """Quota-bound segments are served first (pro rata among them), then the rest."""
    mask = bound[:, None, None]
    first = pro_rata(orders * mask, supply, bound)
    rest = pro_rata(orders * ~mask, np.maximum(supply - first.sum(axis=0), 0.0), bound)
    served: np.ndarray = np.add(first, rest, out=out)
    return served


ALLOCATION_RULES = {"pro_rata": pro_rata, "quota_first": quota_first}


# HBM rules: ``rule(need, value, stock) -> granted`` with ``need`` (products, ...)
# stacks wanted, ``value`` H100e per stack and ``stock`` stacks, both broadcastable
# to ``need`` and ``need[0]`` (e.g. need (products, levels, R), value (products, 1, R),
# stock (levels, R)); every column is worked out on its own, so the shapes change no
# value. Invariants: ``0 <= granted <= need`` and ``granted.sum(0) <= stock``.


def hbm_pro_rata(need: np.ndarray, value: np.ndarray, stock: np.ndarray) -> np.ndarray:
    """Every product gets the same fraction of the stacks it needs."""
    granted: np.ndarray = need * np.minimum(ratio(stock, need.sum(axis=0), 1.0), 1.0)[None]
    return granted


def hbm_value_first(need: np.ndarray, value: np.ndarray, stock: np.ndarray) -> np.ndarray:
    """Products delivering the most H100e per stack are packaged first.

    Product ``p`` gets what is left after the products ahead of it (more
    value per stack, or equal value and listed earlier):
    ``clip(stock - sum of their needs, 0, need_p)``. Worked out pairwise,
    which for a vendor's few products is faster than sorting each column.
    """
    granted = np.empty_like(need)
    for p in range(len(need)):
        ahead = np.zeros_like(stock)
        for q in range(len(need)):
            if q != p:
                first = value[q] >= value[p] if q < p else value[q] > value[p]
                # ahead (never -0.0) + 0.0 is ahead: adding only where first is the same
                np.add(ahead, need[q], out=ahead, where=first)
        np.clip(stock - ahead, 0.0, need[p], out=granted[p])
    return granted


HBM_RULES = {"value_first": hbm_value_first, "pro_rata": hbm_pro_rata}
