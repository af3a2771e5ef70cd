"""Report sections for sweeps, sensitivity analyses and scenario discovery (when present)."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np

from sim.core.metrics import format_plain
from sim.experiments.diagnostics import diagnose
from sim.report.data import RunData, SweepData
from sim.report.document import Block, FigureBlock, Section, Table
from sim.report.figures.sensitivity import (
    column,
    prim_tradeoff,
    sensitivity_bars,
    sensitivity_method,
    sweep_tornado,
    tornado_rows,
)
from sim.report.readings import UNITS, pct
from sim.report.style import level_label


def sweep_outcomes(
    sweep: SweepData, period: str, level: str, metric: str = UNITS, stat: str = "p50"
) -> dict[float, float]:
    """Point id -> the point's ``stat`` of the national ``metric`` in ``period``."""
    out = {}
    for row in sweep.results:
        if (
            row.get("metric"),
            row.get("region"),
            str(row.get("period")),
            str(row.get("quota")),
        ) == (metric, "national", period, level):
            value = row.get(stat)
            out[float(row["point"])] = float(value) if value is not None else math.nan
    return out


def sweep_level(data: RunData) -> str:
    """Return the quota level a sweep's headline uses: announced when swept, else the first."""
    levels = [str(x) for x in data.manifest.get("quota_levels", [])]
    found = {str(r.get("quota")) for r in data.sweep.results} if data.sweep else set()
    for level in levels + sorted(found):
        if level in found:
            return level
    return "announced"


def sweep_headline(data: RunData, year: str) -> tuple[str, str]:
    """Headline for a directory without a single run: the spread across sweep points."""
    if data.sweep is None:
        return (
            f"Sensitivity analysis of {outcome_label(data, year)}",
            "This directory holds an experiment, not a single projection: see the figures.",
        )
    level = sweep_level(data)
    values = np.array(
        [v for v in sweep_outcomes(data.sweep, year, level).values() if math.isfinite(v)]
    )
    if values.size == 0:
        return "Sweep without national share results", ""
    who = "Under announced quotas" if level == "announced" else f"Under a {level_label(level)}"
    return (
        f"{who} the median domestic share in {year} ranges from {pct(values.min())} to "
        f"{pct(values.max())} across {values.size} sweep points "
        f"(median point {pct(float(np.median(values)))})",
        "Each point's value is its median over replications; the spread is over the "
        "sweep's parameter settings, not over random draws.",
    )


def outcome_label(data: RunData, year: str) -> str:
    """Describe what a sensitivity analysis measured, from its manifest when it says."""
    m = data.manifest
    inner = found if isinstance(found := m.get("sensitivity"), dict) else {}
    metric = inner.get("metric") or m.get("metric") or UNITS
    period = inner.get("period") or m.get("period") or year
    region = inner.get("region") or m.get("region") or "national"
    return f"{region} {metric} in {period}"


def experiment_sections(data: RunData, source: str, year: str) -> list[Section]:
    """Tornado (sweep), Sobol/Morris bars (sensitivity) and PRIM trade-off (discover)."""
    blocks: list[Block] = []
    if data.sweep is not None and data.sweep.parameters:
        level = sweep_level(data)
        outcome = sweep_outcomes(data.sweep, year, level)
        rows = tornado_rows(data.sweep.points, data.sweep.parameters, outcome)
        finite = [v for v in outcome.values() if math.isfinite(v)]
        if rows and finite:
            label = f"national share {year}, {level_label(level).lower()}"
            blocks.append(
                FigureBlock(
                    "tornado",
                    "Sweep tornado",
                    partial(sweep_tornado, rows, float(np.mean(finite)), label, source),
                    tornado_reading(rows, float(np.mean(finite)), label),
                    "Tornado chart of the sweep's parameters",
                )
            )
    if data.sensitivity and sensitivity_method(data.sensitivity):
        label = outcome_label(data, year)
        blocks.append(
            FigureBlock(
                "sensitivity",
                "Global sensitivity",
                partial(sensitivity_bars, data.sensitivity, label, source),
                sensitivity_reading(data.sensitivity, label, data.manifest.get("n")),
                "Bar chart of sensitivity indices",
            )
        )
    if data.discover and {"coverage", "density"} <= set(data.discover[0]):
        blocks.append(
            FigureBlock(
                "prim",
                "Scenario discovery",
                partial(prim_tradeoff, data.discover, source),
                prim_reading(data.discover),
                "PRIM coverage-density trade-off",
            )
        )
        table = box_table(data.discover)
        if table is not None:
            blocks.append(table)
    return [Section("experiments", "What drives the result", blocks)] if blocks else []


def tornado_reading(rows: list[tuple], overall: float, label: str) -> str:
    """Describe the three largest swings, in percentage points."""
    parts = [
        f"{name} ({pct(low)} in its lower half vs {pct(high)} in its upper half, "
        f"{(high - low) * 100:+.1f} points)"
        for name, low, high, *_ in rows[:3]
    ]
    return (
        f"Mean {label} over all points: {pct(overall)}. The largest swings come from "
        + "; ".join(parts)
        + ". Each pair of bars splits the points at the median of that "
        "parameter; whiskers are 95% intervals of the two means, and a swing whose two "
        "intervals overlap cannot be told from noise with this many points."
    )


def sensitivity_reading(rows: list[dict], label: str, n: int | None = None) -> str:
    """Top parameters by the method's key (total effect, or mu*), with their intervals.

    Where the statistics are weak (:func:`sim.experiments.diagnostics.diagnose`:
    S1 above ST, first-order indices adding up past 1, negative indices, wide
    intervals, too small an N) the reading quotes the warnings, in the words
    the command line printed, instead of drawing conclusions.
    """
    method = sensitivity_method(rows)
    if method is None:
        raise ValueError("the rows are not a sensitivity.csv of a known method")
    values = column(rows, method.key)
    order = np.argsort(-np.nan_to_num(values, nan=-np.inf))[:3]
    conf = column(rows, f"{method.key}_conf")
    top = "; ".join(f"{rows[i].get('parameter')} ({values[i]:.2f} ± {conf[i]:.2f})" for i in order)
    text = (
        f"Ranked by {method.label} {method.bars[0].label}, the inputs that move {label} "
        f"most are {top}."
    )
    flags = diagnose(method.name, rows, int(n) if isinstance(n, int | float) and n else None)
    if flags:
        return (
            text + f" CAUTION, {len(flags)} warning{'s' if len(flags) > 1 else ''} on these "
            "statistics: " + " ".join(flag.sentence for flag in flags)
        )
    first = float(np.nansum(column(rows, method.first_order))) if method.additive else 0.0
    return text + " " + method.reading.format(first=first, rest=max(0.0, 1 - first))


SMALL_DISCOVERY = 200  # PRIM boxes found on fewer points than this carry a caveat


def discovery_size(rows: list[dict]) -> tuple[int, int] | None:
    """Points and cases of interest PRIM started from (its first trajectory step)."""
    steps = [
        r
        for r in rows
        if r.get("kind", "trajectory") == "trajectory" and isinstance(r.get("points"), float)
    ]
    if not steps:
        return None
    first = min(steps, key=step_number)
    cases = first.get("cases")
    return int(first["points"]), int(cases) if isinstance(cases, float) else 0


def step_number(row: dict) -> float:
    """Return a trajectory row's step (0 when it has none)."""
    step = row.get("step")
    return step if isinstance(step, float) else 0


def prim_caveat(rows: list[dict]) -> str:
    """Return a caution when the boxes rest on few points ("" otherwise)."""
    size = discovery_size(rows)
    if size is None or size[0] >= SMALL_DISCOVERY:
        return ""
    return (
        f" CAUTION, small sample: PRIM started from only {size[0]} points ({size[1]} cases "
        f"of interest); boxes found on so few points often do not hold on a new sweep, so "
        f"treat their limits as hints and rerun the sweep with more points (--n)."
    )


def prim_reading(rows: list[dict]) -> str:
    """Describe the chosen boxes (or the best trajectory step) in numbers."""
    boxes = box_limits(rows)
    caveat = prim_caveat(rows)
    if boxes:
        parts = []
        for number, (coverage, density, limits) in boxes.items():
            parts.append(
                f"box {number} holds {pct(coverage)} of the cases of interest with a "
                f"density of {pct(density)}, restricting {len(limits)} parameter"
                f"{'s' if len(limits) != 1 else ''}"
            )
        return (
            "PRIM peeled the sweep's points towards the cases of interest; "
            + "; ".join(parts)
            + ". The table below gives each box's limits. Moving "
            "right along the trajectory covers more cases, moving up makes a box purer." + caveat
        )
    coverages, densities = column(rows, "coverage"), column(rows, "density")
    pick = int(np.nanargmax(np.where(coverages >= 0.5, densities, -1)))
    return (
        f"PRIM peeled {len(rows)} candidate boxes; the densest covering at least half the "
        f"cases has coverage {pct(coverages[pick])} and density {pct(densities[pick])}." + caveat
    )


def box_limits(rows: list[dict]) -> dict[str, tuple[float, float, list[tuple]]]:
    """Return each chosen box: coverage, density and its (parameter, low, high) limits."""
    boxes: dict[str, tuple[Any, Any, list[tuple]]] = {}  # the coverage and density cells
    for row in rows:
        if row.get("kind") != "box":
            continue
        number = f"{row['box']:g}" if isinstance(row.get("box"), float) else str(row.get("box"))
        entry = boxes.setdefault(number, (row.get("coverage"), row.get("density"), []))
        entry[2].append((row.get("parameter"), row.get("low"), row.get("high")))
    return boxes


def box_table(rows: list[dict]) -> Table | None:
    """Return the chosen boxes' limits as a table (None when discover.csv has no boxes)."""
    boxes = box_limits(rows)
    if not boxes:
        return None
    body = [
        [number, str(param), limit(low), limit(high), pct(coverage), pct(density)]
        for number, (coverage, density, limits) in boxes.items()
        for param, low, high in limits
    ]
    return Table(
        "boxes",
        "Scenario discovery: the chosen boxes",
        ["Box", "Parameter", "From", "To", "Coverage", "Density"],
        body,
        note="An empty limit means the box is open on that side." + prim_caveat(rows),
    )


def limit(value) -> str:
    """Return a box limit as text ("" when open)."""
    if isinstance(value, float):
        return "" if math.isnan(value) else format_plain(value)
    return str(value or "")
