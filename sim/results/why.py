"""One generated sentence on why the quota levels differ, or do not.

The sentence compares the weakest and the strongest quota level of a run in
one year (the lowest and highest numeric level; "announced" and one level
when only one is numeric) and is built only from the run's numbers:

- the national share of chips, median over replications, at both levels;
- the mean change in domestic chips delivered, imports and unmet demand
  (means are additive, so these are exactly the means of the paired
  per-replication differences that ``level_effect.*`` summarises);
- the same changes for the quota-bound segments, whose complement is what
  every other buyer gains or loses;
- the binding-constraint shares (mean share of months) at the stronger level.

Each clause is stated only when its numbers support it: a change is called
small below :data:`SMALL` of the deliveries (or demand), a constraint is
named as a reason only when it binds in at least :data:`BINDS` of months,
and the share "barely moves" below :data:`FLAT_POINTS` percentage points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.metrics import BINDING_LABELS, EFFECTS, M, format_value
from sim.results.levels import Index, bound_segments, levels_of, stat

SMALL = 0.01  # a change below 1% of deliveries (chips) or of demand (H100e) is small
BINDS = 0.5  # a constraint binding in at least half the months can be a reason
FLAT_POINTS = 1.0  # the share "barely moves" below one percentage point
NIL = 0.02  # imports below 2% of deliveries at both levels are "almost nil"
DOMESTIC_LIMITS = ("hbm", "wafers")
IMPORT_LIMITS = ("import_supply", "import_rules")


def level_name(level: str) -> str:
    """"announced quotas" or "50% quota"."""
    return "announced quotas" if level == "announced" else f"{float(level):.0%} quota"


def pair(levels: list[str]) -> tuple[str, str] | None:
    """Return the weakest and strongest level to compare (None: nothing to compare)."""
    numeric = sorted((lv for lv in levels if lv != "announced"), key=float)
    if len(numeric) >= 2:
        return numeric[0], numeric[-1]
    if len(numeric) == 1 and "announced" in levels:
        return "announced", numeric[0]
    return None


@dataclass(frozen=True)
class Change:
    """Mean change from level ``lo`` to level ``hi`` of one quantity, nationally and bound."""

    national: float
    bound: float

    @property
    def others(self) -> float:
        """What every buyer outside the quota-bound segments gains or loses."""
        return self.national - self.bound


def change(index: Index, metric: str, lo: str, hi: str, year: str) -> Change:
    """Mean change of ``metric`` from ``lo`` to ``hi``: national, and summed over bound segments."""
    def total(level: str, regions: list[str]) -> float:
        return sum(stat(index, level, metric, year, r, "mean") for r in regions)

    bound = sorted(set(bound_segments(index, lo, year)) | set(bound_segments(index, hi, year)))
    return Change(national_change(index, metric, lo, hi, year), total(hi, bound) - total(lo, bound))


def national_change(index: Index, metric: str, lo: str, hi: str, year: str) -> float:
    """National mean change of ``metric``: from the paired effects, else from the means."""
    paired = paired_change(index, metric, lo, hi, year)
    if math.isfinite(paired):
        return paired
    return stat(index, hi, metric, year, name="mean") - stat(index, lo, metric, year, name="mean")


def paired_change(index: Index, metric: str, lo: str, hi: str, year: str) -> float:
    """Return the national mean change from the ``level_effect`` rows (NaN without them).

    A summary file prints six significant digits, so the difference of two
    large means can be off by tens of chips; the effects are the differences
    themselves, printed to the same relative precision (exact to the chip
    while an effect is under a million).
    Each effect is the level's paired difference from the announced quotas
    (0 at ``announced``).
    """
    member = next((name for name, (of, _) in EFFECTS.items() if of == metric), None)
    if member is None:
        return math.nan
    sign = EFFECTS[member][1]

    def effect(level: str) -> float:
        return 0.0 if level == "announced" else stat(index, level, f"{M.level_effect}.{member}",
                                                     year, name="mean")

    return sign * (effect(hi) - effect(lo))


def chips(value: float) -> str:
    """Format a count of chips (or H100e) without sign: "30", "27.2k", "1.20M"."""
    size = abs(value)
    return f"{size:,.0f}" if size < 1000 else format_value(M.domestic_units, size)


def more(value: float, what: str = "") -> str:
    """"25.0k more domestic chips" / "25.0k fewer" (``what`` follows the word)."""
    word = "more" if value >= 0 else "fewer"
    return f"{chips(value)} {word}{' ' + what if what else ''}"


def limits(index: Index, level: str, year: str, members: tuple[str, ...]
           ) -> list[tuple[str, float]]:
    """(label, mean share of months) of the members binding in at least BINDS of months."""
    found = [(BINDING_LABELS[b], stat(index, level, f"{M.binding_share}.{b}", year, name="mean"))
             for b in members]
    return [(name, share) for name, share in found if share >= BINDS]


def limit_text(found: list[tuple[str, float]]) -> str:
    """Name the limits: "memory (HBM) in 100% of months", "A and B in 100% of months each"."""
    shares = [f"{share:.0%}" for _, share in found]
    if len(found) == 1:
        return f"{found[0][0]} in {shares[0]} of months"
    if len(set(shares)) == 1:
        return f"{' and '.join(name for name, _ in found)} in {shares[0]} of months each"
    return " and ".join(f"{name} in {share}" for (name, _), share in zip(found, shares,
                                                                        strict=True)) + " of months"


@dataclass(frozen=True)
class Facts:
    """Everything the sentence says, measured."""

    lo: str
    hi: str
    year: str
    share: tuple[float, float]  # national share of chips, median, at lo and hi
    domestic: Change
    imports: Change
    unmet: float  # national mean change, H100e
    deliveries: float  # mean chips delivered at lo (domestic + imports)
    import_share: tuple[float, float]  # imports / deliveries at lo and hi (means)
    demand: float  # mean H100e demand at lo

    @property
    def points(self) -> float:
        """Change of the median share, percentage points."""
        return (self.share[1] - self.share[0]) * 100

    def small_chips(self, value: float) -> bool:
        """Whether a change in chips is below SMALL of the deliveries."""
        return abs(value) < SMALL * self.deliveries

    def small_compute(self, value: float) -> bool:
        """Whether a change in H100e is below SMALL of the demand."""
        return abs(value) < SMALL * self.demand


def facts(index: Index, lo: str, hi: str, year: str) -> Facts:
    """Measure what the sentence needs."""
    def mean(level: str, metric: str) -> float:
        return stat(index, level, metric, year, name="mean")

    deliveries = {lv: mean(lv, M.domestic_units) + mean(lv, M.imports_units) for lv in (lo, hi)}
    shares = tuple(mean(lv, M.imports_units) / deliveries[lv] if deliveries[lv] > 0 else math.nan
                   for lv in (lo, hi))
    return Facts(lo, hi, year, (stat(index, lo, M.domestic_share_units, year),
                                stat(index, hi, M.domestic_share_units, year)),
                 change(index, M.domestic_units, lo, hi, year),
                 change(index, M.imports_units, lo, hi, year),
                 unmet_change(index, lo, hi, year),
                 deliveries[lo], shares, mean(lo, M.demand_compute))


def unmet_change(index: Index, lo: str, hi: str, year: str) -> float:
    """Mean change in unmet demand (H100e) from ``lo`` to ``hi``, nationally."""
    return national_change(index, M.unmet_demand_compute, lo, hi, year)


def why_levels(index: Index, year: str, levels: list[str] | None = None) -> str:
    """Return the sentence on why the levels differ or do not, in ``year`` (national)."""
    chosen = pair(levels or levels_of(index))
    if chosen is None:
        return "Only one quota level was run, so there is no other level to compare."
    f = facts(index, *chosen, year)
    if not all(math.isfinite(x) for x in (*f.share, f.deliveries)) or f.deliveries <= 0:
        return (f"The {year} national share is undefined at the {level_name(f.lo)} or the "
                f"{level_name(f.hi)} (no chip delivered), so the levels cannot be compared.")
    return f"{head(f)}: {mechanism(index, f)}."


def head(f: Facts) -> str:
    """How the median share moves between the two levels."""
    a, b = (format_value(M.domestic_share_units, s) for s in f.share)
    move = "barely moves" if abs(f.points) < FLAT_POINTS else (
        "rises" if f.points > 0 else "falls")
    return (f"From the {level_name(f.lo)} to the {level_name(f.hi)} the {f.year} median "
            f"domestic share of chips {move}, from {a} to {b} ({f.points:+.1f} points)")


def mechanism(index: Index, f: Facts) -> str:
    """Domestic chips, imports and buyers: what changes, and the constraints that explain it."""
    if max(f.import_share) < NIL:
        return (f"imports are almost nil (at most {max(f.import_share):.1%} of the chips "
                f"delivered at either level), so nearly every chip is domestic whatever the "
                f"quota; {domestic_clause(index, f)}")
    parts = [domestic_clause(index, f), imports_clause(index, f)]
    buyers = buyers_clause(f)
    if buyers:
        parts.append(buyers)
    return "; ".join(parts) + conclusion(f)


def flow_clause(noun: str, value: float, small: bool, why: list, being: str) -> str:
    """"<noun> hardly change (30 fewer on average), <being> limited by ..." or "<noun> rise by"."""
    if small:
        return (f"{noun} hardly change ({more(value)} on average)"
                + (f", {being} limited by {limit_text(why)}" if why else ""))
    return f"{noun} {'rise' if value > 0 else 'fall'} by {chips(value)} on average"


def domestic_clause(index: Index, f: Facts) -> str:
    """Say what happens to domestic deliveries, and the domestic limit when they stay flat."""
    d = f.domestic.national
    return flow_clause("domestic chips delivered", d, f.small_chips(d),
                       limits(index, f.hi, f.year, DOMESTIC_LIMITS), "domestic supply being")


def imports_clause(index: Index, f: Facts) -> str:
    """Say what happens to imports, and the import limit."""
    i = f.imports.national
    why = limits(index, f.hi, f.year, IMPORT_LIMITS)
    text = flow_clause("imports", i, f.small_chips(i), why, "being")
    if f.small_chips(i):
        return text
    if why:
        text += f" (limited by {limit_text(why)})"
    if not f.small_compute(f.unmet):
        text += (f" and unmet demand {'rises' if f.unmet > 0 else 'falls'} by "
                 f"{chips(f.unmet)} H100e")
    return text


def buyers_clause(f: Facts) -> str:
    """Chips moving between quota-bound and other buyers, when the numbers show it."""
    d, i = f.domestic, f.imports
    parts = []
    if not f.small_chips(d.bound) and (d.bound > 0) != (d.others > 0) \
            and not f.small_chips(d.others):
        parts.append(f"quota-bound buyers take {more(d.bound, 'domestic chips')} and other "
                     f"buyers {more(d.others)}")
    if not f.small_chips(i.bound) and (i.bound > 0) != (i.others > 0) \
            and not f.small_chips(i.others):
        parts.append(f"quota-bound buyers import {more(i.bound, 'chips')} and other buyers "
                     f"{more(i.others)}")
    return ", while ".join(parts)


def conclusion(f: Facts) -> str:
    """Return the reading, stated only when the clauses above support it."""
    hi = f"the {level_name(f.hi)}"
    dom_flat = f.small_chips(f.domestic.national)
    moved = not f.small_chips(f.domestic.bound) or not f.small_chips(f.imports.bound)
    if abs(f.points) < FLAT_POINTS:
        if dom_flat and moved:
            return f", so {hi} moves chips between buyers rather than adding domestic ones"
        return ""
    if dom_flat and f.imports.national < 0 < f.points:
        return f", so {hi} raises the share by cutting imports, not by adding domestic chips"
    if f.domestic.national > 0 and f.points > 0:
        return f", so {hi} raises the share with domestic chips vendors can supply"
    return ""

