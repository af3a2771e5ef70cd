"""Uncertain parameters: a fixed value or a distribution, with its evidence.

Every draw takes a numpy Generator; nothing here touches global random state.
Date-valued parameters hold month ordinals and draw whole months.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

# Names of each kind's arguments, in the order they are stored.
KINDS: dict[str, tuple[str, ...]] = {
    "fixed": ("value",),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "beta": ("a", "b", "low", "high"),
    "lognormal": ("median", "sigma"),
}


@dataclass(frozen=True)
class Dist:
    """A parameter: ``kind`` with ``args`` (see ``KINDS``) and evidence ids."""

    kind: str
    args: tuple[float, ...]
    evidence: tuple[str, ...] = ()
    is_date: bool = False

    @classmethod
    def fixed(cls, value: float, evidence: tuple[str, ...] = ()) -> Dist:
        """A parameter known exactly."""
        return cls("fixed", (float(value),), tuple(evidence))

    def arg(self, name: str) -> float:
        """The named argument, e.g. ``dist.arg("low")``."""
        return self.args[KINDS[self.kind].index(name)]

    @property
    def is_fixed(self) -> bool:
        """True when the parameter carries no uncertainty."""
        return self.kind == "fixed"

    def frozen(self):
        """The scipy frozen distribution (None for ``fixed``)."""
        if self.kind == "uniform":
            low, high = self.args
            return stats.uniform(low, high - low)
        if self.kind == "triangular":
            low, mode, high = self.args
            width = high - low
            return stats.triang((mode - low) / width if width else 0.5, low, width)
        if self.kind == "beta":
            a, b, low, high = self.args
            return stats.beta(a, b, low, high - low)
        if self.kind == "lognormal":
            median, sigma = self.args
            return stats.lognorm(sigma, scale=median)
        return None

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws, shape ``(n,)``; whole months for dates."""
        if self.is_fixed:
            out = np.full(n, self.args[0])
        else:
            out = self.ppf(rng.random(n))
        return np.floor(out + 0.5) if self.is_date else out

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantile function: maps uniforms in [0, 1) to parameter values."""
        if self.is_fixed:
            return np.full(np.shape(u), self.args[0])
        if self.kind == "triangular":  # closed form: much faster than scipy
            low, mode, high = self.args
            width = high - low
            if width == 0:
                return np.full(np.shape(u), low)
            c = (mode - low) / width
            left = low + np.sqrt(u * width * (mode - low))
            right = high - np.sqrt((1 - u) * width * (high - mode))
            return np.where(u < c, left, right)
        if self.kind == "uniform":
            low, high = self.args
            return low + u * (high - low)
        return self.frozen().ppf(u)

    @property
    def bounds(self) -> tuple[float, float]:
        """Range used by samplers: exact support, or the 1-99% band if unbounded."""
        if self.is_fixed:
            return (self.args[0], self.args[0])
        if self.kind == "lognormal":
            return tuple(float(x) for x in self.frozen().ppf([0.01, 0.99]))
        return (self.args[-2], self.args[-1]) if self.kind == "beta" else (
            self.args[0], self.args[-1])

    @property
    def central(self) -> float:
        """The median: the value used where a single number is needed."""
        if self.is_fixed:
            return self.args[0]
        return float(self.ppf(np.array([0.5]))[0])

    def with_value(self, value: float) -> Dist:
        """The same parameter pinned to ``value``, keeping its evidence."""
        return replace(self, kind="fixed", args=(float(value),))

    def describe(self) -> str:
        """Human-readable form, e.g. ``triangular(0.2, 0.35, 0.5)``."""
        from sim.calendar import format_month

        def show(x: float) -> str:
            return format_month(int(x)) if self.is_date else f"{x:g}"

        if self.is_fixed:
            return show(self.args[0])
        names = KINDS[self.kind]
        shown = [show(x) if n in ("low", "mode", "high", "median", "value") else f"{x:g}"
                 for n, x in zip(names, self.args)]
        return f"{self.kind}({', '.join(shown)})"
