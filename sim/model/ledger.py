"""The ledger: what the market delivered, folded into running sums as it is delivered.

The market clears a month in two pools, imports then domestic chips, and
hands the pools' grants to the ledger, which makes each flow (units, kW)
from them when needed and folds it into its sums at once, so a month's
(segments, levels, R) flows are never all held together. The recorder reads
the ledger after the market has cleared. The installed base is a pair of
:class:`sim.model.state.Stock` (domestic, imported): initial units plus every
delivery, never retired. Running sums hold one level row until a month's
flows have one per level (see :func:`accumulate`).

Invariant: every sum is exactly (bit for bit) the month-by-month sum of the
month's flows: ``year[flow]`` (segments, levels, R) since the year began,
``quarter[metric]`` (levels, R) national since the quarter began, and the
installed base (segments, levels, R).
"""

from __future__ import annotations

import numpy as np

from sim.metrics import NATIONAL, QUARTER, M, families, names
from sim.model.state import LevelRows, Stock
from sim.model.stats import share, total

QUARTERLY = names(QUARTER, NATIONAL)  # national quarterly sums, emitted in this order
FAMILIES = families(QUARTER)  # then these, by vendor and by product


class Ledger:
    """Running sums of deliveries, the installed base and this month's national shares.

    ``shares`` holds this month's national delivered shares (levels, R) until
    the recorder takes them.
    """

    def __init__(self, initial: dict[str, np.ndarray], levels: LevelRows):
        segments, replications = next(iter(initial.values())).shape
        self.stocks: dict[str, Stock] = {}
        for kind, units in initial.items():  # "domestic", "import": units (segments, R)
            self.stocks[kind] = levels.stock(segments, replications=replications)
            self.stocks[kind].put(units[:, None])
        self.year: dict[str, np.ndarray] = {}
        self.quarter: dict[str, np.ndarray] = {}
        self.shares: dict[str, np.ndarray] = {}

    def add_deliveries(self, imports, domestic) -> None:
        """Fold the month's two pools (each a :class:`sim.model.market.Grant`).

        Units and kW are made from the grants one segment at a time and folded
        at once, so no (segments, levels, R) array of them is ever held.
        """
        for key, pool in (("import_h100e", imports), ("domestic_h100e", domestic)):
            accumulate(self.year, key, pool.h100e)
        self.shares[M.domestic_share_compute] = share(
            domestic.h100e.sum(0), total(d + i for d, i in zip(domestic.h100e, imports.h100e,
                                                               strict=True)))
        self.add_units(imports, domestic)
        power = RowFold(self.year, "power_kw", domestic.h100e)
        for s in range(len(domestic.h100e)):
            power.add(s, domestic.power_of(s) + imports.power_of(s))

    def add_units(self, imports, domestic) -> None:
        """Fold both pools' units into the year, the installed base, the quarter and the share.

        Sums over segments run as :func:`sim.model.stats.total` adds them.
        """
        folds = {kind: RowFold(self.year, f"{kind}_units", pool.h100e)
                 for kind, pool in (("import", imports), ("domestic", domestic))}
        national, delivered = {}, None
        for s in range(len(domestic.h100e)):
            rows = {"import": imports.units_of(s), "domestic": domestic.units_of(s)}
            for kind, row in rows.items():
                folds[kind].add(s, row)
                self.stocks[kind].put_row(s, row)
                national[kind] = running_sum(national.get(kind), row)
            delivered = running_sum(delivered, rows["domestic"] + rows["import"])
        self.shares[M.domestic_share_units] = share(national["domestic"], delivered)
        accumulate(self.quarter, M.imports_units, national["import"])
        accumulate(self.quarter, M.domestic_units, national["domestic"])

    def add_unmet(self, lapsed: np.ndarray) -> None:
        """Fold H100e of orders that lapsed this month, (segments, levels, R)."""
        accumulate(self.year, "unmet_h100e", lapsed)
        accumulate(self.quarter, M.unmet_demand_compute, lapsed.sum(0))

    def add_demand(self, national: np.ndarray) -> None:
        """Fold this month's national demand, H100e (1, R): it does not depend on the level.

        No yearly sum is held: segments' demand follows from their draws, so
        the recorder sums a year's demand when the year ends.
        """
        accumulate(self.quarter, M.demand_compute, national)

    def add_units_by(self, prefix: str, units: dict[str, np.ndarray]) -> None:
        """Fold national units (levels, R) per vendor or product into ``<prefix>.<name>``."""
        for name, value in units.items():
            accumulate(self.quarter, f"{prefix}.{name}", value)

    def take_shares(self) -> dict[str, np.ndarray]:
        """Hand over this month's national delivered shares."""
        shares, self.shares = self.shares, {}
        return shares

    def take_year(self) -> dict[str, np.ndarray]:
        """Hand over the year's sums and start the next year from nothing."""
        year, self.year = self.year, {}
        return year

    def take_quarter(self) -> dict[str, np.ndarray]:
        """Hand over the quarter's sums, national metrics first, then by vendor and product.

        Within each group, sums keep the order they were first added in.
        """
        quarter, self.quarter = self.quarter, {}
        order = sorted(quarter, key=lambda key: (
            (0, QUARTERLY.index(key)) if key in QUARTERLY
            else (1 + FAMILIES.index(key.split(".")[0]), 0)))
        return {key: quarter[key] for key in order}

    def installed_share(self) -> np.ndarray:
        """Domestic share of the installed base, (1 + segments, L, R), national first."""
        dom, imp = self.installed["domestic"], self.installed["import"]
        return share(with_national(dom), with_national(dom + imp))

    def national_installed_share(self) -> np.ndarray:
        """Domestic share of the national installed base, (L, R)."""
        dom, imp = self.installed["domestic"], self.installed["import"]
        return share(dom.sum(0), total(d + i for d, i in zip(dom, imp, strict=True)))

    @property
    def installed(self) -> dict[str, np.ndarray]:
        """The installed base by origin, units (segments, levels, R)."""
        return {kind: stock.level for kind, stock in self.stocks.items()}


def with_national(value: np.ndarray) -> np.ndarray:
    """Prepend the national total to the segment axis: (S, L, R) -> (1 + S, L, R)."""
    return np.concatenate([value.sum(0, keepdims=True), value])


def accumulate(sums: dict[str, np.ndarray], key: str, value: np.ndarray) -> None:
    """``sums[key] += value``, starting from zero in a new array (``value`` is never kept).

    A sum with one level row grows to ``value``'s levels (the rows were equal).
    """
    if key not in sums:
        sums[key] = 0.0 + value
    elif sums[key].shape == np.broadcast_shapes(sums[key].shape, value.shape):
        sums[key] += value
    else:
        sums[key] = sums[key] + value


def running_sum(sum_so_far: np.ndarray | None, term: np.ndarray) -> np.ndarray:
    """Add ``term`` to a running sum (None: none yet), as :func:`sim.model.stats.total` does."""
    if sum_so_far is None:
        return np.add(0.0, term)
    sum_so_far += term
    return sum_so_far


class RowFold:
    """Adds a month's (segments, levels, R) flow to ``sums[key]`` one segment row at a time.

    Bit for bit what :func:`accumulate` does with the whole flow, which is
    never built: ``like`` is any (segments, levels, R) array of the flow's shape.
    """

    def __init__(self, sums: dict[str, np.ndarray], key: str, like: np.ndarray):
        old = sums.get(key)
        if old is not None and old.shape == np.broadcast_shapes(old.shape, like.shape):
            self.base = self.target = old  # added in place
        else:  # a new sum, or one growing from one level row to all
            self.base, self.target = old, np.empty(np.broadcast_shapes(
                like.shape, like.shape if old is None else old.shape))
        sums[key] = self.target

    def add(self, segment: int, row: np.ndarray) -> None:
        """Add segment ``segment``'s (levels, R) flow."""
        if self.base is None:
            np.add(0.0, row, out=self.target[segment])
        elif self.base is self.target:
            self.target[segment] += row
        else:
            np.add(self.base[segment], row, out=self.target[segment])
