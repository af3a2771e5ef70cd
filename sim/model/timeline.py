"""The timeline: every dated entry of a scenario, fired as SimPy events at its month.

A dated entry has a key (``events.h20_licence``, ``launch.huawei.ascend_910c``,
``foundries.tsmc.closes`` ...) and a calendar step per replication (a fixed
date is the same step for all). It fires at the first month ``t`` with
``t >= step``: an entry dated before the calendar fires in the first month,
one dated after it never fires, and an undefined date (NaN) never fires. An
entry whose date differs between replications fires once for each distinct
month, its value the mask of replications (bool, (R,)) whose date it is.

Actors that react to an entry wait on :meth:`Timeline.on` in a loop; the
clock calls :meth:`Timeline.fire` at the start of each month, before the
month begins, firing that month's entries in the order they were added
(so, for one product's events, the order the scenario lists them).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import simpy


def firing_months(steps: np.ndarray, months: int) -> np.ndarray:
    """Return the month each replication's entry fires in, or -1 for never, (R,) int64."""
    first = np.maximum(np.ceil(np.asarray(steps, dtype=float)), 0.0)  # NaN stays NaN
    with np.errstate(invalid="ignore"):
        return np.where(first < months, first, -1).astype(np.int64)


class Timeline:
    """Dated entries as SimPy events, fired month by month by the clock."""

    def __init__(self, env: simpy.Environment, months: int):
        self.env = env
        self.months = months
        self.schedule: dict[int, list[tuple[str, np.ndarray]]] = defaultdict(list)
        self.pending: dict[str, simpy.Event] = {}
        self.keys: list[str] = []

    def add(self, key: str, steps: np.ndarray) -> None:
        """Schedule ``key`` at calendar ``steps`` (per replication, (R,))."""
        if key in self.pending:
            raise ValueError(f"timeline entry {key!r} added twice")
        self.keys.append(key)
        self.pending[key] = self.env.event()
        steps = np.asarray(steps)
        if steps.size and not any(steps.strides):  # one date for all replications
            month = int(firing_months(steps.flat[:1], self.months)[0])
            if month >= 0:
                self.schedule[month].append((key, np.broadcast_to(True, steps.shape)))
            return
        fires = firing_months(steps, self.months)
        for month in np.unique(fires[fires >= 0]):
            self.schedule[int(month)].append((key, fires == month))

    def on(self, key: str) -> simpy.Event:
        """Return the next firing of ``key``; its value: the mask of replications it applies to."""
        return self.pending[key]

    def fire(self, t: int) -> None:
        """Trigger every entry dated month ``t``, in the order they were added."""
        for key, mask in self.schedule.pop(t, ()):
            event, self.pending[key] = self.pending[key], self.env.event()
            event.succeed(mask)

    def months_of(self, key: str) -> list[int]:
        """Months at which ``key`` is still to fire (for inspection and tests)."""
        return sorted(
            t for t, entries in self.schedule.items() if any(k == key for k, _ in entries)
        )
