"""Domestic vendors: wafers and banked dies become packaged accelerators."""

from __future__ import annotations

import numpy as np
import simpy

from sim.calendar import Calendar, parse_month
from sim.model import paths
from sim.model.clock import PHASE
from sim.model.foundry import Foundry
from sim.model.levels import repeat_level
from sim.rng import Draws
from sim.scenario.schema import Product as ProductSpec
from sim.scenario.schema import Vendor as VendorSpec


class Product:
    """One accelerator design: its candidate output, performance and power.

    ``candidates_at(t)`` are packages month ``t``'s wafers could yield before the
    HBM limit: sum over foundries of wafers x share x candidates/wafer x yield.
    """

    def __init__(self, name: str, spec: ProductSpec, here: str, cal: Calendar, draw: Draws,
                 foundries: dict[str, Foundry]):
        self.name = name
        self.launch = int(cal.steps_of(parse_month(spec.available_from or cal.label(0))))
        self.curve = yield_curve(spec, f"{here}.yield_curve", draw)
        self.per_wafer = draw(f"{here}.candidates_per_wafer", spec.candidates_per_wafer)
        self.sources = [(foundries[fname], draw(f"{here}.wafer_share.{fname}", share))
                        for fname, share in spec.wafer_share.items()]
        self.launched = np.arange(cal.months) >= self.launch
        self.base_h100e = draw(f"{here}.h100e", spec.h100e)
        self.growth = paths.YearlyGrowth(cal, draw(f"{here}.h100e_growth", spec.h100e_growth))
        self.h100e = (-1, None)  # (year index, H100e per chip that year), made once a year
        self.power_kw = draw(f"{here}.power_kw", spec.power_kw)
        self.hbm_stacks = draw(f"{here}.hbm_stacks", spec.hbm_stacks)
        self.dies_per_chip = draw(f"{here}.banked_dies_per_chip", spec.banked_dies_per_chip)

    def yield_at(self, t: int) -> np.ndarray:
        """Good-package yield in month ``t``, (R,)."""
        gap, ceiling, tau = self.curve
        months = max(t - self.launch, 0)
        return ceiling - gap * np.exp(-months / tau)

    def candidates_at(self, t: int) -> np.ndarray:
        """Count packages the foundries' current wafers could yield (foundries go first)."""
        curve = self.yield_at(t)
        out = np.zeros_like(curve)
        for foundry, share in self.sources:
            fab_yield = np.minimum(1.0, curve * foundry.yield_factor)
            out += foundry.wafers * share * self.per_wafer * fab_yield
        out *= self.launched[t]
        return out

    def h100e_at(self, t: int) -> np.ndarray:
        """Return performance per chip in month ``t``, H100e, (R,) read-only."""
        year = self.growth.index[t]
        if self.h100e[0] != year:
            self.h100e = (-1, None)  # let last year's go first
            value = self.base_h100e * self.growth.factor(year)
            value.flags.writeable = False
            self.h100e = (year, value)
        return self.h100e[1]


def yield_curve(spec: ProductSpec, here: str, draw: Draws) -> tuple[np.ndarray, ...]:
    """Draw the yield curve ``ceiling - (ceiling - start) * exp(-age / tau)``.

    Returns (ceiling - start, ceiling, tau); ``age`` is months since launch.
    """
    start = draw(f"{here}.start", spec.yield_curve.start)
    ceiling = np.maximum(start, draw(f"{here}.ceiling", spec.yield_curve.ceiling))
    tau = draw(f"{here}.learning_months", spec.yield_curve.learning_months)
    return ceiling - start, ceiling, tau


class Vendor:
    """A domestic designer: ships its products into its own finished stock.

    Invariant: ``produced`` (product, replication) equals ``delivered`` plus
    ``stock`` (product, level, replication), at every quota level.
    """

    def __init__(self, name: str, spec: VendorSpec, cal: Calendar, draw: Draws,
                 foundries: dict[str, Foundry], levels: int):
        self.name = name
        here = f"vendors.{name}"
        self.products = [Product(p, s, f"{here}.products.{p}", cal, draw, foundries)
                         for p, s in spec.products.items()]
        self.banked = draw(f"{here}.banked_dies", spec.banked_dies)
        self.banked_per_month = draw(f"{here}.banked_dies_per_month", spec.banked_dies_per_month)
        self.stacks = stack_rows([p.hbm_stacks for p in self.products])
        self.dies_per_chip = stack_rows([p.dies_per_chip for p in self.products])
        self.power = stack_rows([p.power_kw for p in self.products])
        for i, p in enumerate(self.products):  # one copy: the products see rows of the stacks
            p.hbm_stacks, p.dies_per_chip, p.power_kw = (
                self.stacks[i], self.dies_per_chip[i], self.power[i])
        shape = (len(self.products), draw.count)
        # this month's candidate chips (products, R), from shipping until packaged
        self.candidates: np.ndarray | None = None
        self.banked_use: np.ndarray | None = None
        self.produced = np.zeros(shape)
        self.stock = np.zeros((shape[0], levels, shape[1]))
        self.delivered = np.zeros((shape[0], levels, shape[1]))

    def ship(self, env: simpy.Environment, months: int):
        """SimPy process: each month, offer candidate chips (HBM decides how many finish)."""
        yield env.timeout(PHASE["ship"])
        for t in range(months):
            self.candidates = np.stack([p.candidates_at(t) for p in self.products])
            self.banked_use = self.banked_chips(t)
            self.candidates += self.banked_use
            yield env.timeout(1)

    def banked_chips(self, t: int) -> np.ndarray:
        """Chips this month's packaging can make from banked dies, split evenly."""
        # Users are counted per replication: replications never see each other's draws.
        users = np.stack([p.launched[t] & (p.dies_per_chip > 0) for p in self.products])
        count = users.sum(axis=0)
        dies = np.minimum(self.banked, self.banked_per_month)
        each = np.divide(dies, count, out=np.zeros_like(dies), where=count > 0)
        return np.where(users, each / np.maximum(self.dies_per_chip, 1e-12), 0.0)

    def finish(self, fraction: np.ndarray) -> None:
        """Package ``fraction`` (products, R) of candidates: what HBM allowed.

        The month's candidates are used up.
        """
        made = self.candidates * fraction
        dies = self.banked_use * fraction * self.dies_per_chip
        self.candidates = self.banked_use = None
        self.banked = np.maximum(0.0, self.banked - dies.sum(axis=0))
        self.produced += made
        self.stock += made[:, None]

    def expand_levels(self, levels: int) -> None:
        """Give every level its own copy of the single level row."""
        self.stock = repeat_level(self.stock, levels, axis=1)
        self.delivered = repeat_level(self.delivered, levels, axis=1)

    def deliver(self, fraction: np.ndarray) -> np.ndarray:
        """Hand ``fraction`` (levels, R) of every product's stock to the market."""
        taken = self.stock * fraction[None]
        self.stock -= taken
        self.delivered += taken
        return taken

    def h100e(self, t: int) -> np.ndarray:
        """Return performance per chip of each product this month, (products, R)."""
        return np.stack([p.h100e_at(t) for p in self.products])

    def power_kw(self) -> np.ndarray:
        """Power per chip of each product, (products, R)."""
        return self.power


def stack_rows(rows: list[np.ndarray]) -> np.ndarray:
    """Stack (R,) rows to (rows, R), read-only.

    When every row is a broadcast constant (a fixed parameter), the stack is
    one too: no memory per replication.
    """
    if rows and all(row.ndim == 1 and row.size and not any(row.strides) for row in rows):
        values = np.array([row[0] for row in rows])
        return np.broadcast_to(values[:, None], (len(rows), rows[0].shape[0]))
    stacked = np.stack(rows)
    stacked.flags.writeable = False
    return stacked
