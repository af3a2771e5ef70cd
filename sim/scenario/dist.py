"""Uncertain parameters: a fixed value or a distribution, with its evidence.

Every draw takes a numpy Generator; nothing here touches global random state.
Date-valued parameters hold month ordinals and draw whole months.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

# z of the 1% and 99% points of a standard normal (the lognormal's sampler range).
Z99 = 2.3263478740408408

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
        """Make a parameter known exactly."""
        return cls("fixed", (float(value),), tuple(evidence))

    def arg(self, name: str) -> float:
        """Return the named argument, e.g. ``dist.arg("low")``."""
        return self.args[KINDS[self.kind].index(name)]

    @property
    def is_fixed(self) -> bool:
        """True when the parameter carries no uncertainty."""
        return self.kind == "fixed"

    def frozen(self):
        """Return the scipy frozen distribution (None for ``fixed``)."""
        from scipy import stats  # imported here: scipy.stats is slow to import

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
        if self.kind == "beta" and self.args[2] == self.args[3]:  # scipy: NaN at zero width
            return np.full(np.shape(u), self.args[2])
        if self.kind == "lognormal":  # what scipy's lognorm.ppf computes
            median, sigma = self.args
            return np.exp(sigma * ndtri(u)) * median + 0.0
        return self.frozen().ppf(u)

    @property
    def bounds(self) -> tuple[float, float]:
        """Range used by samplers: exact support, or the 1-99% band if unbounded."""
        if self.is_fixed:
            return (self.args[0], self.args[0])
        if self.kind == "lognormal":
            median, sigma = self.args
            return (median * float(np.exp(-sigma * Z99)), median * float(np.exp(sigma * Z99)))
        return (
            (self.args[-2], self.args[-1]) if self.kind == "beta" else (self.args[0], self.args[-1])
        )

    @property
    def central(self) -> float:
        """The median: the value used where a single number is needed."""
        if self.is_fixed:
            return self.args[0]
        return float(self.ppf(np.array([0.5]))[0])

    def with_value(self, value: float) -> Dist:
        """Return the same parameter pinned to ``value``, keeping its evidence."""
        return replace(self, kind="fixed", args=(float(value),))

    def describe(self) -> str:
        """Human-readable form, e.g. ``triangular(0.2, 0.35, 0.5)``."""
        from sim.core.calendar import format_month

        def show(x: float) -> str:
            return format_month(int(x)) if self.is_date else f"{x:g}"

        if self.is_fixed:
            return show(self.args[0])
        names = KINDS[self.kind]
        shown = [
            show(x) if n in ("low", "mode", "high", "median", "value") else f"{x:g}"
            for n, x in zip(names, self.args, strict=True)
        ]
        return f"{self.kind}({', '.join(shown)})"


# Cephes' ndtri (Moshier), the algorithm of scipy.special.ndtri, without
# importing scipy (16 MB and a quarter of a second at start-up). Rational
# approximations in y - 1/2 for the centre and in 1/sqrt(-2 log y) for tails.
_EXPM2 = 0.13533528323661269189  # exp(-2): the centre's edge
_S2PI = 2.50662827463100050242
_P0 = (
    -5.99633501014107895267e1,
    9.80010754185999661536e1,
    -5.66762857469070293439e1,
    1.39312609387279679503e1,
    -1.23916583867381258016e0,
)
_Q0 = (
    1.95448858338141759834e0,
    4.67627912898881538453e0,
    8.63602421390890590575e1,
    -2.25462687854119370527e2,
    2.00260212380060660359e2,
    -8.20372256168333339912e1,
    1.59056225126211695515e1,
    -1.18331621121330003142e0,
)
_P1 = (
    4.05544892305962419923e0,
    3.15251094599893866154e1,
    5.71628192246421288162e1,
    4.40805073893200834700e1,
    1.46849561928858024014e1,
    2.18663306850790267539e0,
    -1.40256079171354495875e-1,
    -3.50424626827848203418e-2,
    -8.57456785154685413611e-4,
)
_Q1 = (
    1.57799883256466749731e1,
    4.53907635128879210584e1,
    4.13172038254672030440e1,
    1.50425385692907503408e1,
    2.50464946208309415979e0,
    -1.42182922854787788574e-1,
    -3.80806407691578277194e-2,
    -9.33259480895457427372e-4,
)
_P2 = (
    3.23774891776946035970e0,
    6.91522889068984211695e0,
    3.93881025292474443415e0,
    1.33303460815807542389e0,
    2.01485389549179081538e-1,
    1.23716634817820021358e-2,
    3.01581553508235416007e-4,
    2.65806974686737550832e-6,
    6.23974539184983293730e-9,
)
_Q2 = (
    6.02427039364742014255e0,
    3.67983563856160859403e0,
    1.37702099489081330271e0,
    2.16236993594496635890e-1,
    1.34204006088543189037e-2,
    3.28014464682127739104e-4,
    2.89247864745380683936e-6,
    6.79019408009981274425e-9,
)
_libm_log = np.frompyfunc(math.log, 1, 1)


def ndtri(u: np.ndarray) -> np.ndarray:
    """Inverse of the standard normal cdf, elementwise; -inf at 0, inf at 1, NaN outside [0, 1].

    Cephes' algorithm as scipy.special.ndtri computes it, operation for
    operation; tail logarithms use the C library's log (``math.log``), as
    Cephes does, because numpy's vectorised log may differ in the last bit.
    On x86-64 this gives scipy's values bit for bit.
    """
    u = np.asarray(u, dtype=float)
    out = np.full(u.shape, np.nan)
    upper = u > 1.0 - _EXPM2
    y = np.where(upper, 1.0 - u, u)
    centre = y > _EXPM2
    out[centre] = _ndtri_centre(y[centre] - 0.5)
    tail = (y > 0.0) & ~centre
    x = _ndtri_tail(y[tail])
    out[tail] = np.where(upper[tail], x, -x)
    out[u == 0.0] = -np.inf
    out[u == 1.0] = np.inf
    return out


def _ndtri_centre(y: np.ndarray) -> np.ndarray:
    """Cephes' ndtri for ``y = u - 1/2``, |y| <= 1/2 - exp(-2)."""
    y2 = y * y
    return (y + y * (y2 * _polevl(y2, _P0) / _p1evl(y2, _Q0))) * _S2PI


def _ndtri_tail(y: np.ndarray) -> np.ndarray:
    """Cephes' -ndtri(y) for 0 < y <= exp(-2) (the upper tail's x)."""
    x = np.sqrt(-2.0 * _libm_log(y).astype(float))
    x0 = x - _libm_log(x).astype(float) / x
    z = 1.0 / x
    near = x < 8.0  # y > exp(-32)
    x1 = np.empty_like(x)
    x1[near] = z[near] * _polevl(z[near], _P1) / _p1evl(z[near], _Q1)
    x1[~near] = z[~near] * _polevl(z[~near], _P2) / _p1evl(z[~near], _Q2)
    return x0 - x1


def _polevl(x: np.ndarray, coefficients: tuple[float, ...]) -> np.ndarray:
    """Horner's rule from the highest power, as Cephes' polevl."""
    out = np.full_like(x, coefficients[0])
    for c in coefficients[1:]:
        out = out * x + c
    return out


def _p1evl(x: np.ndarray, coefficients: tuple[float, ...]) -> np.ndarray:
    """Cephes' p1evl: :func:`_polevl` with an implicit leading coefficient 1."""
    out = x + coefficients[0]
    for c in coefficients[1:]:
        out = out * x + c
    return out
