"""Deliveries after a lead time, carried by SimPy: work started now arrives ``lead`` months on.

Chips a vendor starts and capacity the investor commits are :class:`Deliveries`.
Units started in month ``t`` go, replication by replication, into the
delivery of month ``t + lead`` (a replication's lead is drawn, (R,) whole
months); each month that has a delivery on its way has one SimPy timeout,
which fires at the start of that month, before the clock opens it. Then the
month's delivery is due: a vendor takes it when it completes the month
(``completed`` in :data:`sim.model.month.MONTH`); capacity is handed on as
it arrives (``receive``), into the investor's added stock.

Each replication's units fill its own column of one delivery a month (from
the month its lead reaches back to), so they are copied, never summed: the
values are those of the ring indexed by month that this replaced
(``Pipeline``, until issue 22), bit for bit, at about its cost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import numpy as np
import simpy


class Deliveries:
    """Work in progress, (levels, R): units started in month ``t`` finish in ``t + lead``.

    ``lead`` (R,) whole months, 1 to ``depth - 1``. Invariant: ``added -
    taken`` equals :meth:`level`, the units in progress. ``added`` (units
    started) is always kept; ``taken`` only with ``track`` (else None).
    ``receive``: None, deliveries wait in ``due`` until :meth:`finish`; else
    they are finished as they arrive and handed to ``receive(units)``.
    """

    def __init__(
        self,
        env: simpy.Environment,
        depth: int,
        shape: tuple[int, int],
        lead: np.ndarray,
        track: bool = True,
        receive: Callable[[np.ndarray], None] | None = None,
    ):
        self.env = env
        self.receive = receive
        self.depth = depth
        self.lead = np.broadcast_to(np.asarray(lead), shape[-1:])
        if self.lead.size and not 1 <= self.lead.min() <= self.lead.max() < depth:
            raise ValueError(f"leads must be whole months from 1 to {depth - 1}")
        # (lead, the replications with it: their columns), one entry per distinct lead
        leads = np.unique(self.lead)
        self.groups = [
            (int(months), slice(None) if len(leads) == 1 else np.flatnonzero(self.lead == months))
            for months in leads
        ]
        # (id of a group's columns, rows) -> their flat index in a C-ordered (rows, R) array;
        # the columns are self.groups' own arrays, alive as long as self, so ids are unique
        self.flat: dict[tuple[int, int], np.ndarray] = {}
        # SimPy time a delivery is due -> its units, (rows, R)
        self.on_way: dict[float, np.ndarray] = {}
        self.due = np.zeros(shape)  # delivered this month, not yet taken
        self.added = np.zeros(shape)
        self.taken = np.zeros(shape) if track else None
        self.wip = np.zeros(shape)

    def send(self, units: np.ndarray, after: int, columns: slice | np.ndarray) -> None:
        """Put ``units`` (rows, R) of replications ``columns`` on the delivery ``after`` months on.

        They are copied (the caller's array may change while they wait); the
        first units for a month start its SimPy timeout.
        """
        if after == 0:
            self.copy(self.due, units, columns)
            return
        when = self.env.now + after
        delivery = self.on_way.get(when)
        if delivery is None:
            delivery = self.on_way[when] = np.zeros(self.due.shape)
            self.env.timeout(after, when).callbacks.append(self.arrive)
        self.copy(delivery, units, columns)

    def copy(self, target: np.ndarray, units: np.ndarray, columns: slice | np.ndarray) -> None:
        """``target[:, columns] = units[:, columns]``, by one 1-D index into both flattened.

        Same values; numpy's 2-D fancy indexing takes a slow general path that
        cost the model 7% of its instructions (benchmarks/bench_commits.py).
        """
        if (
            isinstance(columns, slice)
            or target.shape != units.shape
            or not (target.flags.c_contiguous and units.flags.c_contiguous)
        ):
            target[:, columns] = units[:, columns]
            return
        rows, count = target.shape
        flat = self.flat.get((id(columns), rows))
        if flat is None:
            flat = (np.arange(rows)[:, None] * count + columns).ravel()
            self.flat[(id(columns), rows)] = flat
        target.reshape(-1)[flat] = units.reshape(-1)[flat]

    def arrive(self, event: simpy.Event) -> None:
        """SimPy callback: the month's delivery has come; it is due (or handed on)."""
        delivery = self.on_way.pop(cast(float, event.value))  # the time ``send`` gave it
        if self.receive is None:
            self.due = delivery
            return
        if self.taken is not None:
            self.taken += delivery
        self.wip -= delivery
        self.receive(delivery)

    def start(self, t: int, units: np.ndarray) -> None:
        """Start ``units`` (levels, R) in month ``t`` (now): each arrives after its lead."""
        self.added += units
        self.wip += units
        for months, columns in self.groups:
            self.send(units, months, columns)

    def prefill(self, units: np.ndarray) -> None:
        """As if ``units`` (levels, R) had been started every month before the first (now)."""
        for months, columns in self.groups:  # started ``back`` months ago: due in months - back
            for after in range(months):
                self.send(units, after, columns)
        waiting = self.lead.astype(float)  # months of starts still in progress at month 0
        self.added += units * waiting
        self.wip += units * waiting

    def finish(self, t: int) -> np.ndarray:
        """Return what finishes in month ``t`` (now): what has arrived, (levels, R)."""
        if not t <= self.env.now < t + 1:  # month t is SimPy time t to t + 1
            raise ValueError(
                f"month {t} finishes in SimPy time [{t}, {t + 1}), not at {self.env.now}"
            )
        due, self.due = self.due, np.zeros_like(self.due)
        if self.taken is not None:
            self.taken += due
        self.wip -= due
        return due

    def level(self) -> np.ndarray:
        """Units in progress, (levels, R)."""
        return self.wip

    def imbalance(self) -> np.ndarray:
        """Return ``added - taken - in progress``: zero up to rounding."""
        if self.taken is None:
            raise ValueError("these deliveries keep no total taken (made with track=False)")
        return self.added - self.taken - self.wip

    def expand(self, levels: int) -> None:
        """Repeat the single level row ``levels`` times (see :class:`LevelRows`)."""
        self.on_way = {
            when: np.repeat(units, levels, axis=0) for when, units in self.on_way.items()
        }
        for name in ("due", "added", "taken", "wip"):
            if getattr(self, name) is not None:
                setattr(self, name, np.repeat(getattr(self, name), levels, axis=0))
