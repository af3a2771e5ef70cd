"""Progress of an experiment: a tqdm bar on a terminal, plain periodic lines otherwise."""

from __future__ import annotations

import sys
import time
from datetime import timedelta


class Progress:
    """Counts points done; shows points done, rate and ETA.

    On a terminal a tqdm bar; otherwise a plain line at most every ``interval``
    seconds and one at the end (logs stay readable).
    """

    def __init__(self, total: int, done: int = 0, label: str = "points", stream=None,
                 interval: float = 10.0, bar: bool | None = None, enabled: bool = True,
                 unit: str = "points"):
        self.total, self.done, self.label, self.unit = total, done, label, unit
        self.stream = stream if stream is not None else sys.stderr
        self.interval, self.enabled = interval, enabled
        self.start, self.start_done = time.monotonic(), done
        self.last = self.start
        use_bar = self.stream.isatty() if bar is None else bar
        self.bar = None
        if enabled and use_bar:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, unit=unit, desc=label, file=self.stream,
                            dynamic_ncols=True, smoothing=0.1)

    def update(self, points: int) -> None:
        """Record ``points`` more points done."""
        self.done += points
        if self.bar is not None:
            self.bar.update(points)
            return
        now = time.monotonic()
        if self.enabled and (now - self.last >= self.interval or self.done >= self.total):
            self.last = now
            print(self.line(now), file=self.stream, flush=True)

    def line(self, now: float | None = None) -> str:
        """Format the plain progress line: done/total, percent, rate, ETA."""
        now = time.monotonic() if now is None else now
        elapsed = max(now - self.start, 1e-9)
        rate = (self.done - self.start_done) / elapsed
        left = self.total - self.done
        eta = str(timedelta(seconds=round(left / rate))) if rate > 0 else "?"
        share = self.done / self.total if self.total else 1.0
        return (f"{self.label}: {self.done}/{self.total} {self.unit} ({share:.0%}), "
                f"{rate:.3g} {self.unit}/s, ETA {eta}")

    def close(self) -> None:
        """End the bar."""
        if self.bar is not None:
            self.bar.close()
