"""The recorder: streams monthly deliveries into period statistics.

Memory stays bounded: only running sums for the current year and quarter,
the installed base, and one number per replication, level and year for the
national headline metrics (kept for distributions and paired comparisons).
"""

from __future__ import annotations

import numpy as np
import simpy

from sim.calendar import Calendar
from sim.model.clock import PHASE
from sim.model.market import Deliveries, Market
from sim.model.segments import BuyerSegment
from sim.model.stats import share, summarise

FLOWS = ("domestic_units", "domestic_h100e", "import_units", "import_h100e", "power_kw",
         "demand_h100e", "unmet_h100e")
ANNUAL = ("domestic_share_units", "domestic_share_compute", "domestic_share_installed",
          "unmet_demand_compute", "imports_units", "domestic_units", "power_mw",
          "demand_compute", "delivered_compute")
MONTHLY = ("domestic_share_units", "domestic_share_compute", "domestic_share_installed")
QUARTERLY = ("domestic_units", "imports_units", "unmet_demand_compute", "demand_compute")


class Recorder:
    """Accumulates flows and emits summary rows at each period's end.

    A row is ``(quota, metric, region, period, stats)`` with ``stats`` the six
    numbers of :data:`sim.model.stats.STAT_NAMES`.
    """

    def __init__(self, cal: Calendar, market: Market, levels: list[str],
                 installed: tuple[np.ndarray, np.ndarray]):
        self.cal = cal
        self.market = market
        self.levels = levels
        self.regions = ["national"] + [s.name for s in market.segments]
        self.installed = {"domestic": installed[0].copy(), "import": installed[1].copy()}
        self.year = {k: 0.0 for k in FLOWS}
        self.quarter: dict[str, np.ndarray | float] = {}
        self.rows: list[tuple] = []
        self.per_replication: dict[str, list[np.ndarray]] = {m: [] for m in ANNUAL}

    def record(self, env: simpy.Environment, months: int):
        """SimPy process: fold the month's deliveries into the running sums."""
        yield env.timeout(PHASE["record"])
        for t in range(months):
            self.add(self.market.last)
            self.emit_month(t)
            if self.cal.is_period_end(t, 3):
                self.emit_quarter(t)
            if self.cal.is_period_end(t, 12):
                self.emit_year(t)
            yield env.timeout(1)

    def add(self, month: Deliveries) -> None:
        """Add one month's flows to the year and quarter sums."""
        for key in FLOWS:
            self.year[key] = self.year[key] + getattr(month, key)
        self.installed["domestic"] += month.domestic_units
        self.installed["import"] += month.import_units
        national = {"domestic_units": month.domestic_units.sum(0),
                    "imports_units": month.import_units.sum(0),
                    "unmet_demand_compute": month.unmet_h100e.sum(0),
                    "demand_compute": month.demand_h100e.sum(0)}
        national |= {f"vendor_units.{k}": v for k, v in month.by_vendor.items()}
        national |= {f"import_units.{k}": v for k, v in month.by_import.items()}
        for key, value in national.items():
            self.quarter[key] = self.quarter.get(key, 0.0) + value

    def emit_month(self, t: int) -> None:
        """National shares for the month just ended."""
        month = self.market.last
        values = {
            "domestic_share_units": share(month.domestic_units.sum(0),
                                          (month.domestic_units + month.import_units).sum(0)),
            "domestic_share_compute": share(month.domestic_h100e.sum(0),
                                            (month.domestic_h100e + month.import_h100e).sum(0)),
            "domestic_share_installed": self.installed_share()[0],
        }
        self.emit(values, "national", self.cal.label(t))

    def installed_share(self) -> np.ndarray:
        """Domestic share of the installed base, (1 + segments, L, R), national first."""
        dom, imp = self.installed["domestic"], self.installed["import"]
        total = dom + imp
        part = np.concatenate([dom.sum(0, keepdims=True), dom])
        whole = np.concatenate([total.sum(0, keepdims=True), total])
        return share(part, whole)

    def emit_quarter(self, t: int) -> None:
        """National supply and demand sums for the quarter just ended."""
        self.emit(self.quarter, "national", self.cal.quarter_label(t))
        self.quarter = {}

    def emit_year(self, t: int) -> None:
        """Every annual metric for every region; keep national per-replication values."""
        y = {k: with_national(v) for k, v in self.year.items()}
        total_units = y["domestic_units"] + y["import_units"]
        total_h100e = y["domestic_h100e"] + y["import_h100e"]
        metrics = {
            "domestic_share_units": share(y["domestic_units"], total_units),
            "domestic_share_compute": share(y["domestic_h100e"], total_h100e),
            "domestic_share_installed": self.installed_share(),
            "unmet_demand_compute": y["unmet_h100e"],
            "imports_units": y["import_units"],
            "domestic_units": y["domestic_units"],
            "power_mw": y["power_kw"] / 1000.0,
            "demand_compute": y["demand_h100e"],
            "delivered_compute": total_h100e,
        }
        period = str(self.cal.year(t))
        for region_index, region in enumerate(self.regions):
            self.emit({m: v[region_index] for m, v in metrics.items()}, region, period)
        for metric, value in metrics.items():
            self.per_replication[metric].append(value[0])
        self.emit_quotas(t, metrics["domestic_share_compute"], period)
        self.year = {k: 0.0 for k in FLOWS}

    def emit_quotas(self, t: int, compute_share: np.ndarray, period: str) -> None:
        """Quota target and compliance (1 when met, NaN when nothing delivered)."""
        for i, segment in enumerate(self.market.segments):
            if not segment.bound:
                continue
            target = np.broadcast_to(segment.target[:, t][:, None], self.shape)
            got = compute_share[i + 1]
            met = np.where(np.isnan(got), np.nan, (got >= target - 1e-9).astype(float))
            self.emit({"quota_target": target, "quota_compliance": met}, segment.name, period)

    def emit(self, values: dict[str, np.ndarray], region: str, period: str) -> None:
        """Summarise each (L, R) array over replications and append rows."""
        names = list(values)
        stats = summarise(np.stack([np.broadcast_to(values[n], self.shape) for n in names]))
        for m, name in enumerate(names):
            for level_index, level in enumerate(self.levels):
                self.rows.append((level, name, region, period, stats[m, level_index]))

    @property
    def shape(self) -> tuple[int, int]:
        """(levels, replications)."""
        return self.installed["domestic"].shape[1:]

    def replicates(self) -> dict[str, np.ndarray]:
        """National annual values per level, replication and year: (L, R, Y)."""
        return {m: np.stack(v, axis=-1) for m, v in self.per_replication.items() if v}


def with_national(value: np.ndarray) -> np.ndarray:
    """Prepend the national total to the segment axis: (S, L, R) -> (1 + S, L, R)."""
    return np.concatenate([value.sum(0, keepdims=True), value])
