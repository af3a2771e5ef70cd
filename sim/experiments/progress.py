"""Progress of a long wait, on stderr: a tqdm bar on a terminal, sparse plain lines otherwise.

Every command that can wait more than a couple of seconds shows it here, and
only on stderr, so what goes to stdout and into files is the same with or
without it. ``CHIPSIM_PROGRESS`` chooses: ``auto`` (the default: a bar on a
terminal, plain lines elsewhere), ``lines`` (plain lines even on a terminal,
from the first update: for logs and tests) or ``off``.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TextIO

ENV = "CHIPSIM_PROGRESS"
MODES = ("auto", "lines", "off")
QUIET = 2.0  # seconds a wait may last before its progress shows (commands that are often quick)


def mode() -> str:
    """Return the progress mode ``CHIPSIM_PROGRESS`` asks for (unset or unknown: auto)."""
    chosen = os.environ.get(ENV, "auto").strip().lower()
    return chosen if chosen in MODES else "auto"


@dataclass(frozen=True, kw_only=True)
class Display:
    """How a :class:`Progress` shows: what it counts and how often it speaks.

    ``label`` and ``unit`` name the wait and what it counts; plain lines come
    at most every ``interval`` seconds, none before ``delay`` seconds;
    ``bar`` forces a tqdm bar on or off (None: on a terminal); ``stream`` is
    where it writes (None: stderr).
    """

    label: str = "points"
    unit: str = "points"
    interval: float = 10.0
    delay: float = 0.0
    bar: bool | None = None
    stream: TextIO | None = field(default=None, compare=False)


class Progress:
    """Counts points done; shows points done, rate and ETA.

    On a terminal a tqdm bar; otherwise a plain line at most every
    ``display.interval`` seconds and one at the end (logs stay readable). With
    ``display.delay`` neither shows before the wait has lasted that long, and
    the closing plain line only follows an earlier one: a quick command stays
    silent. ``done`` points count as done from the start.
    """

    def __init__(
        self, total: int, display: Display = Display(), enabled: bool = True, done: int = 0
    ):
        self.total, self.done, self.label, self.unit = total, done, display.label, display.unit
        self.stream = display.stream if display.stream is not None else sys.stderr
        chosen = mode()
        self.interval, self.enabled = display.interval, enabled and chosen != "off"
        self.delay = 0.0 if chosen == "lines" else display.delay
        self.start, self.start_done = time.monotonic(), done
        self.last, self.shown = self.start, False
        use_bar = self.stream.isatty() if display.bar is None else display.bar
        self.bar = None
        if self.enabled and use_bar and chosen != "lines":
            from tqdm import tqdm

            self.bar = tqdm(
                total=total,
                initial=done,
                unit=self.unit,
                desc=self.label,
                file=self.stream,
                dynamic_ncols=True,
                smoothing=0.1,
                delay=self.delay,
            )

    def update(self, points: int) -> None:
        """Record ``points`` more points done."""
        self.done += points
        if self.bar is not None:
            self.bar.update(points)
            return
        if self.enabled and self.due(time.monotonic()):
            self.last, self.shown = time.monotonic(), True
            print(self.line(self.last), file=self.stream, flush=True)

    def due(self, now: float) -> bool:
        """Whether a plain line is due: the first once ``delay`` has passed, then as usual."""
        if now - self.start < self.delay:
            return False
        if self.delay and not self.shown:
            return True
        return now - self.last >= self.interval or self.done >= self.total

    def line(self, now: float | None = None) -> str:
        """Format the plain progress line: done/total, percent, rate, ETA."""
        now = time.monotonic() if now is None else now
        elapsed = max(now - self.start, 1e-9)
        rate = (self.done - self.start_done) / elapsed
        left = self.total - self.done
        eta = str(timedelta(seconds=round(left / rate))) if rate > 0 else "?"
        share = self.done / self.total if self.total else 1.0
        return (
            f"{self.label}: {self.done}/{self.total} {self.unit} ({share:.0%}), "
            f"{rate:.3g} {self.unit}/s, ETA {eta}"
        )

    def close(self) -> None:
        """End the bar."""
        if self.bar is not None:
            self.bar.close()


class Meter:
    """A ``(done, total)`` callback showing a :class:`Progress`, made on its first call.

    For work that learns its total as it starts (a run's blocks, the
    counterfactual runs, a diff's reruns); the progress closes when done
    reaches total.
    """

    def __init__(
        self, label: str, unit: str = "months", interval: float = 5.0, delay: float = QUIET
    ):
        self.display = Display(label=label, unit=unit, interval=interval, delay=delay)
        self.bar: Progress | None = None
        self.closed = False

    def __call__(self, done: int, total: int) -> None:
        """Show ``done`` of ``total``; close the progress at the end (later calls do nothing)."""
        if self.closed:
            return
        if self.bar is None:
            self.bar = Progress(total, self.display)
        self.bar.update(done - self.bar.done)
        if done >= total:
            self.bar.close()
            self.closed = True
