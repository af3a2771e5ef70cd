"""Domestic vendors: wafers and banked dies become packaged accelerators."""

from __future__ import annotations

import numpy as np

from sim.calendar import Calendar, parse_month
from sim.model import paths
from sim.model.foundry import Foundry
from sim.model.state import LevelRows, Stock
from sim.rng import Draws
from sim.scenario.schema import Product as ProductSpec
from sim.scenario.schema import Vendor as VendorSpec


class Product:
    """One accelerator design: its candidate output, performance and power.

    ``candidates_at(t)`` are packages month ``t``'s wafers could yield before
    the HBM limit: sum over foundries of wafers x share x candidates/wafer x
    yield; none before the product's launch (a timeline entry).
    """

    def __init__(self, name: str, spec: ProductSpec, here: str, cal: Calendar, draw: Draws,
                 foundries: dict[str, Foundry]):
        self.name = name
        self.here = here
        self.launch = int(cal.steps_of(parse_month(spec.available_from or cal.label(0))))
        self.launched = np.zeros(draw.count, dtype=bool)
        self.curve = yield_curve(spec, f"{here}.yield_curve", draw)
        self.per_wafer = draw(f"{here}.candidates_per_wafer", spec.candidates_per_wafer)
        self.sources = [(foundries[fname], draw(f"{here}.wafer_share.{fname}", share))
                        for fname, share in spec.wafer_share.items()]
        self.base_h100e = draw(f"{here}.h100e", spec.h100e)
        self.growth = paths.YearlyGrowth(cal, draw(f"{here}.h100e_growth", spec.h100e_growth))
        self.h100e = (-1, None)  # (year index, H100e per chip that year), made once a year
        self.power_kw = draw(f"{here}.power_kw", spec.power_kw)
        self.hbm_stacks = draw(f"{here}.hbm_stacks", spec.hbm_stacks)
        self.dies_per_chip = draw(f"{here}.banked_dies_per_chip", spec.banked_dies_per_chip)

    @property
    def launch_key(self) -> str:
        """The timeline entry of this product's launch."""
        return f"{self.here}.launch"

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
        out *= self.launched
        return out

    def h100e_at(self, t: int) -> np.ndarray:
        """Return performance per chip in month ``t``, H100e, (R,) read-only."""
        year = self.growth.index[t]
        if self.h100e[0] != year:
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
    """A domestic designer: packages what HBM allows into its finished stock.

    Each month it states its candidate chips (from wafers and banked dies),
    waits for the HBM pool's grant, and finishes that fraction into
    ``finished`` (a :class:`Stock` of (products, levels, R)), from which the
    market takes deliveries. Invariant: what was finished equals what was
    delivered plus what is in stock, per product, level and replication.
    """

    def __init__(self, name: str, spec: VendorSpec, cal: Calendar, draw: Draws,
                 foundries: dict[str, Foundry], levels: LevelRows):
        self.name = name
        here = f"vendors.{name}"
        self.products = [Product(p, s, f"{here}.products.{p}", cal, draw, foundries)
                         for p, s in spec.products.items()]
        self.banked = Stock((draw.count,))
        self.banked.put(draw(f"{here}.banked_dies", spec.banked_dies))
        self.banked_per_month = draw(f"{here}.banked_dies_per_month", spec.banked_dies_per_month)
        self.stacks = stack_rows([p.hbm_stacks for p in self.products])
        self.dies_per_chip = stack_rows([p.dies_per_chip for p in self.products])
        self.power = stack_rows([p.power_kw for p in self.products])
        self.finished = levels.stock(len(self.products), replications=draw.count)
        self.candidates: np.ndarray | None = None  # this month's, (products, R)
        self.banked_use: np.ndarray | None = None

    def ship(self, clock, hbm):
        """SimPy process: state candidate chips, then finish what the HBM pool grants."""
        while True:
            month = yield clock.next_month()
            yield month.after("produced")
            self.candidates = np.stack([p.candidates_at(month.t) for p in self.products])
            self.banked_use = self.banked_chips()
            self.candidates += self.banked_use
            month.done("shipped")
            yield month.after("packaged")
            self.finish(hbm.fraction_for(self))
            month.done("finished")

    def banked_chips(self) -> np.ndarray:
        """Chips this month's packaging can make from banked dies, split evenly."""
        # Users are counted per replication: replications never see each other's draws.
        users = np.stack([p.launched & (p.dies_per_chip > 0) for p in self.products])
        count = users.sum(axis=0)
        dies = np.minimum(self.banked.level, self.banked_per_month)
        each = np.divide(dies, count, out=np.zeros_like(dies), where=count > 0)
        return np.where(users, each / np.maximum(self.dies_per_chip, 1e-12), 0.0)

    def hbm_need(self) -> np.ndarray:
        """HBM stacks this month's candidates need, (products, R)."""
        return self.candidates * self.stacks

    def finish(self, fraction: np.ndarray) -> None:
        """Package ``fraction`` (products, R) of the candidates into the finished stock."""
        made = self.candidates * fraction
        dies = self.banked_use * fraction * self.dies_per_chip
        self.candidates = self.banked_use = None
        self.banked.take(dies.sum(axis=0))
        self.finished.put(made[:, None])

    def deliver(self, fraction: np.ndarray) -> np.ndarray:
        """Hand ``fraction`` (levels, R) of every product's stock to the market."""
        return self.finished.take_fraction(fraction[None])

    def h100e(self, t: int) -> np.ndarray:
        """Return performance per chip of each product this month, (products, R)."""
        return np.stack([p.h100e_at(t) for p in self.products])


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
