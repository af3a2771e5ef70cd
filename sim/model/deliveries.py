"""Deliveries after a lead time, carried by SimPy: work started now arrives ``lead`` months on.

A vendor's work in progress is a :class:`Deliveries`: chips started in month
``t`` are sent as SimPy timeouts, one per distinct lead among the
replications (a replication's lead is drawn, (R,) whole months), each
carrying the units of the replications with that lead. A timeout fires at
SimPy time ``t + lead``, at the start of that month before the clock opens
it, and its units become due; the vendor takes what is due when it
completes the month (``completed`` in :data:`sim.model.month.MONTH`).

Each replication receives exactly one arrival a month (from the month its
lead reaches back to), so arrivals are copied into what is due, never
summed: the values are those of the ring indexed by month that it replaced
(``Pipeline``, until issue 22), bit for bit, at the same cost (the units are
copied once when sent and once when they arrive).
"""

from __future__ import annotations

import numpy as np
import simpy


class Deliveries:
    """Work in progress, (levels, R): units started in month ``t`` finish in ``t + lead``.

    ``lead`` (R,) whole months, 1 to ``depth - 1``. Invariant: ``added -
    taken`` equals :meth:`level`, the units in progress. ``added`` (units
    started) is always kept; ``taken`` only with ``track`` (else None).
    Units in transit keep the rows they were started with; when the quota
    levels part (:meth:`expand`) they arrive into every level's row.
    """

    def __init__(self, env: simpy.Environment, depth: int, shape: tuple[int, int],
                 lead: np.ndarray, track: bool = True, receive=None):
        self.env = env
        # None: arrivals wait in ``due`` for :meth:`finish`; else they are finished as they
        # arrive and handed on, ``receive(units, columns)``
        self.receive = receive
        self.depth = depth
        self.lead = np.broadcast_to(np.asarray(lead), shape[-1:])
        if self.lead.size and not 1 <= self.lead.min() <= self.lead.max() < depth:
            raise ValueError(f"leads must be whole months from 1 to {depth - 1}")
        # one timeout per distinct lead: (lead, the replications with it: their columns)
        leads = np.unique(self.lead)
        self.groups = [(int(months), slice(None) if len(leads) == 1
                        else np.flatnonzero(self.lead == months)) for months in leads]
        self.due = np.zeros(shape)  # arrived this month, not yet taken
        self.added = np.zeros(shape)
        self.taken = np.zeros(shape) if track else None
        self.wip = np.zeros(shape)

    def send(self, units: np.ndarray, after: int, columns) -> None:
        """Let ``units`` (rows, R) arrive ``after`` months on, for the replications ``columns``.

        What is sent is a copy (the caller's array may change while it waits).
        """
        part = np.array(units[:, columns], dtype=float)
        if after == 0:
            self.due[:, columns] = part
        else:
            self.env.timeout(after, (part, columns)).callbacks.append(self.arrive)

    def arrive(self, event: simpy.Event) -> None:
        """SimPy callback: a timeout's units are due now, for its replications."""
        part, columns = event.value
        if self.receive is None:
            self.due[:, columns] = part
            return
        if self.taken is not None:
            self.taken[:, columns] += part
        self.wip[:, columns] -= part
        self.receive(part, columns)

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
            raise ValueError(f"month {t} finishes in SimPy time [{t}, {t + 1}), "
                             f"not at {self.env.now}")
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
        for name in ("due", "added", "taken", "wip"):
            if getattr(self, name) is not None:
                setattr(self, name, np.repeat(getattr(self, name), levels, axis=0))
