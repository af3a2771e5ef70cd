"""effects.csv: one row per quota level, constraint, measured metric and year.

Each row is the paired change a counterfactual makes (relaxed minus baseline,
replication by replication, on the same draws), summarised over
replications: its mean and 90% interval (5th to 95th percentile), the
baseline's mean, and the elasticity: the mean change relative to the
baseline's mean, divided by the relative size of the relaxation (empty for
a structural change, or a baseline of nothing). ``unit`` is the metric's
unit from the registry, so a reader in any tool sees it.
Read it with ``pandas.read_csv(run / "effects.csv")``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any

from sim.core.metrics import format_number
from sim.results.reading import DamagedFile, read_text

FILENAME = "effects.csv"


@dataclass(frozen=True)
class EffectRow:
    """One counterfactual's paired change of one metric, at one level, in one year."""

    quota: str
    constraint: str
    metric: str
    period: str
    unit: str
    relaxation: str
    amount: float  # relative size of the relaxation (0.1: 10%); NaN for a structural change
    base: float  # mean of the metric in the baseline (same replications)
    mean: float  # mean paired change
    p05: float
    p95: float
    elasticity: float  # (mean / base) / relative relaxation; NaN when undefined


COLUMNS = tuple(f.name for f in fields(EffectRow))
TEXT = ("quota", "constraint", "metric", "period", "unit", "relaxation")


def effects_csv(rows: Iterable[EffectRow]) -> str:
    """Return the CSV text of ``rows`` (six significant digits; empty cell: undefined)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        values = astuple(row)
        writer.writerow([*values[: len(TEXT)], *(format_number(v) for v in values[len(TEXT) :])])
    return out.getvalue()


def read_effects(path: str | Path) -> list[EffectRow]:
    """Rows of an effects.csv, read with the bounded reader; DamagedFile names what is wrong."""
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DamagedFile(path, f"missing columns {', '.join(missing)}")
    rows = []
    for line, r in enumerate(reader, start=2):
        try:
            numbers = [float(r[c]) if r[c] != "" else math.nan for c in COLUMNS[len(TEXT) :]]
        except (TypeError, ValueError):
            raise DamagedFile(
                path, f"line {line}: expected numbers in {', '.join(COLUMNS[len(TEXT) :])}"
            ) from None
        if any(r[c] is None for c in TEXT):
            raise DamagedFile(path, f"line {line}: too few cells")
        texts: list[Any] = [r[c] for c in TEXT]
        rows.append(EffectRow(*texts, *numbers))
    return rows


class Effects:
    """An effects table indexed by (quota, constraint, metric, period)."""

    def __init__(self, rows: Iterable[EffectRow]):
        self.rows = list(rows)
        self.index = {(r.quota, r.constraint, r.metric, r.period): r for r in self.rows}

    def get(self, quota: str, constraint: str, metric: str, period: str) -> EffectRow | None:
        """Return the row, or None when it was not measured."""
        return self.index.get((quota, constraint, metric, period))

    def constraints(self) -> list[str]:
        """Constraint ids present, in the table's order."""
        return list(dict.fromkeys(r.constraint for r in self.rows))

    def levels(self) -> list[str]:
        """Quota levels present, in the table's order."""
        return list(dict.fromkeys(r.quota for r in self.rows))

    def periods(self) -> list[str]:
        """Years present, in the table's order."""
        return list(dict.fromkeys(r.period for r in self.rows))

    def __bool__(self) -> bool:
        """Whether anything was measured."""
        return bool(self.rows)
