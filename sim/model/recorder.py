"""The recorder: turns the market's ledger into period statistics.

Memory stays bounded: the ledger holds running sums for the current year and
quarter and the installed base; the recorder keeps one number per
replication, level and year for the national headline metrics (kept for
distributions and paired comparisons). Statistics are taken one metric at a
time, so a period's end adds little to what the run holds.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.core.calendar import Calendar
from sim.core.metrics import ALL, BOUND, MONTH, NATIONAL, QUARTER, YEAR, M, SummaryRow, names
from sim.model.ledger import accumulate, with_national
from sim.model.market import Market
from sim.model.stats import STAT_NAMES, share, summarise

if TYPE_CHECKING:
    from sim.model.clock import Clock
    from sim.model.foundry import Foundry

ANNUAL = names(YEAR, ALL)
MONTHLY = names(MONTH, NATIONAL)
QUARTERLY = names(QUARTER, NATIONAL)
QUOTA = names(YEAR, BOUND)


@dataclass(frozen=True)
class RowFilter:
    """Which summary rows to emit (None: all); a sensitivity run needs one row."""

    metrics: frozenset[str] | None = None
    regions: frozenset[str] | None = None
    periods: frozenset[str] | None = None

    def __call__(self, metric: str, region: str, period: str) -> bool:
        """Tell whether a row is emitted."""
        return (
            (self.metrics is None or metric in self.metrics)
            and (self.regions is None or region in self.regions)
            and (self.periods is None or period in self.periods)
        )

    def any_of(self, metric: str) -> bool:
        """Tell whether some row of ``metric`` may be emitted."""
        return self.metrics is None or metric in self.metrics


@dataclass(frozen=True)
class RecordOptions:
    """How the recorder summarises and what it keeps.

    ``summarise`` maps (..., R) values to (..., ``width``) statistics (default:
    the six of :data:`sim.model.stats.STAT_NAMES`; experiments summarise each
    point's replications apart). ``keep`` names national quarterly metrics
    kept per replication; ``narrow`` keeps annual per-replication values as
    float32 (see :func:`narrow`).
    """

    keep: tuple[str, ...] = ()
    narrow: bool = False
    rows: RowFilter = RowFilter()
    summarise: Callable[[np.ndarray], np.ndarray] = summarise
    width: int = len(STAT_NAMES)


class Recorder:
    """Emits summary rows at each period's end from the market's ledger.

    A row is a :class:`sim.core.metrics.SummaryRow`: quota level, metric, region,
    period and the statistics of :attr:`RecordOptions.summarise`.
    """

    def __init__(
        self,
        cal: Calendar,
        market: Market,
        levels: list[str],
        options: RecordOptions = RecordOptions(),
        foundries: tuple[Foundry, ...] = (),
    ) -> None:
        self.cal = cal
        self.foundries = tuple(foundries)  # read for wafer_starts: each one's total_wafers
        self.wafer_months = 0  # months summed into the quarter's wafer_starts so far
        self.options = options
        self.market = market
        self.ledger = market.ledger
        self.levels = levels
        self.regions = ["national"] + [s.name for s in market.segments]
        self.rows: list[SummaryRow] = []
        # national values per metric: one (levels or 1, R) array per year done
        self.per_replication: dict[str, list[np.ndarray]] = {m: [] for m in ANNUAL}
        self.kept: dict[str, list[np.ndarray]] = {m: [] for m in options.keep}
        self.quarters: list[str] = []

    def record(self, clock: Clock) -> Generator[simpy.Event, Any, None]:
        """SimPy process: once vendors have started the month's work, emit the periods that end."""
        while True:
            month = yield clock.next_month()
            yield month.turn("recorded")
            self.record_month(month.t)
            month.done("recorded")

    def record_month(self, t: int) -> None:
        """Emit month ``t``, and its quarter and year when they end."""
        self.emit_month(t)
        self.add_wafers()
        if self.cal.is_period_end(t, 3):
            self.emit_quarter(t)
        if self.cal.is_period_end(t, 12):
            self.emit_year(t)

    def emit_month(self, t: int) -> None:
        """National shares for the month just ended."""
        values = self.ledger.take_shares()
        values[M.domestic_share_installed] = self.ledger.national_installed_share()
        self.emit({m: values[m] for m in MONTHLY}, "national", self.cal.label(t))

    def emit_quarter(self, t: int) -> None:
        """National supply and demand sums for the quarter just ended."""
        self.ledger.quarter[M.deferred_demand_compute] = self.deferred().sum(0)  # a stock
        quarter = self.ledger.take_quarter()
        quarter[M.wafer_starts] /= self.wafer_months  # the quarter's mean month
        self.wafer_months = 0
        self.emit(quarter, "national", self.cal.quarter_label(t))
        for metric, values in self.kept.items():
            values.append(np.broadcast_to(quarter[metric], self.full_shape).copy())
        self.quarters.append(self.cal.quarter_label(t))

    def add_wafers(self) -> None:
        """Add the month's advanced wafer starts over every foundry (before the AI share)."""
        wafers = np.zeros((1, self.ledger.replications))  # (levels, R) once investment adds
        for foundry in self.foundries:
            wafers = wafers + foundry.total_wafers
        accumulate(self.ledger.quarter, M.wafer_starts, wafers)
        self.wafer_months += 1

    def emit_year(self, t: int) -> None:
        """Every annual metric for every region; keep national per-replication values."""
        period = str(self.cal.year(t))
        year = self.ledger.take_year()
        stats, shares = self.annual_stats(t, year)
        for region_index, region in enumerate(self.regions):
            self.append_rows({m: stats[m][region_index] for m in ANNUAL}, region, period)
        self.emit_quotas(t, shares, period)

    def annual_stats(
        self, t: int, year: dict[str, np.ndarray]
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Statistics (1 + S, L or 1, 6) of the year ending at ``t``, and its delivered shares.

        Each group of metrics is made in its own method, so the year's
        (1 + S, L, R) arrays go as soon as their statistics are taken.
        """
        units_share, stats = self.unit_stats(year)
        compute_share, compute_stats = self.compute_stats(year)
        stats |= compute_stats
        stats[M.domestic_share_value] = self.annual(M.domestic_share_value, value_share(year))
        stats[M.domestic_share_installed] = self.annual(
            M.domestic_share_installed, self.ledger.installed_share()
        )
        for metric, key in (
            (M.unmet_demand_compute, "unmet_h100e"),
            (M.offshore_compute, "offshore_h100e"),
            (M.abandoned_demand_compute, "abandoned_h100e"),
            (M.served_late_compute, "late_h100e"),
            (M.demand_compute, "demand_h100e"),
        ):
            stats[metric] = self.annual(metric, with_national(year.pop(key)))
        stats[M.deferred_demand_compute] = self.annual(
            M.deferred_demand_compute, with_national(self.deferred())
        )
        stats[M.power_mw] = self.annual(M.power_mw, with_national(year.pop("power_kw")) / 1000.0)
        return stats, {"units": units_share, "compute": compute_share}

    def deferred(self) -> np.ndarray:
        """H100e of domestic orders waiting now, per segment (S, levels, R)."""
        return np.stack([s.backlog.total() for s in self.market.segments])

    def unit_stats(self, year: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Return the year's unit share (1 + S, L, R) and unit metrics' statistics."""
        units = with_national(year.pop("domestic_units"))
        imports = with_national(year.pop("import_units"))
        units_share = share(units, units + imports)
        return units_share, {
            M.domestic_share_units: self.annual(M.domestic_share_units, units_share),
            M.imports_units: self.annual(M.imports_units, imports),
            M.domestic_units: self.annual(M.domestic_units, units),
        }

    def compute_stats(
        self, year: dict[str, np.ndarray]
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Return the year's compute share (1 + S, L, R) and compute metrics' statistics."""
        compute = with_national(year.pop("domestic_h100e"))
        delivered = compute + with_national(year.pop("import_h100e"))
        compute_share = share(compute, delivered)
        return compute_share, {
            M.domestic_share_compute: self.annual(M.domestic_share_compute, compute_share),
            M.delivered_compute: self.annual(M.delivered_compute, delivered),
        }

    def annual(self, metric: str, values: np.ndarray) -> np.ndarray:
        """Keep the national values (row 0) per replication; return the statistics."""
        national = values[0]
        kept = narrow(national) if self.options.narrow else national
        self.per_replication[metric].append(kept.copy() if kept is national else kept)
        if not self.options.rows.any_of(metric):  # no row of it is wanted
            return np.full((*values.shape[:-1], self.options.width), np.nan)
        return self.options.summarise(values)

    def emit_quotas(self, t: int, shares: dict[str, np.ndarray], period: str) -> None:
        """Quota target and compliance (1 when met, NaN when nothing delivered).

        Every segment with a quota at some level (announced, or set by a
        uniform level for a segment in the lever's reach) has rows at every
        level; where it has no quota its target is 0, which is always met.
        A segment meets its quota when its annual share, counted on the
        quota's basis (units or compute), reaches the target times its
        enforcement: the part of the quota actually enforced.
        """
        for i, segment in enumerate(self.market.segments):
            if not segment.targeted:  # no quota at any level
                continue
            target = np.broadcast_to(segment.target[: self.shape[0], t][:, None], self.shape)
            got = shares["units" if segment.units_basis else "compute"][i + 1]
            enforced = target * segment.enforcement[None, :]
            met = np.where(np.isnan(got), np.nan, (got >= enforced - 1e-9).astype(float))
            self.emit(dict(zip(QUOTA, (target, met), strict=True)), segment.name, period)

    def emit(self, values: dict[str, np.ndarray], region: str, period: str) -> None:
        """Summarise every wanted (L, R) array over replications together; append rows.

        The summaries are row by row, so one call over the stacked arrays
        gives each array's statistics as a call of its own would.
        """
        wanted = [name for name in values if self.options.rows(name, region, period)]
        if not wanted:
            return
        stacked = np.stack([np.broadcast_to(values[name], self.shape) for name in wanted])
        stats = self.options.summarise(stacked)
        self.append_rows(dict(zip(wanted, stats, strict=True)), region, period)

    def append_rows(self, stats: dict[str, np.ndarray], region: str, period: str) -> None:
        """Append one row per wanted metric and level; ``stats`` are (L, k), or (1, k)."""
        for name, values in stats.items():
            if not self.options.rows(name, region, period):
                continue
            values = np.broadcast_to(values, (len(self.levels), values.shape[-1]))
            for level_index, level in enumerate(self.levels):
                self.rows.append(
                    SummaryRow(level, name, region, period, values[level_index].copy())
                )

    @property
    def shape(self) -> tuple[int, int]:
        """(level rows held, replications): 1 row while all levels agree."""
        return self.ledger.installed["domestic"].shape[1:]

    @property
    def full_shape(self) -> tuple[int, int]:
        """(levels, replications)."""
        return (len(self.levels), self.shape[1])

    def replicates(self) -> dict[str, np.ndarray]:
        """National annual values per level, replication and year: (L, R, Y)."""
        return stack_years(dict(self.per_replication), len(self.levels))

    def kept_quarters(self) -> dict[str, np.ndarray]:
        """Kept national quarterly values per level, replication and quarter: (L, R, Q)."""
        return {m: np.stack(v, axis=-1) for m, v in self.kept.items() if v}


def value_share(year: dict[str, np.ndarray]) -> np.ndarray:
    """Return the year's domestic share of delivered value (USD), (1 + S, L, R)."""
    domestic = with_national(year.pop("domestic_usd"))
    return share(domestic, domestic + with_national(year.pop("import_usd")))


def stack_years(per_replication: dict[str, list[np.ndarray]], levels: int) -> dict[str, np.ndarray]:
    """Stack each metric's yearly (levels or 1, R) values to (levels, R, years).

    Metrics are taken out of ``per_replication`` as they are stacked, so their
    yearly arrays can go at once.
    """
    out = {}
    for metric in list(per_replication):
        years = per_replication.pop(metric)
        if years:
            out[metric] = np.stack(
                [np.broadcast_to(v, (levels, v.shape[-1])) for v in years], axis=-1
            )
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
