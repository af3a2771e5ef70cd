"""The monthly clock and the events that order a month.

The month is the accounting period. At the start of month ``t`` (SimPy time
``t``) the clock fires the timeline's events dated ``t``, then opens a
:class:`Month`, with an event per step of :data:`sim.model.month.MONTH`, the
month's order declared once (begun -> produced -> supplied -> offered ->
ordered -> capacity -> warmed -> imported -> completed -> redirected ->
delivered -> planned -> invested -> started -> recorded).

An actor's process joins the steps declared for it (:meth:`Clock.start`),
waits for its turn at each (:meth:`Month.turn`: the step before it done) and
reports it (:meth:`Month.done`). A step's event succeeds once every actor
that joined it has reported it done, or, if no actor joined it, as soon as
the step before it is done. When the month is recorded the clock waits one
time unit and opens the next. No actor waits on a time offset: within a
month, order comes from these events alone.

Should an actor stop reporting a step, no event is left and SimPy's run
simply ends early; :meth:`Clock.check` turns that into an error naming the
month and the step that stalled.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator
from types import GeneratorType
from typing import TYPE_CHECKING, Any, cast

import simpy

from sim.model.month import STEPS, steps_of

if TYPE_CHECKING:
    from sim.model.timeline import Timeline

PHASES = STEPS  # the month's steps, in order, from its one declaration
BEFORE = dict(zip(PHASES[1:], PHASES, strict=False))  # step -> the step before it


class Month:
    """One accounting month: an event per phase (its value is this Month)."""

    def __init__(self, env: simpy.Environment, t: int, members: Counter[str]) -> None:
        self.t = t
        self.events = {phase: env.event() for phase in PHASES}
        self.joined = {phase: members[phase] for phase in PHASES}
        self.pending = dict(self.joined)  # reports still due; 0 once the phase is reported
        for before, phase in zip(PHASES, PHASES[1:], strict=False):
            if self.pending[phase] == 0:  # nobody reports it: done when the phase before is
                self.events[before].callbacks.append(self._follow(phase))

    def _follow(self, phase: str) -> Callable[[simpy.Event], None]:
        """Make a callback that marks ``phase`` done (a phase no actor joined)."""

        def follow(_event: simpy.Event) -> None:
            self.events[phase].succeed(self)

        return follow

    def after(self, phase: str) -> simpy.Event:
        """Return the event of ``phase`` being done this month."""
        return self.events[phase]

    def turn(self, step: str) -> simpy.Event:
        """Return the event of ``step``'s turn: the step before it done this month."""
        return self.events[BEFORE[step]]

    def done(self, phase: str) -> None:
        """Report one actor's part of ``phase`` done; the last report triggers its event."""
        if self.pending[phase] <= 0:  # invariant: reports never outnumber the actors joined
            raise RuntimeError(f"phase {phase!r} reported by more actors than joined it")
        self.pending[phase] -= 1
        if self.pending[phase] == 0:
            self.events[phase].succeed(self)

    def waiting(self) -> str | None:
        """Return the first phase, in :data:`PHASES` order, not yet done (None if all are)."""
        return next((phase for phase in PHASES if not self.events[phase].triggered), None)


class Clock:
    """Opens one :class:`Month` after another; actors join the phases they report.

    ``timeline`` (with ``fire(t)``) is fired at each month's start, before the
    month begins, so every actor sees the month's events already applied.
    """

    def __init__(self, env: simpy.Environment, months: int, timeline: Timeline) -> None:
        self.env = env
        self.months = months
        self.timeline = timeline
        self.members = Counter({"begun": 1})
        self.opened = env.event()
        self.month: Month | None = None  # the month opened last
        self.completed = 0  # months recorded so far; == months once the run is through

    @property
    def finished(self) -> bool:
        """Tell whether every month of the calendar has been recorded."""
        return self.completed == self.months

    def stall(self) -> tuple[Month, str | None] | None:
        """Return the month that stalled and its first phase not done.

        None if every month was recorded or none was opened; the phase is None
        only if the month was recorded but the next never opened.
        """
        if self.finished or self.month is None:
            return None
        return self.month, self.month.waiting()

    def check(self, label: Callable[[int], str] = str) -> None:
        """Raise a one-line RuntimeError naming the month (``label(t)``) and phase that stalled.

        Call it after ``env.run()``: the run ended early unless every month was recorded.
        """
        if self.finished:
            return
        if self.month is None:
            raise RuntimeError("the simulation stalled before its first month: the clock never ran")
        stalled = self.stall()
        assert stalled is not None  # neither finished nor unopened: a month stalled
        month, phase = stalled
        where = f"the simulation stalled in {label(month.t)} (month {month.t + 1} of {self.months})"
        if phase is None:
            raise RuntimeError(f"{where}: the month was recorded but the next never opened")
        raise RuntimeError(
            f"{where}: phase {phase!r} still waits for "
            f"{month.pending[phase]} of {month.joined[phase]} actors"
        )

    def join(self, *phases: str) -> None:
        """Count one more actor that reports each of ``phases`` (names from :data:`PHASES`)."""
        unknown = sorted(set(phases) - set(PHASES))
        if unknown:
            raise ValueError(f"unknown phases {unknown}; a month has {', '.join(PHASES)}")
        self.members.update(phases)

    def start(self, process: Generator[simpy.Event, Any, None]) -> None:
        """Join ``process`` (an actor's SimPy generator) to its declared steps and start it.

        Its steps are those :data:`sim.model.month.MONTH` gives its qualified
        name (``Vendor.produce``); a process the month does not name is an error.
        """
        name = cast("GeneratorType[Any, Any, Any]", process).__qualname__  # a generator has one
        steps = steps_of(name)
        if not steps:
            raise ValueError(f"{name} does no step of the month (sim.model.month.MONTH)")
        self.join(*steps)
        self.env.process(process)

    def next_month(self) -> simpy.Event:
        """Return the event of the next month beginning (its value is the :class:`Month`)."""
        return self.opened

    def tick(self) -> Generator[simpy.Event, Any, None]:
        """SimPy process: month after month, fire the timeline, begin, wait until recorded."""
        for t in range(self.months):
            self.timeline.fire(t)
            month = self.month = Month(self.env, t, self.members)
            opened, self.opened = self.opened, self.env.event()
            opened.succeed(month)
            month.done("begun")
            yield month.after("recorded")
            self.completed = t + 1
            yield self.env.timeout(1)
