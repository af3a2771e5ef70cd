"""The monthly clock and the events that order a month.

The month is the accounting period. At the start of month ``t`` (SimPy time
``t``) the clock fires the timeline's events dated ``t``, then opens a
:class:`Month`, whose phase events say what has happened so far:

    begun -> produced (wafers, memory) -> capacity; offered (import supply);
          ordered -> warmed (first month only: work in progress filled)
          -> completed (work finished) -> imported -> redirected
          -> delivered -> planned -> started -> recorded

A phase's event succeeds once every actor that joined the phase has reported
it done (:meth:`Month.done`), or, if no actor joined it, as soon as the phase
before it is done; actors wait on the phases they need. When the
month is recorded the clock waits one time unit and opens the next. No actor
waits on a time offset: within a month, order comes from these events alone.
"""

from __future__ import annotations

from collections import Counter

import simpy

PHASES = ("begun", "produced", "capacity", "offered", "ordered", "warmed", "completed",
          "imported", "redirected", "delivered", "planned", "started", "recorded")


class Month:
    """One accounting month: an event per phase (its value is this Month)."""

    def __init__(self, env: simpy.Environment, t: int, members: Counter):
        self.t = t
        self.events = {phase: env.event() for phase in PHASES}
        self.pending = {phase: members[phase] for phase in PHASES}
        for before, phase in zip(PHASES, PHASES[1:], strict=False):
            if self.pending[phase] == 0:  # nobody reports it: done when the phase before is
                self.events[before].callbacks.append(self._follow(phase))

    def _follow(self, phase: str):
        """Make a callback that marks ``phase`` done (a phase no actor joined)."""
        return lambda _event: self.events[phase].succeed(self)

    def after(self, phase: str) -> simpy.Event:
        """Return the event of ``phase`` being done this month."""
        return self.events[phase]

    def done(self, phase: str) -> None:
        """Report one actor's part of ``phase`` done; the last report triggers its event."""
        if self.pending[phase] <= 0:  # invariant: reports never outnumber the actors joined
            raise RuntimeError(f"phase {phase!r} reported by more actors than joined it")
        self.pending[phase] -= 1
        if self.pending[phase] == 0:
            self.events[phase].succeed(self)


class Clock:
    """Opens one :class:`Month` after another; actors join the phases they report.

    ``timeline`` (with ``fire(t)``) is fired at each month's start, before the
    month begins, so every actor sees the month's events already applied.
    """

    def __init__(self, env: simpy.Environment, months: int, timeline):
        self.env = env
        self.months = months
        self.timeline = timeline
        self.members = Counter({"begun": 1})
        self.opened = env.event()

    def join(self, *phases: str) -> None:
        """Count one more actor that reports each of ``phases`` (names from :data:`PHASES`)."""
        unknown = sorted(set(phases) - set(PHASES))
        if unknown:
            raise ValueError(f"unknown phases {unknown}; a month has {', '.join(PHASES)}")
        self.members.update(phases)

    def next_month(self) -> simpy.Event:
        """Return the event of the next month beginning (its value is the :class:`Month`)."""
        return self.opened

    def tick(self):
        """SimPy process: month after month, fire the timeline, begin, wait until recorded."""
        for t in range(self.months):
            self.timeline.fire(t)
            month = Month(self.env, t, self.members)
            opened, self.opened = self.opened, self.env.event()
            opened.succeed(month)
            month.done("begun")
            yield month.after("recorded")
            yield self.env.timeout(1)
