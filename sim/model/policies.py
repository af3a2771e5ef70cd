"""Allocation rules: who gets domestic chips when supply falls short.

A rule is a plain function ``rule(orders, supply, bound) -> granted``:
``orders`` is (segments, levels, R) H100e, ``supply`` is (levels, R) H100e and
``bound`` is a (segments,) bool array marking quota-bound segments. Invariants:
``0 <= granted <= orders`` and ``granted.sum(0) <= supply``.
"""

from __future__ import annotations

import numpy as np


def pro_rata(orders: np.ndarray, supply: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """Every segment gets the same fraction of its orders."""
    total = orders.sum(axis=0)
    ratio = np.divide(supply, total, out=np.ones_like(total), where=total > 0)
    return orders * np.minimum(ratio, 1.0)[None]


def quota_first(orders: np.ndarray, supply: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """Quota-bound segments are served first (pro rata among them), then the rest."""
    mask = bound[:, None, None]
    first = pro_rata(orders * mask, supply, bound)
    rest = pro_rata(orders * ~mask, np.maximum(supply - first.sum(axis=0), 0.0), bound)
    return first + rest


ALLOCATION_RULES = {"pro_rata": pro_rata, "quota_first": quota_first}
