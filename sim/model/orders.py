"""Orders that wait, carried by SimPy: unfilled orders wait ``months`` months, then lapse.

A segment's domestic orders that a month does not fill are filed as one
batch (levels, R). Filing starts a SimPy timeout that fires at the start of
the batch's last month, before the clock opens it: the batch then *closes*.
Each month the segment serves what it got oldest batch first (the closing
one, then the others by age); what is left of the closing batch after
serving lapses (unmet demand) and the month's new unfilled orders are filed.
A batch filed in month ``t`` is served in months ``t + 1`` to ``t +
months`` and lapses at the end of month ``t + months``.

This replaced a ring of buckets indexed by age (``state.Backlog``, until
issue 22): the values are the same bit for bit (an empty bucket's terms
added or took exactly zero).
"""

from __future__ import annotations

from typing import cast

import numpy as np
import simpy


class WaitingOrders:
    """Unfilled orders by the SimPy time they close, (levels, R) each, served oldest first.

    Invariants: every batch >= 0, and ``filed - served - lapsed`` equals
    what waits (:meth:`imbalance`). With ``track=False`` the three totals
    are not kept (None).
    """

    def __init__(
        self, env: simpy.Environment, months: int, shape: tuple[int, int], track: bool = True
    ):
        if months < 1:
            raise ValueError(f"orders wait at least 1 month, not {months}")
        self.env = env
        self.months = months
        self.open: dict[float, np.ndarray] = {}  # SimPy time a batch closes -> the batch
        self.closing = np.zeros(shape)  # the batch in its last month (zeros if none)
        self.filed = np.zeros(shape) if track else None
        self.served = np.zeros(shape) if track else None
        self.lapsed = np.zeros(shape) if track else None

    def file(self, orders: np.ndarray) -> None:
        """File this month's unfilled ``orders``: they close ``months`` months on."""
        self.add(orders, self.months)

    def prefill(self, age: int, orders: np.ndarray) -> None:
        """File ``orders`` as placed ``age`` months before the run (a warm start, at time 0).

        They wait as if filed at the end of month ``-1 - age``: they close in
        month ``months - 1 - age`` (``age = months - 1``: the first month).
        """
        if not 0 <= age < self.months:
            raise ValueError(f"an order of age {age} has lapsed (orders wait {self.months})")
        self.add(orders, self.months - 1 - age)

    def add(self, orders: np.ndarray, after: int) -> None:
        """Add ``orders`` to the batch closing ``after`` months from now; count them filed."""
        if self.filed is not None:
            self.filed += orders
        if after == 0:
            self.closing = self.closing + orders
            return
        when = self.env.now + after
        batch = self.open.get(when)
        if batch is None:
            self.open[when] = np.array(orders, dtype=float)
            self.env.timeout(after, when).callbacks.append(self.close)
        else:
            batch += orders

    def close(self, event: simpy.Event) -> None:
        """SimPy callback: a batch enters its last month."""
        batch = self.open.pop(cast(float, event.value))  # the time ``add`` gave it
        self.closing = self.closing + batch  # (zeros: each month's closing batch lapses)

    def oldest_first(self) -> list[np.ndarray]:
        """Return the batches waiting, oldest first: the closing one, then by closing time."""
        return [self.closing] + [self.open[when] for when in sorted(self.open)]

    def serve(self, got: np.ndarray) -> np.ndarray:
        """Take ``got`` from the batches, oldest first; return what is left over."""
        left = got.copy()
        served = np.empty_like(left)
        for batch in self.oldest_first():
            np.minimum(batch, left, out=served)
            batch -= served
            left -= served
        if self.served is not None:
            self.served += got - left
        return left

    def lapse(self) -> np.ndarray:
        """End the closing batch's wait: return what is left of it, which lapses."""
        lapsed, self.closing = self.closing, np.zeros(self.closing.shape)
        if self.lapsed is not None:
            self.lapsed += lapsed
        return lapsed

    def total(self) -> np.ndarray:
        """Orders waiting, summed youngest to oldest."""
        batches = self.oldest_first()[::-1]
        out: np.ndarray = 0.0 + batches[0]
        for batch in batches[1:]:
            out += batch
        return out

    def imbalance(self) -> np.ndarray:
        """``filed - served - lapsed - waiting``: zero up to rounding."""
        if self.filed is None or self.served is None or self.lapsed is None:  # all or none
            raise ValueError("these orders keep no totals (made with track=False)")
        gap: np.ndarray = self.filed - self.served - self.lapsed - self.total()
        return gap

    def expand(self, levels: int) -> None:
        """Repeat the single level row ``levels`` times (see ``state.LevelRows``)."""
        self.open = {when: np.repeat(batch, levels, axis=0) for when, batch in self.open.items()}
        self.closing = np.repeat(self.closing, levels, axis=0)
        for name in ("filed", "served", "lapsed"):
            if getattr(self, name) is not None:
                setattr(self, name, np.repeat(getattr(self, name), levels, axis=0))
