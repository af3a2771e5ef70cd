"""Tiny hand-made worlds for the model's unit tests: a calendar, draws, an environment.

Every value is fixed (``Dist.fixed``) or pinned per replication, so a test
can compute what the model must give by hand.
"""

from __future__ import annotations

import numpy as np
import simpy

from sim.core.calendar import Calendar, parse_month
from sim.model.clock import Clock
from sim.model.rng import Draws, Streams
from sim.model.state import LevelRows
from sim.model.timeline import Timeline
from sim.scenario.dist import Dist

START = "2025-01"


def calendar(months: int = 12, start: str = START) -> Calendar:
    """A calendar of ``months`` months from ``start``."""
    first = parse_month(start)
    return Calendar(first, first + months - 1)


def draws(replications: int = 3, pinned: dict | None = None) -> Draws:
    """Draws for ``replications`` replications; ``pinned`` path -> per-replication values."""
    return Draws(
        Streams(1),
        replications,
        pinned={k: np.asarray(v, dtype=float) for k, v in (pinned or {}).items()},
    )


def fixed(value: float) -> Dist:
    """A parameter known exactly."""
    return Dist.fixed(value)


def date(text: str) -> Dist:
    """A fixed month-valued parameter."""
    return Dist("fixed", (float(parse_month(text)),), is_date=True)


class World:
    """An environment with its timeline and clock, for driving one actor by hand."""

    def __init__(self, months: int = 12, levels: int = 1, part_step: int | None = None):
        self.cal = calendar(months)
        self.env = simpy.Environment()
        self.timeline = Timeline(self.env, months)
        self.clock = Clock(self.env, months, self.timeline)
        self.rows = LevelRows(levels, part_step)

    def run(self, *processes) -> None:
        """Start ``processes`` (generators) and the clock; run to the calendar's end."""
        for process in processes:
            self.env.process(process)
        self.env.process(self.clock.tick())
        self.env.run()
