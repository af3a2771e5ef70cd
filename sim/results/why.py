"""Generated sentences on why the quota levels differ, or do not.

The sentence compares the weakest and the strongest quota level of a run in
one year (the lowest and highest numeric level; "announced" and one level
when only one is numeric) and is built only from the run's numbers:

- the national share of chips, median over replications, at both levels;
- the mean change in domestic chips delivered, imports and unmet demand
  (means are additive, so these are exactly the means of the paired
  per-replication differences that ``level_effect.*`` summarises);
- the same changes for the quota-bound segments, whose complement is what
  every other buyer gains or loses.

Reasons come only from counterfactual effects (:mod:`sim.experiments.explain`), never
from flags: what the level could do with each hindrance lifted (its reach,
the import bars, domestic supply that does not rise; :mod:`sim.results.lever`)
and which limits bind deliveries (:mod:`sim.results.binds`). Without
measured effects the sentence gives no reason and says so.

Each clause is stated only when its numbers support it: a change is called
small below :data:`SMALL` of the deliveries (or demand), and the share
"barely moves" below :data:`FLAT_POINTS` percentage points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.core.metrics import EFFECTS, M, format_value
from sim.core.names import in_sentence
from sim.model.constraints import CONSTRAINTS
from sim.results.binds import THRESHOLD, ranking
from sim.results.effects import Effects
from sim.results.levels import Index, bound_segments, levels_of, stat
from sim.results.lever import hindrances

SMALL = 0.01  # a change below 1% of deliveries (chips) or of demand (H100e) is small
FLAT_POINTS = 1.0  # the share "barely moves" below one percentage point
NIL = 0.02  # imports below 2% of deliveries at both levels are "almost nil"
HOLDS = 0.5  # a hindrance costing the level at least half a point is named as a reason


def level_name(level: str) -> str:
    """Return "announced quotas" or "50% quota"."""
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
        return (
            0.0
            if level == "announced"
            else stat(index, level, f"{M.level_effect}.{member}", year, name="mean")
        )

    return sign * (effect(hi) - effect(lo))


def chips(value: float) -> str:
    """Format a count of chips (or H100e) without sign: "30", "27.2k", "1.20M"."""
    size = abs(value)
    return f"{size:,.0f}" if size < 1000 else format_value(M.domestic_units, size)


def more(value: float, what: str = "") -> str:
    """Return "25.0k more domestic chips" / "25.0k fewer" (``what`` follows the word)."""
    word = "more" if value >= 0 else "fewer"
    return f"{chips(value)} {word}{' ' + what if what else ''}"


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
    lo_share, hi_share = (
        mean(lv, M.imports_units) / deliveries[lv] if deliveries[lv] > 0 else math.nan
        for lv in (lo, hi)
    )
    return Facts(
        lo,
        hi,
        year,
        (
            stat(index, lo, M.domestic_share_units, year),
            stat(index, hi, M.domestic_share_units, year),
        ),
        change(index, M.domestic_units, lo, hi, year),
        change(index, M.imports_units, lo, hi, year),
        unmet_change(index, lo, hi, year),
        deliveries[lo],
        (lo_share, hi_share),
        mean(lo, M.demand_compute),
    )


def unmet_change(index: Index, lo: str, hi: str, year: str) -> float:
    """Mean change in unmet demand (H100e) from ``lo`` to ``hi``, nationally."""
    return national_change(index, M.unmet_demand_compute, lo, hi, year)


def why_levels(
    index: Index, year: str, levels: list[str] | None = None, effects: Effects | None = None
) -> str:
    """Return the sentences on why the levels differ or do not, in ``year`` (national).

    ``effects`` are the run's counterfactual effects (reasons are given only
    from them).
    """
    chosen = pair(levels or levels_of(index))
    if chosen is None:
        return "Only one quota level was run, so there is no other level to compare."
    f = facts(index, *chosen, year)
    if not all(math.isfinite(x) for x in (*f.share, f.deliveries)) or f.deliveries <= 0:
        return (
            f"The {year} national share is undefined at the {level_name(f.lo)} or the "
            f"{level_name(f.hi)} (no chip delivered), so the levels cannot be compared."
        )
    text = f"{head(f)}: {mechanism(f)}."
    if not effects:
        return text + (
            " No counterfactual effects were measured, so no reason is given "
            "(chipsim explain RUN_DIR measures them)."
        )
    return " ".join(
        part
        for part in (text, lever_sentence(f, effects), binds_sentence(effects, f.hi, year))
        if part
    )


def head(f: Facts) -> str:
    """How the median share moves between the two levels."""
    a, b = (format_value(M.domestic_share_units, s) for s in f.share)
    move = "barely moves" if abs(f.points) < FLAT_POINTS else ("rises" if f.points > 0 else "falls")
    return (
        f"From the {level_name(f.lo)} to the {level_name(f.hi)} the {f.year} median "
        f"domestic share of chips {move}, from {a} to {b} ({f.points:+.1f} points)"
    )


def mechanism(f: Facts) -> str:
    """Domestic chips, imports and buyers: what changes between the two levels."""
    if max(f.import_share) < NIL:
        return (
            f"imports are almost nil (at most {max(f.import_share):.1%} of the chips "
            f"delivered at either level), so nearly every chip is domestic whatever the "
            f"quota; {domestic_clause(f)}"
        )
    parts = [domestic_clause(f), imports_clause(f)]
    buyers = buyers_clause(f)
    if buyers:
        parts.append(buyers)
    return "; ".join(parts) + conclusion(f)


def flow_clause(noun: str, value: float, small: bool) -> str:
    """Return "<noun> hardly change (30 fewer on average)" or "<noun> rise by 25.0k on average"."""
    if small:
        return f"{noun} hardly change ({more(value)} on average)"
    return f"{noun} {'rise' if value > 0 else 'fall'} by {chips(value)} on average"


def domestic_clause(f: Facts) -> str:
    """Say what happens to domestic deliveries."""
    d = f.domestic.national
    return flow_clause("domestic chips delivered", d, f.small_chips(d))


def imports_clause(f: Facts) -> str:
    """Say what happens to imports, and to unmet demand when imports move."""
    i = f.imports.national
    text = flow_clause("imports", i, f.small_chips(i))
    if not f.small_chips(i) and not f.small_compute(f.unmet):
        text += f" and unmet demand {'rises' if f.unmet > 0 else 'falls'} by {chips(f.unmet)} H100e"
    return text


def buyers_clause(f: Facts) -> str:
    """Chips moving between quota-bound and other buyers, when the numbers show it."""
    d, i = f.domestic, f.imports
    parts = []
    if (
        not f.small_chips(d.bound)
        and (d.bound > 0) != (d.others > 0)
        and not f.small_chips(d.others)
    ):
        parts.append(
            f"quota-bound buyers take {more(d.bound, 'domestic chips')} and other "
            f"buyers {more(d.others)}"
        )
    if (
        not f.small_chips(i.bound)
        and (i.bound > 0) != (i.others > 0)
        and not f.small_chips(i.others)
    ):
        parts.append(
            f"quota-bound buyers import {more(i.bound, 'chips')} and other buyers {more(i.others)}"
        )
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


def segment_names(ids: list[str]) -> str:
    """Return "Beijing, Shanghai and Guiyang" from segment ids."""
    return and_list([in_sentence(i) for i in ids])


def reach_text(index: Index, year: str, reach: tuple[str, ...] | None) -> str:
    """Say whom a uniform level binds and their share of demand ("" when unknown)."""
    levels = levels_of(index)
    regions = list(
        dict.fromkeys(
            k[2] for k in index if k[1] == M.demand_compute and k[3] == year and k[2] != "national"
        )
    )
    if reach is None or not regions or not levels:
        return ""
    demand = {r: stat(index, levels[0], M.demand_compute, year, r, "mean") for r in regions}
    total = sum(demand.values())
    inside = sum(demand[r] for r in regions if r in reach)
    outside = [r for r in regions if r not in reach]
    share = f"{inside / total:.0%} of {year} demand" if total > 0 else "an unknown share"
    rest = f", not {segment_names(outside)}" if outside else ""
    named = segment_names([r for r in regions if r in reach])
    return f"A uniform quota level binds {named} ({share}){rest}."


def lever_sentence(f: Facts, effects: Effects) -> str:
    """Say what the level loses to each hindrance, measured by lifting it on the same draws."""
    found = hindrances(effects, f.lo, f.hi, f.year)
    if not found:
        return ""
    span = f"{short_level(f.lo)}-to-{short_level(f.hi)}"
    ifs = [
        f"{points(h.lifted * 100)} points {CONSTRAINTS[h.constraint].relaxed(None)}" for h in found
    ]
    costs = [
        f"{h.label} {points(h.cost * 100)}{' points' if i == 0 else ''}"
        for i, h in enumerate(found)
    ]
    negative = any(round(h.cost * 100, 1) < 0 for h in found)
    text = (
        f"Lifting each hindrance in turn on the same draws, the {span} effect "
        f"({points(found[0].base * 100)} points on average) would be {and_list(ifs)}, so "
        f"what each hindrance costs it is: {and_list(costs)}"
        + (
            " (a negative cost: lifting that hindrance would weaken the level)."
            if negative
            else "."
        )
    )
    top = max(found, key=lambda h: h.cost)
    if top.cost * 100 >= HOLDS:
        return text + f" The level is held back most by {top.label}."
    return text + " No hindrance measured holds the level back by half a point or more."


def points(value: float) -> str:
    """Signed points with one decimal, never "-0.0"."""
    return f"{value:+.1f}" if round(value, 1) != 0 else "0.0"


def short_level(level: str) -> str:
    """Return "announced quotas" or "50%"."""
    return "announced-quota" if level == "announced" else f"{float(level):.0%}"


def and_list(parts: list[str]) -> str:
    """Join ``parts`` as "a", "a and b" or "a, b and c"."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def binds_sentence(effects: Effects, level: str, year: str) -> str:
    """Which limits bind deliveries at ``level`` in ``year``, by measured elasticity."""
    ranked = ranking(effects, level, year)
    if not ranked:
        return ""
    binding = [b for b in ranked if b.binds]
    perverse = [b for b in ranked if b.elasticity <= -THRESHOLD]
    named = and_list([f"{b.label} {b.elasticity:.2f}" for b in binding]) if binding else ""
    text = (
        f"Relaxing each limit by its stated amount on the same draws, {year} deliveries "
        f"at the {level_name(level)} are bound by (elasticity of compute delivered) "
        f"{named}"
        if binding
        else f"No limit binds {year} deliveries at the {level_name(level)} (every elasticity "
        f"of compute delivered is below {THRESHOLD:g})"
    )
    if perverse:
        text += (
            "; relaxing "
            + " or ".join(b.label for b in perverse)
            + " lowers them "
            + ", ".join(f"({b.elasticity:.2f})" for b in perverse)
        )
    return text + "."
