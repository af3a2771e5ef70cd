"""The monthly clock: every actor acts once a month, in a fixed phase order.

Invariant: within month ``t`` (SimPy time ``t`` to ``t + 1``) fabs produce,
then vendors ship, HBM is packaged, import channels ship, segments procure,
the market clears and the recorder records (then freed memory is released
and, when levels part, they split). The offsets below enforce it.
"""

from __future__ import annotations

PHASE = {
    "produce": 0.0,
    "ship": 0.1,
    "package": 0.2,
    "offer": 0.3,
    "procure": 0.4,
    "clear": 0.5,
    "record": 0.6,
    "release": 0.65,
    "split": 0.7,
}


def month_of(now: float) -> int:
    """Return the calendar step a SimPy time falls in."""
    return int(now)
