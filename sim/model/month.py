"""The month, declared once: the fixed order of its steps and the actor that does each.

:data:`MONTH` is the one statement of what happens within a month and in
what order. The clock's phases are its step names (:mod:`sim.model.clock`);
each actor's process waits for its turn at a step (the step before it done)
and reports the step done, and the Model joins each process to the steps
declared for it; the table in docs/model.md is :func:`table` (a test checks
both the running order and the document against this tuple).

What varies in time is not here but in SimPy events, fired at the start of
a month before the clock opens it: dated entries (:mod:`sim.model.timeline`),
and chips and capacity arriving after their lead times
(:mod:`sim.model.deliveries`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One step of the month: its name, the process that does it, and what it does.

    ``actor`` is the process's qualified name (``Vendor.produce``); every
    instance of that actor does the step, in the order they were built.
    """

    name: str
    actor: str
    does: str


MONTH: tuple[Step, ...] = (
    Step("begun", "Clock.tick", "fires the month's timeline entries, then opens the month"),
    Step("produced", "Foundry.produce", "publishes the month's AI wafer starts"),
    Step(
        "supplied",
        "HbmSupply.supply",
        "brings domestic HBM and vendors' own memory into their pools",
    ),
    Step("offered", "ImportChannel.offer", "publishes the month's import supply for China"),
    Step(
        "ordered",
        "BuyerSegment.procure",
        "splits demand into the domestic share wanted and the import need",
    ),
    Step(
        "capacity",
        "Vendor.produce",
        "works out capacity: wafers x yield plus banked dies, within its memory",
    ),
    Step(
        "warmed",
        "Market.clear",
        "scales vendors' capacity to national packaging (when limited); in the first "
        "month fills work in progress",
    ),
    Step(
        "imported",
        "Market.clear",
        "clears imports product by product (supply against what rules allow)",
    ),
    Step(
        "completed",
        "Vendor.produce",
        "moves chips whose production finishes now into finished stock",
    ),
    Step(
        "redirected",
        "BuyerSegment.procure",
        "settles imports: bought ahead to its stockpile; missing imports from the "
        "stockpile, then sought at home or lost",
    ),
    Step(
        "delivered",
        "Market.clear",
        "allocates vendors' finished stock to open domestic orders; segments serve backlogs",
    ),
    Step(
        "planned",
        "Market.clear",
        "sets the share of national capacity to start for the orders still open; hands "
        "the month to the ledger",
    ),
    Step(
        "invested",
        "Investor.invest",
        "(when a scenario gives ceilings) averages the month's shortfall, commits new "
        "capacity, sent on its lead time",
    ),
    Step(
        "started",
        "Vendor.produce",
        "starts that share of every product's capacity, using memory and banked dies",
    ),
    Step("recorded", "Recorder.record", "emits the month's, quarter's and year's statistics"),
)

STEPS: tuple[str, ...] = tuple(step.name for step in MONTH)


def steps_of(actor: str) -> tuple[str, ...]:
    """Return the names of the steps ``actor`` (a process's qualified name) does, in order."""
    return tuple(step.name for step in MONTH if step.actor == actor)


def actors() -> tuple[str, ...]:
    """Return every actor named in :data:`MONTH`, in the order of its first step."""
    return tuple(dict.fromkeys(step.actor for step in MONTH))


def table() -> str:
    """Return :data:`MONTH` as the markdown table docs/model.md shows."""
    lines = ["| # | step | done by | what it does |", "|---|---|---|---|"]
    lines += [
        f"| {i} | `{step.name}` | `{step.actor}` | {step.does} |" for i, step in enumerate(MONTH, 1)
    ]
    return "\n".join(lines)
