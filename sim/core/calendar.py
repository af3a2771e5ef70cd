"""Months as integer ordinals and the monthly calendar a run advances over.

A month ordinal is ``year * 12 + (month - 1)``; month ``t`` of a calendar is
the ordinal ``start + t``. Every date in a scenario is a month ("2025-08").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)  # not other scripts' digits


def parse_month(text: str) -> int:
    """Return the ordinal of ``"YYYY-MM"``; raise ValueError otherwise."""
    match = _MONTH.match(text.strip()) if isinstance(text, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"expected a month written YYYY-MM, got {text!r}")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


# The years a scenario may name, for its calendar and every dated entry (event and
# announcement dates, launches, quota points, year keys...). The evidence starts
# with the export controls of 2019-2023 and the longest shipped outlook
# (horizon-2030) ends in 2030; a calendar of the longest allowed span (600
# months) from today still ends before 2100. A year outside is a typo ("0025-01"
# for "2025-01") that no calendar can mean: its labels ("25Q1") read as no year.
FIRST_YEAR, LAST_YEAR = 1990, 2100


def check_year(year: int) -> int:
    """Return ``year`` if a scenario may name it; raise ValueError otherwise."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            f"year {year:04d} is outside the years the model covers ({FIRST_YEAR}-{LAST_YEAR})"
        )
    return year


def model_month(text: str) -> int:
    """:func:`parse_month` for a scenario's dates: the year must be one it may name."""
    ordinal = parse_month(text)
    check_year(ordinal // 12)
    return ordinal


def format_month(ordinal: int) -> str:
    """Inverse of :func:`parse_month`."""
    return f"{ordinal // 12:04d}-{ordinal % 12 + 1:02d}"


@dataclass(frozen=True)
class Calendar:
    """The months a run covers, ``start`` to ``end`` inclusive (ordinals)."""

    start: int
    end: int

    @property
    def months(self) -> int:
        """Number of months simulated."""
        return self.end - self.start + 1

    def ordinal(self, t: int) -> int:
        """Month ordinal of step ``t``."""
        return self.start + t

    def year(self, t: int) -> int:
        """Calendar year of step ``t``."""
        return (self.start + t) // 12

    @property
    def years(self) -> list[int]:
        """Every calendar year touched by the run, in order."""
        return list(range(self.start // 12, self.end // 12 + 1))

    def label(self, t: int) -> str:
        """``"YYYY-MM"`` for step ``t``."""
        return format_month(self.start + t)

    def quarter_label(self, t: int) -> str:
        """``"YYYYQn"`` for step ``t``."""
        ordinal = self.start + t
        return f"{ordinal // 12}Q{ordinal % 12 // 3 + 1}"

    def is_period_end(self, t: int, months_per_period: int) -> bool:
        """Tell whether step ``t`` closes a year (12) or quarter (3), or the run."""
        last_in_period = (self.start + t) % months_per_period == months_per_period - 1
        return last_in_period or t == self.months - 1

    def steps_of(self, ordinals: np.ndarray | int) -> np.ndarray:
        """Calendar steps of month ordinals (may fall outside ``[0, months)``).

        Whole months come back as int32 (a float64 per replication is not
        needed to count months); other values keep their dtype. A broadcast
        constant (a fixed date drawn for every replication) stays a read-only
        broadcast, so it costs no memory per replication.
        """
        values = np.asarray(ordinals)
        if values.ndim and values.size and not any(values.strides):
            return np.broadcast_to(
                whole_steps(np.asarray(values.flat[0]) - self.start), values.shape
            )
        return whole_steps(values - self.start)


STEP_LIMIT = 2**30  # int32 steps within this leave room for ``t - step`` arithmetic


def whole_steps(steps: np.ndarray) -> np.ndarray:
    """Return ``steps`` as int32 when all are whole numbers of modest size, else unchanged."""
    if steps.dtype.kind not in "fiu" or steps.size == 0:
        return steps
    if steps.dtype.kind == "f" and not np.array_equal(np.floor(steps), steps):
        return steps  # NaN or fractional (e.g. pinned values): keep them as given
    if np.abs(steps).max() >= STEP_LIMIT:
        return steps
    return steps.astype(np.int32)
