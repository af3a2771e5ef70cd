"""Domestic vendors: wafers and banked dies become packaged accelerators."""

from __future__ import annotations

import numpy as np
import simpy

from sim.calendar import Calendar, parse_month
from sim.model import paths
from sim.model.clock import PHASE
from sim.model.foundry import Foundry
from sim.rng import Draws
from sim.scenario.schema import Product as ProductSpec
from sim.scenario.schema import Vendor as VendorSpec


class Product:
    """One accelerator design: its candidate output path, performance and power.

    ``candidates[:, t]`` are packages the month's wafers could yield before the
    HBM limit: sum over foundries of wafers x share x candidates/wafer x yield.
    """

    def __init__(self, name: str, spec: ProductSpec, here: str, cal: Calendar, draw: Draws,
                 foundries: dict[str, Foundry]):
        self.name = name
        launch = int(cal.steps_of(parse_month(spec.available_from)))
        curve = yield_curve(spec, f"{here}.yield_curve", cal, draw, launch)
        per_wafer = draw(f"{here}.candidates_per_wafer", spec.candidates_per_wafer)[:, None]
        self.candidates = np.zeros((draw.count, cal.months))
        for fname, share in spec.wafer_share.items():
            foundry = foundries[fname]
            fab_yield = np.minimum(1.0, curve * foundry.yield_factor[:, None])
            wafers = foundry.plan * draw(f"{here}.wafer_share.{fname}", share)[:, None]
            self.candidates += wafers * per_wafer * fab_yield
        launched = np.arange(cal.months) >= launch
        self.candidates *= launched[None, :]
        self.launched = launched
        growth = draw(f"{here}.h100e_growth", spec.h100e_growth)
        self.h100e = draw(f"{here}.h100e", spec.h100e)[:, None] * paths.yearly_growth(cal, growth)
        self.power_kw = draw(f"{here}.power_kw", spec.power_kw)
        self.hbm_stacks = draw(f"{here}.hbm_stacks", spec.hbm_stacks)
        self.dies_per_chip = draw(f"{here}.banked_dies_per_chip", spec.banked_dies_per_chip)


def yield_curve(spec: ProductSpec, here: str, cal: Calendar, draw: Draws,
                launch: int) -> np.ndarray:
    """Good-package yield: ceiling - (ceiling - start) * exp(-months since launch / tau)."""
    start = draw(f"{here}.start", spec.yield_curve.start)[:, None]
    ceiling = np.maximum(start, draw(f"{here}.ceiling", spec.yield_curve.ceiling)[:, None])
    tau = draw(f"{here}.learning_months", spec.yield_curve.learning_months)[:, None]
    t = np.maximum(np.arange(cal.months) - launch, 0)[None, :]
    return ceiling - (ceiling - start) * np.exp(-t / tau)


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
        shape = (len(self.products), draw.count)
        self.candidates = np.zeros(shape)
        self.banked_use = np.zeros(shape)
        self.produced = np.zeros(shape)
        self.stock = np.zeros((shape[0], levels, shape[1]))
        self.delivered = np.zeros((shape[0], levels, shape[1]))
        self.stacks_needed = np.zeros(draw.count)

    def ship(self, env: simpy.Environment, months: int):
        """SimPy process: each month, offer candidate chips and the HBM they need."""
        yield env.timeout(PHASE["ship"])
        for t in range(months):
            self.candidates = np.stack([p.candidates[:, t] for p in self.products])
            self.banked_use = self.banked_chips(t)
            self.candidates += self.banked_use
            stacks = np.stack([p.hbm_stacks for p in self.products])
            self.stacks_needed = (self.candidates * stacks).sum(axis=0)
            yield env.timeout(1)

    def banked_chips(self, t: int) -> np.ndarray:
        """Chips this month's packaging can make from banked dies, split evenly."""
        users = [i for i, p in enumerate(self.products) if p.launched[t]
                 and np.any(p.dies_per_chip > 0)]
        chips = np.zeros((len(self.products), len(self.banked)))
        dies = np.minimum(self.banked, self.banked_per_month)
        for i in users:
            per_chip = self.products[i].dies_per_chip
            chips[i] = np.where(per_chip > 0, dies / len(users) / np.maximum(per_chip, 1e-12), 0)
        return chips

    def finish(self, fraction: np.ndarray) -> None:
        """Package ``fraction`` (per replication) of candidates; HBM allowed that much."""
        made = self.candidates * fraction[None]
        dies = self.banked_use * fraction[None] * np.stack(
            [p.dies_per_chip for p in self.products])
        self.banked = np.maximum(0.0, self.banked - dies.sum(axis=0))
        self.produced += made
        self.stock += made[:, None]

    def deliver(self, fraction: np.ndarray) -> np.ndarray:
        """Hand ``fraction`` (levels, R) of every product's stock to the market."""
        taken = self.stock * fraction[None]
        self.stock = self.stock - taken
        self.delivered += taken
        return taken

    def h100e(self, t: int) -> np.ndarray:
        """Performance per chip of each product this month, (products, R)."""
        return np.stack([p.h100e[:, t] for p in self.products])

    def power_kw(self) -> np.ndarray:
        """Power per chip of each product, (products, R)."""
        return np.stack([p.power_kw for p in self.products])
