"""The scenario tree: frozen dataclasses, one per section of a scenario file.

Field metadata drives loading and validation: ``unit`` documents the field,
``min``/``max`` bound its values (for a distribution, its whole support), and
``date`` marks month-valued parameters. Mappings keyed by year use "YYYY".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sim.scenario.dist import Dist

SHARE = {"min": 0.0, "max": 1.0}
NONNEG = {"min": 0.0}
POSITIVE = {"min": 1e-12}
DATE = {"date": True}


def spec(unit: str, **bounds) -> dict:
    """Field metadata: a unit and optional bounds or flags."""
    return {"unit": unit, **bounds}


@dataclass(frozen=True)
class CalendarSpec:
    """First and last simulated month (inclusive)."""

    start: str = field(default="2023-01", metadata=spec("YYYY-MM"))
    end: str = field(default="2027-12", metadata=spec("YYYY-MM"))


# The allocation rules a scenario may name; sim.model.policies.ALLOCATION_RULES
# implements each (tests/model/test_policies.py checks the two agree).
ALLOCATIONS = ("pro_rata", "quota_first")


@dataclass(frozen=True)
class RunSpec:
    """How the ensemble is run."""

    seed: int = field(default=20251121, metadata=spec("integer", min=0, max=2**63 - 1))
    replications: int = field(default=2000, metadata=spec("count", min=1, max=10_000_000))
    quota_levels: tuple[str, ...] = field(
        default=("announced", "0.5", "0.7", "0.9", "1.0"),
        metadata=spec('"announced" or a share in [0, 1]', quota=True),
    )
    allocation: str = field(default="pro_rata", metadata=spec("rule name", rule=True))
    lever_start: str = field(default="2026-01", metadata=spec("YYYY-MM", month=True))
    lever_segments: tuple[str, ...] | None = field(
        default=None,
        metadata=spec(
            "segment ids a uniform quota level binds (default: those with an announced quota, "
            "filled in at load)",
            ref="segments",
        ),
    )


@dataclass(frozen=True)
class Demand:
    """National AI-compute demand, in H100-equivalents (H100e) a year."""

    base: Dist | None = field(
        default=None,
        metadata=spec("H100e per year in the first year (give this or budget_usd)", **POSITIVE),
    )
    budget_usd: Dist | None = field(
        default=None,
        metadata=spec(
            "USD spent on AI accelerators in the first year (give this or base)", **POSITIVE
        ),
    )
    initial_usd_per_h100e: Dist | None = field(
        default=None,
        metadata=spec(
            "USD per H100e buyers expect in the first month (with budget_usd)", **POSITIVE
        ),
    )
    growth: Mapping[str, Dist] = field(
        default_factory=dict,
        metadata=spec("growth over the previous year", keys="year", min=-0.9, max=10),
    )
    initial_domestic_installed: Dist = field(
        default=Dist.fixed(0.0), metadata=spec("units installed at the start", **NONNEG)
    )
    initial_import_installed: Dist = field(
        default=Dist.fixed(0.0), metadata=spec("units installed at the start", **NONNEG)
    )


@dataclass(frozen=True)
class Fab:
    """A dedicated fab that adds AI wafer capacity once commissioned."""

    commission: Dist = field(metadata=spec("YYYY-MM", **DATE))
    wafers_per_month: Dist = field(metadata=spec("wafers per month at full ramp", **NONNEG))
    ramp_months: Dist = field(metadata=spec("months to full output", min=1, max=120))


@dataclass(frozen=True)
class Foundry:
    """Advanced-node wafer capacity, the AI share of it, and its dedicated fabs."""

    capacity: Mapping[str, Dist] = field(
        metadata=spec("wafers per month at year end (plan)", keys="year", **NONNEG)
    )
    ai_share: Mapping[str, Dist] = field(
        metadata=spec("share of wafers for AI chips", keys="year", **SHARE)
    )
    expansion_realised: Dist = field(
        default=Dist.fixed(1.0),
        metadata=spec("share of planned growth the embargo allows", **SHARE),
    )
    yield_factor: Dist = field(
        default=Dist.fixed(1.0), metadata=spec("multiplier on product yields", min=0.0, max=10.0)
    )
    closes: Dist | None = field(default=None, metadata=spec("YYYY-MM cut-off", **DATE))
    fabs: Mapping[str, Fab] = field(default_factory=dict, metadata=spec("dedicated fabs"))
    ceiling: Mapping[str, Dist] = field(
        default_factory=dict,
        metadata=spec(
            "most advanced wafer starts a month investment may reach, at year end (none: no "
            "investment here)",
            keys="year",
            **NONNEG,
        ),
    )
    lead_months: Dist = field(
        default=Dist.fixed(24.0),
        metadata=spec(
            "months from committing new wafer capacity to its first wafers", min=1, max=60
        ),
    )


@dataclass(frozen=True)
class YieldCurve:
    """Learning curve: start, ceiling and time constant of good-die yield."""

    start: Dist = field(metadata=spec("yield at launch", **SHARE))
    ceiling: Dist = field(metadata=spec("long-run yield", **SHARE))
    learning_months: Dist = field(metadata=spec("months to close 63% of the gap", min=1, max=600))


@dataclass(frozen=True)
class Product:
    """A domestic accelerator: how the vendor's wafers, yield and memory become chips."""

    candidates_per_wafer: Dist = field(
        metadata=spec("packages per wafer at 100% yield", **POSITIVE)
    )
    yield_curve: YieldCurve = field(metadata=spec("yield learning curve"))
    hbm_stacks: Dist = field(metadata=spec("memory stacks per chip", **NONNEG))
    h100e: Dist = field(metadata=spec("H100-equivalents per chip at launch", **NONNEG))
    h100e_growth: Dist = field(
        default=Dist.fixed(0.0), metadata=spec("yearly gain in delivered performance", min=0, max=2)
    )
    power_kw: Dist = field(
        default=Dist.fixed(1.0), metadata=spec("kW per chip, system level", **NONNEG)
    )
    price_usd: Dist = field(default=Dist.fixed(0.0), metadata=spec("USD per chip", **NONNEG))
    available_from: str | None = field(
        default=None, metadata=spec("YYYY-MM launch (default: the calendar's start)", month=True)
    )
    retired_from: Dist | None = field(
        default=None,
        metadata=spec("YYYY-MM: no more wafers from then (default: never)", open_date=True, **DATE),
    )
    foundries: tuple[str, ...] = field(
        default=(), metadata=spec("foundries that make it (default: all the vendor's)")
    )
    mix: Dist = field(
        default=Dist.fixed(1.0),
        metadata=spec("weight in the vendor's wafers among its products in production", **POSITIVE),
    )
    memory: str = field(default="hbm", metadata=spec("the vendor's memory pool it draws on"))
    banked_dies_per_chip: Dist = field(
        default=Dist.fixed(0.0), metadata=spec("banked dies used per chip (0: none)", **NONNEG)
    )
    lead_months: Dist = field(
        default=Dist.fixed(3.0),
        metadata=spec("months from starting an order to a finished chip", min=1, max=24),
    )


@dataclass(frozen=True)
class MemorySource:
    """One of a vendor's memory pools: its share of national HBM and its own output."""

    stockpile_share: Dist = field(
        default=Dist.fixed(0.0),
        metadata=spec(
            "share of the national pre-control HBM stockpile (normalised over vendors)", **SHARE
        ),
    )
    domestic_share: Dist = field(
        default=Dist.fixed(0.0),
        metadata=spec("share of domestic HBM output (normalised over vendors)", **SHARE),
    )
    own_stacks: Mapping[str, Dist] = field(
        default_factory=dict,
        metadata=spec("the vendor's own memory output, stacks per year", keys="year", **NONNEG),
    )
    imported: bool = field(
        default=True,
        metadata=spec(
            "bought abroad freely until the HBM controls (false: own memory, always a limit)"
        ),
    )


@dataclass(frozen=True)
class Vendor:
    """A domestic chip designer: its wafers, products, memory and finished stock."""

    products: Mapping[str, Product] = field(metadata=spec("products"))
    wafer_share: Mapping[str, Dist] = field(
        metadata=spec("share of each foundry's AI wafers", **SHARE)
    )
    memory: Mapping[str, MemorySource] = field(
        default_factory=dict, metadata=spec("memory pools by name (products name theirs)")
    )
    banked_dies: Dist = field(
        default=Dist.fixed(0.0), metadata=spec("dies banked abroad", **NONNEG)
    )
    banked_dies_per_month: Dist = field(
        default=Dist.fixed(0.0), metadata=spec("dies packaged per month at most", **NONNEG)
    )
    inventory_months: Dist = field(
        default=Dist.fixed(1.0),
        metadata=spec("finished stock kept, in months of new orders", min=0, max=12),
    )


@dataclass(frozen=True)
class Memory:
    """HBM: the controls, the stock bought before them and domestic output."""

    controls_from: str = field(metadata=spec("YYYY-MM the HBM controls take effect", month=True))
    stockpile_stacks: Dist = field(
        metadata=spec("stacks held when the controls are announced", **NONNEG)
    )
    controls_announced: str | None = field(
        default=None,
        metadata=spec(
            "YYYY-MM the controls are announced (default: when they take effect)", month=True
        ),
    )
    rush_stacks: Dist = field(
        default=Dist.fixed(0.0),
        metadata=spec("stacks bought between announcement and effect", **NONNEG),
    )
    domestic_stacks: Mapping[str, Dist] = field(
        default_factory=dict, metadata=spec("domestic stacks per year", keys="year", **NONNEG)
    )
    allocation: str = field(
        default="value_first",
        metadata=spec(
            "rule sharing a vendor's pool among its products", choices=("value_first", "pro_rata")
        ),
    )
    ceiling_stacks: Mapping[str, Dist] = field(
        default_factory=dict,
        metadata=spec(
            "most domestic stacks a year investment may reach, at year end (none: no investment)",
            keys="year",
            **NONNEG,
        ),
    )
    lead_months: Dist = field(
        default=Dist.fixed(18.0),
        metadata=spec(
            "months from committing new memory lines to their first stacks", min=1, max=60
        ),
    )

    ration_months: Dist | None = field(
        default=None,
        metadata=spec(
            "months after the controls over which vendors spread the stockpile, whole "
            "(default: none, drawn as fast as chips need it)",
            min=1,
            max=240,
        ),
    )


@dataclass(frozen=True)
class Packaging:
    """National advanced packaging (2.5D, CoWoS-class): chips a month it can package."""

    capacity: Mapping[str, Dist] = field(
        default_factory=dict,
        metadata=spec(
            "chips packaged a month at year end (none: unlimited)", keys="year", **NONNEG
        ),
    )
    ceiling: Mapping[str, Dist] = field(
        default_factory=dict,
        metadata=spec(
            "most chips a month investment may reach, at year end (none: no investment)",
            keys="year",
            **NONNEG,
        ),
    )
    lead_months: Dist = field(
        default=Dist.fixed(9.0),
        metadata=spec("months from committing packaging lines to their first chips", min=1, max=60),
    )


@dataclass(frozen=True)
class Investment:
    """How domestic capacity answers sustained orders (response 0: it never does)."""

    response: Dist = field(
        default=Dist.fixed(0.0),
        metadata=spec(
            "share of the capacity gap (to what sustained orders need) committed a month",
            min=0.0,
            max=1.0,
        ),
    )
    smoothing_months: Dist = field(
        default=Dist.fixed(6.0),
        metadata=spec(
            "months over which orders and capacity are averaged (exponential)", min=1, max=60
        ),
    )


@dataclass(frozen=True)
class ImportProduct:
    """A foreign accelerator: what its supplier can ship to China, and at what terms."""

    units_per_month: Mapping[str, Dist] = field(
        metadata=spec("units per month the supplier can ship to China", keys="year", **NONNEG)
    )
    h100e: Dist = field(metadata=spec("H100-equivalents per chip", **NONNEG))
    power_kw: Dist = field(metadata=spec("kW per chip, system level", **NONNEG))
    price_usd: Dist = field(default=Dist.fixed(0.0), metadata=spec("USD per chip", **NONNEG))
    lead_months: Dist = field(
        default=Dist.fixed(1.0),
        metadata=spec("months from an order to its delivery", min=0, max=24),
    )
    licence: float = field(default=1.0, metadata=spec("US licence share at the start", **SHARE))
    guidance: float = field(default=1.0, metadata=spec("Chinese acceptance at the start", **SHARE))
    approval: bool = field(
        default=False,
        metadata=spec("buyers need an approved quantity (an approval event) to buy it"),
    )
    stockpile_units: Dist = field(
        default=Dist.fixed(0.0),
        metadata=spec("units in the supplier's (or channel's) stock for China", **NONNEG),
    )
    stockpile_date: str | None = field(
        default=None,
        metadata=spec("YYYY-MM (default: the calendar's start)", month=True, open_date=True),
    )
    # grey market only: supply answers last month's unmet import need, up to what
    # enforcement lets through (0 and no cap: a fixed flow)
    scarcity_response: Dist = field(
        default=Dist.fixed(0.0),
        metadata=spec(
            "extra supply per unit of last month's unmet share of national import need "
            "(grey market only)",
            min=0.0,
            max=100.0,
        ),
    )
    enforcement_cap: Mapping[str, Dist] = field(
        default_factory=dict,
        metadata=spec(
            "units per month enforcement lets through at most (grey market only; none: no cap)",
            keys="year",
            **NONNEG,
        ),
    )


EVENT_KINDS = ("licence", "cap", "guidance", "customs", "bar", "approval", "bundle")
SHARE_KINDS = ("licence", "guidance", "customs", "bar")


@dataclass(frozen=True)
class Event:
    """A dated rule on an import product, for every buyer or the segments named.

    ``licence`` (US share of supply allowed) and ``cap`` (units a month at
    most) act on the supplier; ``customs`` (share let through) on arrivals;
    ``guidance`` (willingness), ``bar`` (share still allowed: 0 bars),
    ``approval`` (units added to an approved quantity) and ``bundle``
    (domestic chips to buy per imported chip) on buyers.
    """

    date: Dist = field(metadata=spec("YYYY-MM it takes effect", open_date=True, **DATE))
    product: str = field(metadata=spec('import product id, or "*" for every one', ref="imports"))
    kind: str = field(metadata=spec("kind of rule", choices=EVENT_KINDS))
    value: Dist = field(metadata=spec("share, units or ratio, by kind", **NONNEG))
    announced: Dist | None = field(
        default=None,
        metadata=spec(
            "YYYY-MM buyers learn of it (default: when it takes effect)", open_date=True, **DATE
        ),
    )
    segments: tuple[str, ...] = field(
        default=(), metadata=spec("segments it applies to (default: every one)")
    )
    evidence: tuple[str, ...] = field(default=(), metadata=spec("evidence ids"))
    enabled: bool = field(default=True, metadata=spec("false drops the event"))


@dataclass(frozen=True)
class QuotaPath:
    """A published domestic-share path: share reached at each dated point."""

    points: Mapping[str, float] = field(metadata=spec("share by YYYY-MM", keys="month", **SHARE))
    basis: str = field(
        default="compute", metadata=spec("what the share counts", choices=("compute", "units"))
    )
    evidence: tuple[str, ...] = field(default=(), metadata=spec("evidence ids"))


@dataclass(frozen=True)
class Segment:
    """A buyer segment: its demand, quota path and buying habits."""

    demand_share: Dist = field(metadata=spec("share of national demand", **SHARE))
    preference: Mapping[str, Dist] = field(
        metadata=spec("voluntary domestic share by year", keys="year", **SHARE)
    )
    substitution: Dist = field(metadata=spec("share of missing imports sought at home", **SHARE))
    quota: QuotaPath | None = field(default=None, metadata=spec("announced quota path"))
    enforcement: Dist = field(
        default=Dist.fixed(1.0), metadata=spec("share of quota enforced", **SHARE)
    )
    stockpile_months: Dist = field(
        default=Dist.fixed(0.0),
        metadata=spec(
            "months of import need bought ahead of an announced restriction", min=0, max=36
        ),
    )
    offshore_share: Dist = field(
        default=Dist.fixed(0.0),
        metadata=spec(
            "share of lapsed orders and lost imports served by compute rented abroad", **SHARE
        ),
    )


@dataclass(frozen=True)
class Market:
    """How unmet domestic orders wait."""

    backlog_months: Dist = field(
        metadata=spec("months an order waits", min=1, max=36, integer=True)
    )


@dataclass(frozen=True)
class Offshore:
    """Compute rented in datacentres abroad, for orders that lapse or imports lost."""

    capacity: Mapping[str, Dist] = field(
        default_factory=dict,
        metadata=spec(
            "H100e a month the nation can rent abroad (none: unlimited)", keys="year", **NONNEG
        ),
    )


@dataclass(frozen=True)
class Scenario:
    """A whole scenario, as resolved from its file and any it extends."""

    name: str = field(metadata=spec("identifier"))
    demand: Demand = field(metadata=spec("demand"))
    foundries: Mapping[str, Foundry] = field(metadata=spec("foundries"))
    vendors: Mapping[str, Vendor] = field(metadata=spec("domestic vendors"))
    memory: Memory = field(metadata=spec("HBM"))
    imports: Mapping[str, ImportProduct] = field(metadata=spec("import products"))
    segments: Mapping[str, Segment] = field(metadata=spec("buyer segments"))
    market: Market = field(metadata=spec("market"))
    events: Mapping[str, Event] = field(default_factory=dict, metadata=spec("import timeline"))
    grey_market: Mapping[str, ImportProduct] = field(
        default_factory=dict, metadata=spec("smuggled products, never licensed")
    )
    packaging: Packaging = field(default_factory=Packaging, metadata=spec("advanced packaging"))
    investment: Investment = field(
        default_factory=Investment, metadata=spec("capacity growth on unmet orders")
    )
    offshore: Offshore = field(default_factory=Offshore, metadata=spec("offshore compute"))
    description: str = field(default="", metadata=spec("text"))
    calendar: CalendarSpec = field(default_factory=CalendarSpec, metadata=spec("calendar"))
    run: RunSpec = field(default_factory=RunSpec, metadata=spec("run settings"))
    extends: str | None = field(default=None, metadata=spec("path of the parent scenario"))

    def lever_reach(self) -> tuple[str, ...]:
        """Segments a uniform quota level binds: ``run.lever_segments``.

        When that is unset (a tree not filled in by the loader, such as an
        older run's manifest), the segments with an announced quota.
        """
        if self.run.lever_segments is not None:
            return self.run.lever_segments
        return tuple(name for name, s in self.segments.items() if s.quota is not None)
