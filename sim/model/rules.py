"""Import rules: who may buy each foreign product, how much, and when they change.

A scenario's ``[events.*]`` become :class:`Rule` objects, one per product
they name (``product = "*"`` names every import and grey-market product).
Supplier-side kinds (``licence``, ``cap``) are applied by the product's
:class:`sim.model.imports.ImportChannel`; buyer-side kinds are held here, per
product and segment:

- ``guidance``: the share of its remaining import need a segment is willing
  to place with the product (Chinese guidance discouraging it);
- ``bar``: the share still allowed (0: the segment may not buy it);
- ``customs``: the share of arrivals customs lets through (every segment);
- ``approval``: units added to an approved quantity shared by the segments
  named; a product that needs approval (``approval = true``) cannot be
  bought by a segment without one (it queues);
- ``bundle``: domestic chips a segment must buy per imported chip, so its
  imports of the product are at most its domestic orders (units) / ratio.

Orders and deliveries are a lead time apart, so a rule that opens a route
(a higher share, an approval, a looser bundle) reaches deliveries
``lead_months`` after its date, while one that closes a route stops
deliveries at its date. A closing rule announced before it takes effect
opens a buy-ahead window for the segments it will restrict: orders placed
from the announcement, delivered from ``announced + lead`` until the rule
bites, on top of their need (see :class:`sim.model.segments.BuyerSegment`).
Grey-market products are subject to bars only.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.core.calendar import Calendar
from sim.model.rng import Draws
from sim.model.state import LevelRows, Stock
from sim.scenario.schema import Event

if TYPE_CHECKING:
    from sim.model.imports import ImportChannel
    from sim.model.timeline import Timeline

SUPPLIER_KINDS = ("licence", "cap")
START = {
    "licence": None,
    "guidance": None,
    "customs": 1.0,
    "bar": 1.0,
    "cap": np.inf,
    "approval": 0.0,
    "bundle": 0.0,
}  # value in force before any event (None: the product's own)


@dataclass(frozen=True)
class Rule:
    """One event applied to one product."""

    key: str  # timeline key: events.<name>.<product>
    name: str
    product: int
    kind: str
    value: np.ndarray  # (R,)
    segments: tuple[int, ...]
    steps: np.ndarray  # when it reaches deliveries, (R,)
    rush: np.ndarray | None  # when buy-ahead deliveries can start, (R,), or None
    window: np.ndarray | None  # months of the buy-ahead window, (R,)
    opens: bool


class ImportRules:
    """The buyer-side state of every import product, per segment and replication.

    Tables are stored compact: a product's guidance, bar, bundle or buy-ahead
    rate is (S, 1), one value a segment for every replication, until a rule
    sets some row (:meth:`set_row`), and (S, R) from then on; customs is (1,)
    or (R,). Readers broadcast them; every element is the value a full table
    would hold, so results do not depend on which form is stored.
    """

    def __init__(
        self, products: list[ImportChannel], segments: list[str], levels: LevelRows, count: int
    ) -> None:
        self.products = products  # ImportChannel objects (name, guidance, approval, grey)
        self.segments = segments
        self.levels = levels
        self.count = count
        column = (len(segments), 1)
        self.guidance = [np.full(column, float(p.initial_guidance)) for p in products]
        self.bar = [np.ones(column) for _ in products]
        self.customs = [np.ones(1) for _ in products]
        self.bundle = [np.zeros(column) for _ in products]
        self.rush = [np.zeros(column) for _ in products]  # months of need bought a month
        self.accounts: list[dict[int, Stock]] = [{} for _ in products]  # segment -> account
        self.rules: dict[str, Rule] = {}  # buyer-side rules by timeline key
        self.willing: dict[int, np.ndarray] = {}  # cache of willingness(p), cleared on change
        self.windows: dict[str, Rule] = {}  # rules of either side with a buy-ahead window

    def set_row(self, table: list[np.ndarray], p: int, s: int, values: np.ndarray | float) -> None:
        """Set segment ``s``'s row of product ``p`` in ``table`` to ``values`` (R,) or a scalar.

        A compact (S, 1) table stays compact while every row holds one value
        for all replications, and becomes (S, R) on the first row that does not.
        """
        self.willing.pop(p, None)
        values = compact(np.asarray(values, dtype=float))
        if table[p].shape[1] == 1 and values.size == 1:
            table[p][s, 0] = values.reshape(())
            return
        if table[p].shape[1] == 1:
            table[p] = np.repeat(table[p], self.count, axis=1)
        table[p][s] = values

    def hold(self, rule: Rule, buyer_side: bool) -> None:
        """Keep ``rule``: applied here if it is buyer-side; its buy-ahead window either way."""
        if buyer_side:
            self.rules[rule.key] = rule
        if rule.rush is not None:
            self.windows[rule.key] = rule

    def dated(self) -> dict[str, np.ndarray]:
        """Timeline entries: buyer-side rules, and each buy-ahead window's opening and end."""
        entries = {key: rule.steps for key, rule in self.rules.items()}
        for key, rule in self.windows.items():
            assert rule.rush is not None  # a rule is in ``windows`` for its buy-ahead window
            entries[f"{key}.rush"] = rule.rush
            entries[f"{key}.rush_end"] = rule.steps
        return entries

    def watch(self, timeline: Timeline, key: str) -> Generator[simpy.Event, Any, None]:
        """SimPy process: apply each firing of a buyer-side rule or of a buy-ahead window."""
        base, _, part = key.rpartition(".")
        window = part in ("rush", "rush_end")
        rule = self.windows[base] if window else self.rules[key]
        while True:
            mask = yield timeline.on(key)
            if window:
                self.set_window(rule, mask, opening=part == "rush")
            else:
                self.apply(rule, mask)

    def set_window(self, rule: Rule, mask: np.ndarray, opening: bool) -> None:
        """Open (or, when the rule bites, close) the restricted segments' buy-ahead window.

        While open, a segment buys its stockpile target spread evenly over the window.
        """
        rate: np.ndarray | float = 0.0
        if opening:
            window = rule.window
            assert window is not None  # a rule is in ``windows`` for its buy-ahead window
            rate = np.divide(1.0, window, out=np.zeros(window.shape, dtype=float), where=window > 0)
        for s in rule.segments:
            row = np.where(mask, rate, self.rush[rule.product][s])
            self.set_row(self.rush, rule.product, s, row)

    def apply(self, rule: Rule, mask: np.ndarray) -> None:
        """Apply ``rule`` to the replications in ``mask``."""
        p = rule.product
        self.willing.pop(p, None)
        if rule.kind == "customs":
            self.customs[p] = compact(np.where(mask, rule.value, self.customs[p]))
        elif rule.kind == "approval":
            self.approve(rule, mask)
        else:
            table = {"guidance": self.guidance, "bar": self.bar, "bundle": self.bundle}[rule.kind]
            for s in rule.segments:
                self.set_row(table, p, s, np.where(mask, rule.value, table[p][s]))

    def approve(self, rule: Rule, mask: np.ndarray) -> None:
        """Add the approved units to the account shared by the rule's segments."""
        accounts = self.accounts[rule.product]
        account = next((accounts[s] for s in rule.segments if s in accounts), None)
        if account is None:
            account = self.levels.stock(replications=rule.value.shape[0])
        account.put(np.where(mask, rule.value, 0.0)[None, :])
        for s in rule.segments:
            accounts[s] = account

    def willingness(self, p: int) -> np.ndarray:
        """Share of remaining import need each segment places with ``p``, (S, R) or (S, 1)."""
        if p not in self.willing:
            self.willing[p] = (
                self.bar[p]
                if self.products[p].grey
                else self.guidance[p] * self.bar[p] * self.customs[p][None, :]
            )
        return self.willing[p]

    def anyone_may_buy(self, p: int) -> bool:
        """Whether some segment, in some replication, is willing and allowed to buy ``p``."""
        if self.products[p].approval and not self.accounts[p]:
            return False
        return bool(self.willingness(p).any()) or bool(self.rush[p].any())

    def approved_units(self, p: int, shape: tuple[int, int]) -> np.ndarray | None:
        """Units each segment may still buy of ``p`` (S, L, R), or None when unlimited."""
        if not self.products[p].approval:
            return None
        out = np.zeros((len(self.segments), *shape))
        for s, account in self.accounts[p].items():
            out[s] = account.level
        return out

    def use_approvals(self, p: int, units: np.ndarray) -> None:
        """Count ``units`` (S, L, R) delivered against the segments' accounts (none: no-op)."""
        seen = set()
        for account in self.accounts[p].values():
            if id(account) not in seen:
                seen.add(id(account))
                shared = [t for t, a in self.accounts[p].items() if a is account]
                account.take(units[shared].sum(axis=0))


def compact(values: np.ndarray) -> np.ndarray:
    """``values`` as one element (1,) when all its elements have the same bits, else as is."""
    flat = values.reshape(-1)
    if flat.size > 1 and not (flat.view(np.int64) == flat.view(np.int64)[0]).all():
        return values
    return flat[:1].copy()


def previous_values(
    events: Mapping[str, Event], product: str, kind: str, start: float
) -> dict[str, float]:
    """Return the value each of ``product``'s events of ``kind`` replaces, in time order."""
    chosen = sorted(
        (
            (e.date.central, i, name)
            for i, (name, e) in enumerate(events.items())
            if e.enabled and e.kind == kind and e.product in (product, "*")
        ),
        key=lambda x: x[:2],
    )
    before: dict[str, float] = {}
    current: dict[tuple[str, ...], float] = {}
    for _, _, name in chosen:
        event = events[name]
        key = event.segments
        before[name] = current.get(key, start)
        current[key] = event.value.central
    return before


def opens(kind: str, value: float, before: float) -> bool:
    """Tell whether a rule widens access (it then reaches deliveries after the lead time)."""
    if kind == "approval":
        return True
    if kind == "bundle":
        return value <= before
    return value >= before


def build_rules(
    events: Mapping[str, Event],
    channels: list[ImportChannel],
    segment_ids: list[str],
    cal: Calendar,
    draw: Draws,
) -> list[Rule]:
    """Every enabled event as rules, one per product it names."""
    rules = []
    for name, event in events.items():
        if not event.enabled:
            continue
        for p, channel in enumerate(channels):
            if event.product not in (channel.name, "*"):
                continue
            rules.append(make_rule(name, event, (p, channel), segment_ids, (cal, draw), events))
    return rules


def make_rule(
    name: str,
    event: Event,
    product: tuple[int, ImportChannel],
    segment_ids: list[str],
    context: tuple[Calendar, Draws],
    events: Mapping[str, Event],
) -> Rule:
    """One event on one product: its dates shifted by the product's lead time where it opens."""
    (p, channel), (cal, draw) = product, context
    start = START[event.kind]
    if start is None:
        start = channel.initial_licence if event.kind == "licence" else channel.initial_guidance
    before = previous_values(events, channel.name, event.kind, start).get(name, start)
    widens = opens(event.kind, event.value.central, before)
    date = cal.steps_of(draw(f"events.{name}.date", event.date))
    steps = date + channel.lead if widens else date
    rush: np.ndarray | None = None
    window: np.ndarray | None = None
    if not widens and event.announced is not None:
        announced = cal.steps_of(draw(f"events.{name}.announced", event.announced))
        rush = announced + channel.lead
        window = np.asarray(date - rush)
    segments = tuple(segment_ids.index(s) for s in event.segments) or tuple(range(len(segment_ids)))
    return Rule(
        f"events.{name}.{channel.name}",
        name,
        p,
        event.kind,
        draw(f"events.{name}.value", event.value),
        segments,
        np.asarray(steps),
        None if rush is None or window is None or not np.any(window > 0) else np.asarray(rush),
        window,
        widens,
    )
