"""A policy target over a sweep's outputs, e.g. ``domestic_share_units@2027 >= 0.7``.

Syntax: ``METRIC[:STAT]@PERIOD OP VALUE`` with STAT one of mean (default),
p05 ... p95, OP one of >=, >, <=, <, and VALUE a number or a percentage.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass

import numpy as np

from sim.experiments.execution import ExperimentError
from sim.model.stats import STAT_NAMES

OPERATORS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
PATTERN = re.compile(
    r"^\s*(?P<metric>[A-Za-z_][\w.]*?)(?::(?P<stat>\w+))?@(?P<period>[\w-]+)"
    r"\s*(?P<op>>=|<=|>|<)\s*(?P<value>\S+)\s*$"
)


class TargetError(ExperimentError, ValueError):
    """A target that cannot be parsed."""


@dataclass(frozen=True)
class Target:
    """A condition on one statistic of one metric in one period."""

    metric: str
    stat: str
    period: str
    op: str
    value: float

    def met(self, outputs: np.ndarray) -> np.ndarray:
        """Tell, point by point, whether the target is met (False where undefined)."""
        values = np.asarray(outputs, dtype=float)
        with np.errstate(invalid="ignore"):
            return OPERATORS[self.op](values, self.value) & ~np.isnan(values)

    def words(self) -> str:
        """Say the target in words, e.g. ``domestic_share_units in 2027 >= 70%``."""
        shown = (
            f"{self.value:.0%}"
            if "share" in self.metric and 0 <= self.value <= 1
            else f"{self.value:g}"
        )
        stat = "" if self.stat == "mean" else f" ({self.stat})"
        return f"{self.metric}{stat} in {self.period} {self.op} {shown}"


def parse(text: str) -> Target:
    """Parse ``METRIC[:STAT]@PERIOD OP VALUE``; TargetError says what was expected."""
    match = PATTERN.match(text or "")
    if not match:
        raise TargetError(
            f"cannot read target {text!r}: expected METRIC[:STAT]@PERIOD OP VALUE, "
            'e.g. "domestic_share_units@2027 >= 0.7"'
        )
    stat = match["stat"] or "mean"
    if stat not in STAT_NAMES:
        raise TargetError(
            f"unknown statistic {stat!r} in target: expected one of {', '.join(STAT_NAMES)}"
        )
    raw = match["value"]
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise TargetError(f"target value {raw!r} is not a number") from None
    if not math.isfinite(value):
        raise TargetError(f"target value {raw!r} is not a finite number")
    return Target(match["metric"], stat, match["period"], match["op"], value)
