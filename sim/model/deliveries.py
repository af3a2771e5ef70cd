"""Deliveries after a lead time, carried by SimPy: work started now arrives ``lead`` months on.

A vendor's work in progress is a :class:`Deliveries`: chips started in month
``t`` are sent as SimPy timeouts, one per distinct lead among the
replications (a replication's lead is drawn, (R,) whole months), each
carrying the units and the mask of the replications with that lead. A
timeout fires at SimPy time ``t + lead``, at the start of that month before
the clock opens it, and its units join what is due; the vendor takes what is
due when it completes the month (``completed`` in :data:`sim.model.month.MONTH`).

Each replication receives exactly one arrival a month (from the month its
lead reaches back to), so arrivals are copied into what is due, never
summed: the values are those the ring of :class:`sim.model.state.Pipeline`
gave, bit for bit.
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
                 lead: np.ndarray, track: bool = True):
        self.env = env
        self.depth = depth
        self.lead = np.broadcast_to(np.asarray(lead), shape[-1:])
        if self.lead.size and not 1 <= self.lead.min() <= self.lead.max() < depth:
            raise ValueError(f"leads must be whole months from 1 to {depth - 1}")
        # one timeout per distinct lead: (lead, mask of the replications with it)
        self.groups = [(int(months), self.lead == months) for months in np.unique(self.lead)]
        self.due = np.zeros(shape)  # arrived this month, not yet taken
        self.added = np.zeros(shape)
        self.taken = np.zeros(shape) if track else None
        self.wip = np.zeros(shape)

    def send(self, units: np.ndarray, after: int, mask: np.ndarray) -> None:
        """Let ``units`` (rows, R) arrive for the ``mask`` replications ``after`` months on."""
        if after == 0:
            np.copyto(self.due, units, where=mask)
        else:
            self.env.timeout(after, (units, mask)).callbacks.append(self.arrive)

    def arrive(self, event: simpy.Event) -> None:
        """SimPy callback: a timeout's units join what is due, for its replications."""
        units, mask = event.value
        np.copyto(self.due, units, where=mask)

    def start(self, t: int, units: np.ndarray) -> None:
        """Start ``units`` (levels, R) in month ``t`` (now): each arrives after its lead."""
        units = np.array(units, dtype=float)  # in transit: the caller's array may change
        self.added += units
        self.wip += units
        for months, mask in self.groups:
            self.send(units, months, mask)

    def prefill(self, units: np.ndarray) -> None:
        """As if ``units`` (levels, R) had been started every month before the first (now)."""
        units = np.array(units, dtype=float)
        for months, mask in self.groups:  # started ``back`` months ago: due in months - back
            for after in range(months):
                self.send(units, after, mask)
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
