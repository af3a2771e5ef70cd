"""The ledger: what the market delivered, folded into running sums as it is delivered.

Each month the market hands over the month's flows per segment (imports,
then domestic chips: H100e, units, dollars and kW), the orders unmet (and
of them those served offshore), the orders served late and the demand.
The ledger folds them into the year's sums (per segment), the quarter's
(national) and the installed base, and keeps the month's
national shares for the recorder. Running sums hold one level row until a
month's flows have one per level (:func:`accumulate`).

Invariant: every sum is the month-by-month sum of the month's flows, and the
installed base (a pair of :class:`sim.model.state.Stock`, domestic and
imported) is the initial base plus every delivery, never retired.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.metrics import NATIONAL, QUARTER, M, families, names
from sim.model.state import LevelRows, Stock
from sim.model.stats import share, total

QUARTERLY = names(QUARTER, NATIONAL)  # national quarterly sums, emitted in this order
FAMILIES = families(QUARTER)  # then these, by vendor and by product


@dataclass
class Flows:
    """One pool's deliveries this month per segment, (segments, levels, R) each."""

    h100e: np.ndarray
    units: np.ndarray
    usd: np.ndarray
    kw: np.ndarray


class Ledger:
    """Running sums of deliveries, the installed base and this month's national shares.

    ``shares`` holds this month's national delivered shares (levels, R) until
    the recorder takes them.
    """

    def __init__(self, initial: dict[str, np.ndarray], levels: LevelRows):
        segments, self.replications = next(iter(initial.values())).shape
        self.stocks: dict[str, Stock] = {}
        for kind, units in initial.items():  # "domestic", "import": units (segments, R)
            # only ever put to: no totals (added would equal level bit for bit)
            self.stocks[kind] = levels.stock(segments, replications=self.replications, track=False)
            self.stocks[kind].put(units[:, None])
        self.year: dict[str, np.ndarray] = {}
        self.quarter: dict[str, np.ndarray] = {}
        self.shares: dict[str, np.ndarray] = {}
        self.priced = True  # keep ``prices`` (the market turns it off when no budget needs them)
        self.prices: np.ndarray | None = None  # last month's USD per H100e (2, levels, R)

    def add_deliveries(self, imports: Flows, domestic: Flows) -> np.ndarray:
        """Fold the month's two pools into the year, quarter, installed base and shares.

        Returns the national H100e per unit delivered, (2, levels, R): domestic
        chips, then imported (NaN where none came); keeps their USD per H100e
        the same way in ``prices``.
        """
        for kind, flows in (("import", imports), ("domestic", domestic)):
            for name in ("h100e", "units", "usd"):
                accumulate(self.year, f"{kind}_{name}", getattr(flows, name))
            self.stocks[kind].put(flows.units)
        accumulate(self.year, "power_kw", imports.kw + domestic.kw)
        national = {
            kind: flows.units.sum(axis=0)
            for kind, flows in (("import", imports), ("domestic", domestic))
        }
        accumulate(self.quarter, M.imports_units, national["import"])
        accumulate(self.quarter, M.domestic_units, national["domestic"])
        self.shares[M.domestic_share_units] = share(
            national["domestic"], national["domestic"] + national["import"]
        )
        dom, imp = domestic.h100e.sum(axis=0), imports.h100e.sum(axis=0)
        self.shares[M.domestic_share_compute] = share(dom, dom + imp)
        if self.priced:
            self.prices = np.stack(
                [share(domestic.usd.sum(axis=0), dom), share(imports.usd.sum(axis=0), imp)]
            )
        return np.stack([share(dom, national["domestic"]), share(imp, national["import"])])

    def add_unmet(
        self, lapsed: np.ndarray, offshore: np.ndarray | None = None, late: np.ndarray | None = None
    ) -> None:
        """Fold H100e (segments, levels, R) of orders unmet this month.

        ``lapsed``: every order unmet (lapsed, or an import lost); of them
        ``offshore`` were served abroad and the rest abandoned (default:
        none offshore). ``late``: orders served from the backlog this month.
        """
        offshore = np.zeros_like(lapsed) if offshore is None else offshore
        late = np.zeros_like(lapsed) if late is None else late
        # abandoned = unmet - offshore is taken from the sums when handed over
        for key, metric, value in (
            ("unmet_h100e", M.unmet_demand_compute, lapsed),
            ("offshore_h100e", M.offshore_compute, offshore),
            ("late_h100e", M.served_late_compute, late),
        ):
            accumulate(self.year, key, value)
            accumulate(self.quarter, metric, value.sum(0))

    def add_demand(self, demand: np.ndarray) -> None:
        """Fold this month's demand per segment, H100e (segments, 1 or levels, R).

        With demand in H100e it does not depend on the level (one row); with
        a budget it does, through the prices each level's buyers expect.
        """
        accumulate(self.year, "demand_h100e", demand)
        accumulate(self.quarter, M.demand_compute, demand.sum(0))

    def add_units_by(self, prefix: str, units: dict[str, np.ndarray]) -> None:
        """Fold national units (levels, R) per vendor or product into ``<prefix>.<name>``."""
        for name, value in units.items():
            accumulate(self.quarter, f"{prefix}.{name}", value)

    def add_usd_by(self, prefix: str, usd: dict[str, np.ndarray]) -> None:
        """Fold national USD (levels, R) per vendor into ``<prefix>.<name>`` (e.g. revenue)."""
        for name, value in usd.items():
            accumulate(self.quarter, f"{prefix}.{name}", value)

    def take_shares(self) -> dict[str, np.ndarray]:
        """Hand over this month's national delivered shares."""
        shares, self.shares = self.shares, {}
        return shares

    def take_year(self) -> dict[str, np.ndarray]:
        """Hand over the year's sums (abandoned orders among them); start the next year anew."""
        year, self.year = self.year, {}
        if "unmet_h100e" in year:
            year["abandoned_h100e"] = year["unmet_h100e"] - year["offshore_h100e"]
        return year

    def take_quarter(self) -> dict[str, np.ndarray]:
        """Hand over the quarter's sums, national metrics first, then by vendor and product.

        Within each group, sums keep the order they were first added in.
        """
        quarter, self.quarter = self.quarter, {}
        if M.unmet_demand_compute in quarter:
            quarter[M.abandoned_demand_compute] = (
                quarter[M.unmet_demand_compute] - quarter[M.offshore_compute]
            )
        order = sorted(
            quarter,
            key=lambda key: (
                (0, QUARTERLY.index(key))
                if key in QUARTERLY
                else (1 + FAMILIES.index(key.split(".")[0]), 0)
            ),
        )
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
    held = sums.get(key)
    if held is None:
        sums[key] = 0.0 + value
    elif held.shape == value.shape or held.shape == np.broadcast_shapes(held.shape, value.shape):
        held += value
    else:
        sums[key] = held + value
