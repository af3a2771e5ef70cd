"""What limits deliveries: each limit's measured elasticity of delivered compute.

The numbers come from effects.csv (``chipsim explain``): each limit is relaxed
by a small stated amount on the same draws, and the paired change in the
compute delivered, relative to the baseline and to the relaxation, is its
elasticity (:mod:`sim.results.binds`). A limit binds from
:data:`sim.results.binds.THRESHOLD`; a negative elasticity means relaxing it
lowers deliveries.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.model.constraints import CONSTRAINTS, LIMITS
from sim.report.figures.axes import legend_axes
from sim.report.style import (
    COMPACT,
    GREY,
    MIN_FONT_PT,
    OKABE_ITO,
    WIDE,
    add_source,
    add_title,
    level_label,
    new_figure,
    panel_title,
)
from sim.results.binds import TARGET, THRESHOLD, Binding, ranking
from sim.results.effects import Effects

# The last year is the darkest; earlier years are lighter (the legend names them).
YEAR_COLOURS = (OKABE_ITO["blue"], OKABE_ITO["sky"], "#B8B8B8", "#DDDDDD")
THRESHOLD_COLOUR = OKABE_ITO["vermillion"]


def capital(text: str) -> str:
    """Return "memory (HBM)" -> "Memory (HBM)"."""
    return text[:1].upper() + text[1:]


def signed(value: float) -> str:
    """Format an elasticity with two decimals and a true minus sign: "0.89", "−0.07"."""
    return f"{value:.2f}".replace("-", "\u2212")


def shown_limits(effects: Effects, level: str, years: list[str]) -> list[str]:
    """Limits measured at ``level`` in any of ``years``, in the registry's order."""
    return [
        name
        for name in LIMITS
        if any(effects.get(level, name, TARGET, y) is not None for y in years)
    ]


def limit_values(effects: Effects, level: str, years: list[str]) -> dict[str, dict[str, Binding]]:
    """Year -> limit -> its elasticity and 90% interval (limits without one left out)."""
    return {y: {b.constraint: b for b in ranking(effects, level, y)} for y in years}


def limits_chart(
    effects: Effects, level: str, years: list[str], source: str, compact: bool = False
) -> Figure:
    """Horizontal bars: each limit's elasticity of delivered compute, one bar per year.

    Bar: the mean elasticity; black line: the elasticity of the 5th and 95th
    percentiles of the paired change (90% of replications). Dashed line: the
    threshold from which a limit binds; solid line: zero.
    """
    names = shown_limits(effects, level, years)
    values = limit_values(effects, level, years)
    rows = max(len(names), 1)
    per_row = (0.26 * len(years) + 0.2) * (1.3 if compact else 1.1)
    fig = new_figure(COMPACT if compact else WIDE, (2.0 if compact else 1.6) + rows * per_row)
    grid = fig.add_gridspec(2, 1, height_ratios=[0.14 if compact else 0.07, 1])
    ax = fig.add_subplot(grid[1])
    height = 0.8 / len(years)
    y = np.arange(len(names))[::-1].astype(float)  # the registry's first limit on top
    lows, highs = [0.0, THRESHOLD], [0.0, THRESHOLD]
    for k, year in enumerate(reversed(years)):  # last year first: the top bar of each row
        offset = (k - (len(years) - 1) / 2) * height
        found = [values[year].get(name) for name in names]
        ax.barh(
            y - offset,
            [b.elasticity if b else 0.0 for b in found],
            height=height * 0.9,
            color=year_colour(k),
            label=year,
        )
        for yi, b in zip(y - offset, found, strict=True):
            if b is None:
                ax.annotate(
                    "not measured",
                    (0, yi),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    ha="left",
                    fontsize=MIN_FONT_PT,
                    color=GREY,
                )
                continue
            ends = [v for v in (b.low, b.high) if math.isfinite(v)]
            if len(ends) == 2:
                ax.hlines(yi, ends[0], ends[1], color="black", lw=0.9)
            lows += [b.elasticity, *ends]
            highs += [b.elasticity, *ends]
            negative = b.elasticity < 0  # labelled left of its bar, clear of the threshold
            ax.annotate(
                signed(b.elasticity),
                (min(b.elasticity, *ends, 0.0) if negative else max(b.elasticity, *ends, 0.0), yi),
                xytext=(-3 if negative else 3, 0),
                textcoords="offset points",
                va="center",
                ha="right" if negative else "left",
                fontsize=MIN_FONT_PT,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.4, "alpha": 0.85},
            )
    ax.axvline(0, color="black", lw=0.8)
    ax.axvline(THRESHOLD, color=THRESHOLD_COLOUR, lw=1.1, ls="--")
    span = max(highs) - min(lows)
    room = (0.2 if compact else 0.1) * span  # for the value labels
    ax.set_xlim(min(lows) - (room if min(lows) < 0 else 0.05 * span), max(highs) + room)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.set_yticks(y, [row_label(effects, level, years, name, compact) for name in names])
    ax.tick_params(axis="y", length=0, labelsize=MIN_FONT_PT)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(
        "Elasticity of delivered compute\n(% change in H100e delivered\nper 1% relaxation)"
        if compact
        else "Elasticity of delivered compute: % change "
        "in H100e delivered per 1% relaxation (0: no effect)"
    )
    panel_title(ax, f"{level_label(level)}, {' and '.join(years)}", compact, inches=2.7)
    handles: list[Artist] = [
        Patch(color=year_colour(len(years) - 1 - k), label=f"{year} (mean)")
        for k, year in enumerate(years)
    ]
    handles += [
        Line2D([], [], color="black", lw=0.9, label="90% of replications"),
        Line2D([], [], color=THRESHOLD_COLOUR, lw=1.1, ls="--", label=f"Binds from {THRESHOLD:g}"),
    ]
    legend_axes(fig, grid[0], handles, ncols=2 if compact else len(handles))
    amount = relaxation_amount(effects, level, years)
    add_title(
        fig,
        "What limits deliveries: the compute gained by relaxing each limit"
        + (f" by {amount:.0%}" if amount is not None else ""),
    )
    add_source(fig, source)
    return fig


def year_colour(k: int) -> str:
    """Colour of the k-th year counted back from the last (0: the last year, darkest)."""
    return YEAR_COLOURS[min(k, len(YEAR_COLOURS) - 1)]


def relaxation_amount(effects: Effects, level: str, years: list[str]) -> float | None:
    """Return the relative relaxation every shown limit shares (0.1); None when they differ."""
    amounts = {
        r.amount
        for name in LIMITS
        for y in years
        if (r := effects.get(level, name, TARGET, y)) is not None
    }
    return amounts.pop() if len(amounts) == 1 and all(map(math.isfinite, amounts)) else None


def row_label(effects: Effects, level: str, years: list[str], name: str, compact: bool) -> str:
    """Return the limit's name and, below it, its relaxation ("+10% stacks")."""
    row = next((r for y in reversed(years) if (r := effects.get(level, name, TARGET, y))), None)
    label = capital(CONSTRAINTS[name].label)
    if compact and len(label) > 18:
        label = label.replace(" (", "\n(").replace(" import", "\nimport")
    return f"{label}\n{row.relaxation}" if row is not None and row.relaxation else label
