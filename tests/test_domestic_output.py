"""No quarter-on-quarter fall in domestic output without a dated event that explains it (issue 18).

The baseline runs at the announced quotas; for every quarter whose mean
national ``domestic_units`` (over the replications) falls by more than
:data:`TOLERANCE` from the quarter before, some dated entry of the scenario
of a kind in :data:`EXPLAINING` must fall in that quarter or the one before
(a drawn date counts when its range, low to high, reaches that window: the
mean falls because some replications' dates fall there), and it must
explain the fall: the same run with those entries removed together
(:func:`without`: a product never retires, a launch or a stock never comes,
a foundry never closes, the HBM controls never bind, the stockpile plan
outlasts the calendar, an event is dropped)
does not fall by more than the tolerance in that quarter. Date coincidence
alone would excuse almost any fall, since some import event is near most
quarters.

:data:`TOLERANCE` is Monte Carlo noise with a margin: the test measures the
standard error of every quarter's relative change from the run's own
replications (paired, so common draws cancel: at most 0.9% of the quarter
before at 2000 replications, on priors and baseline) and checks three of
them fit within it, so a fall of the tolerance's size stands out of the
sample's noise.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from chipsim_testing import BASELINE

from sim.core.calendar import format_month, parse_month
from sim.model.ensemble import SimulateOptions, simulate
from sim.scenario import Dist, Scenario, load

REPLICATIONS = 2000  # under a second at one level; the standard errors below need it
SEED = 11
TOLERANCE = 0.03  # a fall of more than 3% of the quarter before needs an event
NOISE_SIGMAS = 3.0  # the tolerance must hold this many standard errors of the change
# The run starts mid-stream (Vendor.warm_start): chips started before the calendar at
# the first month's utilisation finish in its first months, then utilisation settles
# (on priors from 0.90 in 2023-01 to 0.55 by 2023-07, demand-limited, with every
# dated entry near it removed the 2023Q3 fall stays at -12%). Its first three quarters
# are that settling, not an event's doing.
WARM_UP_QUARTERS = 3

# Kinds of dated entry that can lower domestic output, and why (data, not code).
EXPLAINING: dict[str, str] = {
    "retired_from": "a product leaves production",
    "available_from": "a launch moves wafers to a product still at its starting yield",
    "closes": "a foundry stops making chips for Chinese designers",
    "controls_from": "imported HBM binds (memory.controls_from)",
    "ration_months": "the vendors' stockpile plan ends, and with it what is left of the stockpile",
    "events.date": "an import rule takes effect (a route opens or buyers' rules change)",
    "events.announced": "buyers buy imports ahead of an announced restriction",
    "stockpile_date": "an import stock for China arrives and displaces domestic orders",
}


def span(value) -> tuple[int, int]:
    """(first, last) month ordinal a date (a "YYYY-MM" or a date Dist) can take."""
    if isinstance(value, Dist):
        low, high = value.bounds
        return int(np.floor(low + 0.5)), int(np.floor(high + 0.5))
    return parse_month(value), parse_month(value)


def dated_entries(scenario: Scenario) -> Iterator[tuple[str, str, tuple[int, int]]]:
    """(kind, scenario path, month span) of every dated entry of an :data:`EXPLAINING` kind."""
    for v, vendor in scenario.vendors.items():
        for p, product in vendor.products.items():
            for kind in ("retired_from", "available_from"):
                if getattr(product, kind) is not None:
                    yield kind, f"vendors.{v}.products.{p}.{kind}", span(getattr(product, kind))
    for f, foundry in scenario.foundries.items():
        if foundry.closes is not None:
            yield "closes", f"foundries.{f}.closes", span(foundry.closes)
    controls = parse_month(scenario.memory.controls_from)
    yield "controls_from", "memory.controls_from", (controls, controls)
    if scenario.memory.ration_months is not None:  # the plan ends its months after the controls
        low, high = span(scenario.memory.ration_months)
        yield "ration_months", "memory.ration_months", (controls + low, controls + high)
    for e, event in scenario.events.items():
        if event.enabled:
            yield "events.date", f"events.{e}.date", span(event.date)
            if event.announced is not None:
                yield "events.announced", f"events.{e}.announced", span(event.announced)
    for i, product in {**scenario.imports, **scenario.grey_market}.items():
        if product.stockpile_date is not None:
            yield "stockpile_date", f"imports.{i}.stockpile_date", span(product.stockpile_date)


def quarter_months(label: str) -> tuple[int, int]:
    """First and last month ordinal of a quarter labelled "YYYYQn"."""
    year, quarter = int(label[:4]), int(label[-1])
    first = year * 12 + (quarter - 1) * 3
    return first, first + 2


def quarterly(scenario: Scenario) -> tuple[list[str], np.ndarray]:
    """Quarter labels and per-replication national domestic units, (R, quarters), announced."""
    run = simulate(
        scenario,
        REPLICATIONS,
        SEED,
        ["announced"],
        options=SimulateOptions(keep=("domestic_units",)),
    )
    return run.quarters, run.kept["domestic_units"][0]


def without(scenario: Scenario, paths: list[str]) -> Scenario:
    """``scenario`` with the dated entries at ``paths`` removed (see the module docstring)."""
    never = format_month(parse_month(scenario.calendar.end) + 1)  # after the last month
    for path in paths:
        part = path.split(".")
        if part[0] == "vendors":
            vendor = scenario.vendors[part[1]]
            product = vendor.products[part[3]]
            product = replace(product, **{part[4]: None if part[4] == "retired_from" else never})
            vendor = replace(vendor, products={**vendor.products, part[3]: product})
            scenario = replace(scenario, vendors={**scenario.vendors, part[1]: vendor})
        elif part[0] == "foundries":
            foundry = replace(scenario.foundries[part[1]], closes=None)
            scenario = replace(scenario, foundries={**scenario.foundries, part[1]: foundry})
        elif path == "memory.controls_from":
            scenario = replace(scenario, memory=replace(scenario.memory, controls_from=never))
        elif path == "memory.ration_months":  # the plan outlasts the calendar
            months = parse_month(never) - parse_month(scenario.memory.controls_from)
            memory = replace(scenario.memory, ration_months=Dist.fixed(float(months)))
            scenario = replace(scenario, memory=memory)
        elif part[0] == "events":
            event = replace(scenario.events[part[1]], enabled=False)
            scenario = replace(scenario, events={**scenario.events, part[1]: event})
        else:  # an import stock: it is either licensed or grey
            table = "imports" if part[1] in scenario.imports else "grey_market"
            products = getattr(scenario, table)
            product = replace(products[part[1]], stockpile_date=never)
            scenario = replace(scenario, **{table: {**products, part[1]: product}})
    return scenario


def falls(labels: list[str], units: np.ndarray) -> list[tuple[str, float, float]]:
    """(quarter, relative change of the mean, its standard error), from the second quarter."""
    out = []
    for i in range(1, len(labels)):
        before = units[:, i - 1].mean()
        change = units[:, i] - units[:, i - 1]  # paired: the replications' draws cancel
        error = change.std(ddof=1) / np.sqrt(len(change)) / before
        out.append((labels[i], change.mean() / before, error))
    return out


def explanations(scenario: Scenario, label: str) -> list[tuple[str, str]]:
    """(path, description) of the dated entries reaching ``label`` or the quarter before."""
    first, last = quarter_months(label)
    first -= 3
    return [
        (path, f"{path} ({format_month(low)}..{format_month(high)}: {EXPLAINING[kind]})")
        for kind, path, (low, high) in dated_entries(scenario)
        if low <= last and high >= first
    ]


def checked_falls(labels: list[str], units: np.ndarray) -> list[tuple[str, float]]:
    """(quarter, change) of the falls beyond the tolerance after the warm-up, noise checked."""
    out, warm_up = [], labels[:WARM_UP_QUARTERS]
    for label, change, error in falls(labels, units):
        assert NOISE_SIGMAS * error < TOLERANCE, (
            f"{label}: the change's standard error ({error:.2%}) is too large for the "
            f"tolerance: run more replications"
        )
        if change < -TOLERANCE and label not in warm_up:
            out.append((label, change))
    return out


def unexplained_falls(path: Path) -> tuple[list[str], list[str]]:
    """Run ``path``; return (every fall beyond the tolerance with its events, those unexplained)."""
    scenario = load(path)
    seen, bare = [], []
    for label, change in checked_falls(*quarterly(scenario)):
        named = explanations(scenario, label)
        labels, units = quarterly(without(scenario, [p for p, _ in named]))
        after = dict((q, c) for q, c, _ in falls(labels, units)).get(label, 0.0)
        line = f"{label} {change:+.1%} ({after:+.1%} without the entries): " + (
            "; ".join(d for _, d in named) or "NO dated event"
        )
        seen.append(line)
        if not named or after < -TOLERANCE:
            bare.append(line)
    return seen, bare


@pytest.mark.slow
def test_every_quarterly_fall_in_domestic_output_has_a_dated_event():
    seen, bare = unexplained_falls(BASELINE)
    assert not bare, (
        "domestic output falls with no dated event to explain it:\n"
        + "\n".join(bare)
        + "\n(all falls: "
        + "\n".join(seen)
        + ")"
    )


def test_the_window_is_the_quarter_and_the_one_before():
    assert quarter_months("2026Q1") == (parse_month("2026-01"), parse_month("2026-03"))
    scenario = load(BASELINE)

    def named(label: str) -> set[str]:
        return {path for path, _ in explanations(scenario, label)}

    assert "memory.controls_from" in named("2025Q1")  # 2025-01 lies in 2025Q1
    assert "memory.controls_from" in named("2025Q2")  # ... the quarter before 2025Q2
    assert "memory.controls_from" not in named("2025Q3")


def test_removing_entries_takes_them_out_of_the_scenario():
    scenario = load(BASELINE)
    paths = [path for _, path, _ in dated_entries(scenario)]
    gone = without(scenario, paths)
    assert not any(e.enabled for e in gone.events.values())
    assert all(f.closes is None for f in gone.foundries.values())
    assert all(p.retired_from is None for v in gone.vendors.values() for p in v.products.values())
    end = parse_month(gone.calendar.end)
    assert parse_month(gone.memory.controls_from) > end
    planned = without(scenario, ["memory.ration_months"]).memory
    assert parse_month(planned.controls_from) + planned.ration_months.args[0] == end + 1
