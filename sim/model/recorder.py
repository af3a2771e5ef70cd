"""The recorder: turns the market's ledger into period statistics.

Memory stays bounded: the ledger holds running sums for the current year and
quarter and the installed base; the recorder keeps one number per
replication, level and year for the national headline metrics (kept for
distributions and paired comparisons). Statistics are taken one metric at a
time, so a period's end adds little to what the run holds.
"""

from __future__ import annotations

import numpy as np
import simpy

from sim.calendar import Calendar
from sim.model.clock import PHASE
from sim.model.ledger import with_national
from sim.model.market import Market
from sim.model.stats import share, summarise

ANNUAL = ("domestic_share_units", "domestic_share_compute", "domestic_share_installed",
          "unmet_demand_compute", "imports_units", "domestic_units", "power_mw",
          "demand_compute", "delivered_compute")
MONTHLY = ("domestic_share_units", "domestic_share_compute", "domestic_share_installed")
QUARTERLY = ("domestic_units", "imports_units", "unmet_demand_compute", "demand_compute")


class Recorder:
    """Emits summary rows at each period's end from the market's ledger.

    A row is ``(quota, metric, region, period, stats)`` with ``stats`` the six
    numbers of :data:`sim.model.stats.STAT_NAMES`.
    """

    def __init__(self, cal: Calendar, market: Market, levels: list[str],
                 keep: tuple[str, ...] = (), narrow: bool = False, shared: dict | None = None):
        self.cal = cal
        self.narrow = narrow  # keep per-replication values as float32 (see narrow())
        self.shared = shared or {}  # metric -> another level group's YearSlabs, held once
        self.market = market
        self.ledger = market.ledger
        self.levels = levels
        self.regions = ["national"] + [s.name for s in market.segments]
        self.rows: list[tuple] = []
        # national values per metric: one (levels or 1, R) array per year done
        self.per_replication: dict[str, list[np.ndarray]] = {m: [] for m in ANNUAL}
        self.years_done = 0
        self.kept: dict[str, list[np.ndarray]] = {m: [] for m in keep}  # quarterly, national
        self.quarters: list[str] = []

    def record(self, env: simpy.Environment, months: int):
        """SimPy process: after the market clears, emit the periods that end."""
        yield env.timeout(PHASE["record"])
        for t in range(months):
            self.emit_month(t)
            if self.cal.is_period_end(t, 3):
                self.emit_quarter(t)
            if self.cal.is_period_end(t, 12):
                self.emit_year(t)
            yield env.timeout(1)

    def emit_month(self, t: int) -> None:
        """National shares for the month just ended."""
        values = self.ledger.take_shares()
        values["domestic_share_installed"] = self.ledger.national_installed_share()
        self.emit({m: values[m] for m in MONTHLY}, "national", self.cal.label(t))

    def emit_quarter(self, t: int) -> None:
        """National supply and demand sums for the quarter just ended."""
        quarter = self.ledger.take_quarter()
        self.emit(quarter, "national", self.cal.quarter_label(t))
        for metric, values in self.kept.items():
            values.append(np.broadcast_to(quarter[metric], self.full_shape).copy())
        self.quarters.append(self.cal.quarter_label(t))

    def emit_year(self, t: int) -> None:
        """Every annual metric for every region; keep national per-replication values."""
        period = str(self.cal.year(t))
        stats, compute_share = self.annual_stats(t)
        for region_index, region in enumerate(self.regions):
            self.append_rows({m: stats[m][region_index] for m in ANNUAL}, region, period)
        self.emit_quotas(t, compute_share, period)
        self.years_done += 1

    def annual_stats(self, t: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Statistics (1 + S, L or 1, 6) of the year ending at ``t``, and the compute share.

        The year's sums are let go as they are used, so only a few
        (1 + S, L, R) arrays exist at once.
        """
        y, stats = self.ledger.take_year(), {}
        units = with_national(y.pop("domestic_units"))
        imports = with_national(y.pop("import_units"))
        stats["domestic_share_units"] = self.annual("domestic_share_units",
                                                    share(units, units + imports))
        stats["imports_units"] = self.annual("imports_units", imports)
        stats["domestic_units"] = self.annual("domestic_units", units)
        del units, imports
        compute = with_national(y.pop("domestic_h100e"))
        imported = with_national(y.pop("import_h100e"))
        delivered = compute + imported
        del imported
        compute_share = share(compute, delivered)
        del compute
        stats["domestic_share_compute"] = self.annual("domestic_share_compute", compute_share)
        stats["delivered_compute"] = self.annual("delivered_compute", delivered)
        del delivered
        stats["domestic_share_installed"] = self.annual("domestic_share_installed",
                                                        self.ledger.installed_share())
        stats["unmet_demand_compute"] = self.annual("unmet_demand_compute",
                                                    with_national(y.pop("unmet_h100e")))
        stats["power_mw"] = self.annual("power_mw", with_national(y.pop("power_kw")) / 1000.0)
        stats["demand_compute"] = self.annual("demand_compute",
                                              with_national(self.year_demand(t)))
        return stats, compute_share

    def year_demand(self, t: int) -> np.ndarray:
        """Demand per segment over the year ending at step ``t``, H100e (S, 1, R).

        Added month by month from the segments' demand exactly as the ledger
        adds flows, so no running sum of demand is held through the year.
        """
        total = None
        for month in range(max(0, t - self.cal.ordinal(t) % 12), t + 1):
            need = np.stack([s.demand_at(month) for s in self.market.segments])[:, None]
            if total is None:
                total = 0.0 + need
            else:
                total += need
        return total

    def annual(self, metric: str, values: np.ndarray) -> np.ndarray:
        """Keep the national values (row 0) per replication; return the statistics."""
        national = values[0]
        kept = narrow(national) if self.narrow else national
        kept = self.shared_year(metric, kept)
        self.per_replication[metric].append(kept.copy() if kept is national else kept)
        return summarise(values)

    def shared_year(self, metric: str, values: np.ndarray) -> np.ndarray:
        """Return the other level group's array for this year if it holds the same bits.

        Otherwise return ``values``. Levels agree until they part, so a
        group's years before then equal the first group's: it holds them once
        (see :mod:`sim.model.parallel`).
        """
        years = self.shared.get(metric)
        year = len(self.per_replication[metric])
        if years is None or year >= len(years.slabs):
            return values
        theirs = years.slabs[year]
        if (theirs.shape == values.shape and theirs.dtype == values.dtype
                and np.array_equal(theirs.view(np.uint8), values.view(np.uint8))):
            return theirs
        return values

    def emit_quotas(self, t: int, compute_share: np.ndarray, period: str) -> None:
        """Quota target and compliance (1 when met, NaN when nothing delivered)."""
        for i, segment in enumerate(self.market.segments):
            if not segment.bound:
                continue
            target = np.broadcast_to(segment.target[:self.shape[0], t][:, None], self.shape)
            got = compute_share[i + 1]
            met = np.where(np.isnan(got), np.nan, (got >= target - 1e-9).astype(float))
            self.emit({"quota_target": target, "quota_compliance": met}, segment.name, period)

    def emit(self, values: dict[str, np.ndarray], region: str, period: str) -> None:
        """Summarise each (L, R) array over replications, one at a time, and append rows."""
        stats = {name: summarise(np.broadcast_to(value, self.shape))
                 for name, value in values.items()}
        self.append_rows(stats, region, period)

    def append_rows(self, stats: dict[str, np.ndarray], region: str, period: str) -> None:
        """Append one row per metric and level; ``stats`` are (L, 6), or (1, 6) for all levels."""
        for name, values in stats.items():
            values = np.broadcast_to(values, (len(self.levels), values.shape[-1]))
            for level_index, level in enumerate(self.levels):
                self.rows.append((level, name, region, period, values[level_index].copy()))

    @property
    def shape(self) -> tuple[int, int]:
        """(level rows held, replications): 1 row while all levels agree."""
        return self.ledger.installed["domestic"].shape[1:]

    @property
    def full_shape(self) -> tuple[int, int]:
        """(levels, replications)."""
        return (len(self.levels), self.shape[1])

    def expand_levels(self, levels: int) -> None:
        """Give every level its own copy of the single level row."""
        self.ledger.expand_levels(levels)

    def replicates(self) -> dict[str, np.ndarray]:
        """National annual values per level, replication and year: (L, R, Y)."""
        return stack_years(dict(self.per_replication), len(self.levels))

    def kept_quarters(self) -> dict[str, np.ndarray]:
        """Kept national quarterly values per level, replication and quarter: (L, R, Q)."""
        return {m: np.stack(v, axis=-1) for m, v in self.kept.items() if v}


def stack_years(per_replication: dict[str, list[np.ndarray]], levels: int) -> dict[str, np.ndarray]:
    """Stack each metric's yearly (levels or 1, R) values to (levels, R, years).

    Metrics are taken out of ``per_replication`` as they are stacked, so their
    yearly arrays can go at once.
    """
    out = {}
    for metric in list(per_replication):
        years = per_replication.pop(metric)
        if years:
            out[metric] = np.stack([np.broadcast_to(v, (levels, v.shape[-1])) for v in years],
                                   axis=-1)
        del years
    return out


def narrow(values: np.ndarray) -> np.ndarray:
    """``values`` as float32 when every finite value fits, else unchanged.

    Run directories store per-replication values so (ample for paired
    comparisons); no finite value is ever stored as infinity. The recorder
    narrows a year's values as it keeps them: should a later year not fit,
    the metric's values come back as float64 with the earlier years holding
    their float32 values (only values beyond 3.4e38 do that).
    """
    if values.dtype == np.float32:
        return values
    limit = np.finfo(np.float32).max
    with np.errstate(invalid="ignore"):
        beyond = np.count_nonzero(np.abs(values) > limit) - np.count_nonzero(np.isinf(values))
    return values.astype(np.float32) if beyond == 0 else values
