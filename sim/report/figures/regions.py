"""Region and year: each segment's domestic share by year, and unmet demand by year.

Both figures take the summary and return a Figure from ``make(compact)``:
``compact=True`` is the phone layout (panels stacked two abreast or one
above the other, never shrunk). Text sizes come from the house rcParams.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.core.metrics import M
from sim.core.names import SEGMENT_NAMES, display
from sim.report.data import Summary
from sim.report.figures.axes import legend_axes
from sim.report.style import (
    COMPACT,
    GREY,
    OKABE_ITO,
    WIDE,
    add_source,
    add_title,
    level_label,
    level_style,
    new_figure,
    panel_title,
    percent_axis,
)

BAND = OKABE_ITO["blue"]


def year_values(
    summary: Summary, metric: str, level: str, region: str, years: list[str], stat: str = "p50"
) -> np.ndarray:
    """One statistic of a metric for each year (NaN where absent)."""
    return np.array([summary.value(metric, level, y, region, stat) for y in years])


def region_shares(
    summary: Summary,
    levels: list[str],
    segments: list[str],
    years: list[str],
    source: str,
    compact: bool = False,
) -> Figure:
    """One panel per segment: each level's median share by year, the first level's band, quota."""
    ncols = 2 if compact else 3
    nrows = math.ceil(len(segments) / ncols)
    fig = new_figure(COMPACT if compact else WIDE, 1.6 + nrows * (2.3 if compact else 2.4))
    grid = fig.add_gridspec(
        nrows + 1, ncols, height_ratios=[0.55 if compact else 0.25] + [1] * nrows
    )
    x = np.array([int(y) for y in years])
    first = None
    for i, segment in enumerate(segments):
        ax = fig.add_subplot(grid[1 + i // ncols, i % ncols], sharex=first, sharey=first)
        first = first or ax
        draw_segment(ax, summary, levels, segment, years, x)
        panel_title(ax, display(segment, SEGMENT_NAMES), compact)
        ax.set_ylim(0, 1)
        percent_axis(ax.yaxis)
        ax.set_xticks(x, [f"'{v % 100:02d}" for v in x] if compact else [str(v) for v in x])
        ax.tick_params(labelleft=i % ncols == 0)
    legend_axes(fig, grid[0, :], region_legend(levels), ncols=2 if compact else 4)
    add_title(fig, "Domestic share of chips by region and year, every quota level")
    add_source(fig, source)
    return fig


def draw_segment(
    ax, summary: Summary, levels: list[str], segment: str, years: list[str], x: np.ndarray
) -> None:
    """Return the first level's 90% band and quota, then every level's median, in one panel."""
    ref = levels[0]
    low = year_values(summary, M.domestic_share_units, ref, segment, years, "p05")
    high = year_values(summary, M.domestic_share_units, ref, segment, years, "p95")
    ax.fill_between(x, low, high, color=BAND, alpha=0.18, lw=0)
    target = year_values(summary, M.quota_target, ref, segment, years, "mean")
    if np.nan_to_num(target).max() > 0:
        ax.step(
            x, np.where(target > 0, target, np.nan), where="mid", color=GREY, lw=1.2, ls=(0, (4, 2))
        )
    for i, level in enumerate(levels):
        median = year_values(summary, M.domestic_share_units, level, segment, years)
        ax.plot(x, median, marker="o", ms=3.5, lw=1.5, **level_style(i))


def region_legend(levels: list[str]) -> list:
    """Legend handles: one line per level, the band and the quota of the first level."""
    handles: list[Artist] = [
        Line2D([], [], marker="o", ms=3.5, lw=1.5, label=level_label(lv), **level_style(i))
        for i, lv in enumerate(levels)
    ]
    first = level_label(levels[0]).lower()
    handles.append(Patch(color=BAND, alpha=0.18, label=f"90% band, {first}"))
    handles.append(Line2D([], [], color=GREY, lw=1.2, ls=(0, (4, 2)), label=f"Quota, {first}"))
    return handles


UNMET_PARTS = (
    (M.offshore_compute, "Served offshore", OKABE_ITO["blue"]),
    (M.abandoned_demand_compute, "Abandoned", OKABE_ITO["vermillion"]),
)


def unmet_chart(
    summary: Summary, levels: list[str], years: list[str], source: str, compact: bool = False
) -> Figure:
    """Unmet demand as a share of demand: its parts by year (first level), and every level."""
    fig = new_figure(COMPACT if compact else WIDE, 7.6 if compact else 4.2)
    left, right = fig.subplots(2, 1) if compact else fig.subplots(1, 2)
    x = np.array([int(y) for y in years])
    ref = levels[0]
    demand = year_values(summary, M.demand_compute, ref, "national", years, "mean")
    base = np.zeros(len(years))
    for metric, label, colour in UNMET_PARTS:
        part = np.nan_to_num(year_values(summary, metric, ref, "national", years, "mean") / demand)
        left.bar(x, part, bottom=base, width=0.6, color=colour, label=label)
        base = base + part
    waiting = year_values(summary, M.deferred_demand_compute, ref, "national", years, "mean")
    left.plot(
        x,
        waiting / demand,
        color=OKABE_ITO["green"],
        marker="D",
        lw=1.4,
        ls="--",
        label="Orders waiting at year end",
    )
    left.legend(loc="upper left", frameon=True, framealpha=0.9)
    panel_title(left, f"Unmet demand, {level_label(ref).lower()}", compact)
    for i, level in enumerate(levels):
        unmet = year_values(summary, M.unmet_demand_compute, level, "national", years, "mean")
        level_demand = year_values(summary, M.demand_compute, level, "national", years, "mean")
        right.plot(
            x,
            unmet / level_demand,
            marker="o",
            ms=4,
            lw=1.5,
            label=level_label(level),
            **level_style(i),
        )
    right.legend(loc="upper left", frameon=True, framealpha=0.9)
    panel_title(right, "Unmet demand, every quota level", compact)
    for ax in (left, right):
        ax.set_ylim(0, 1)
        percent_axis(ax.yaxis)
        ax.set_xticks(x, [f"'{v % 100:02d}" for v in x] if compact else [str(v) for v in x])
        ax.set_ylabel("Share of the year's demand")
        ax.grid(axis="x", visible=False)
    add_title(fig, "How much compute demand goes unmet, by year")
    add_source(fig, source)
    return fig
