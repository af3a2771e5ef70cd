"""What each quota level does: the levels' paired differences from the reference level."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.core.metrics import EFFECT_LABELS, EFFECTS, M
from sim.core.metrics import metric as metric_entry
from sim.report.data import Summary
from sim.report.figures.axes import legend_axes, year_axis
from sim.report.figures.share import draw_fan, fan_legend, summary_years
from sim.report.levels import Differences
from sim.report.style import (
    COMPACT,
    GREY,
    MIN_FONT_PT,
    WIDE,
    add_source,
    add_title,
    fit,
    level_label,
    level_style,
    new_figure,
    panel_title,
    percent_axis,
    si_number,
    thousands_axis,
)


def level_differences(
    summary: Summary,
    diffs: Differences,
    source: str,
    lever_start: float | None = None,
    compact: bool = False,
) -> Figure:
    """Draw the reference path with its bands, then each level as a paired difference from it.

    Top: the reference level's monthly national share of chips (median, 50% and
    90% bands). Middle: each level's annual difference from it, in points (mean,
    and the 5th-95th percentile of the per-replication differences). Bottom,
    when the run holds them: what the level changes in the last year (mean and
    90% band of the paired ``level_effect`` rows).
    """
    effects = [m for m in EFFECTS if f"{M.level_effect}.{m}" in summary.metrics]
    levels = list(diffs.stats)
    if compact:
        heights = [0.35, 1.1, 1.0] + ([1.9] if effects else [])
        fig = new_figure(COMPACT, 6.4 + (5.0 if effects else 0))
    else:
        heights = [0.2, 1.1, 1.0] + ([0.9] if effects else [])
        fig = new_figure(WIDE, 6.6 + (2.5 if effects else 0))
    grid = fig.add_gridspec(len(heights), 1, height_ratios=heights)
    top = fig.add_subplot(grid[1])
    series = summary.series(M.domestic_share_units, diffs.reference, kind="month")
    draw_fan(top, series)
    top.set_ylim(0, 1)
    percent_axis(top.yaxis)
    year_axis(top, summary_years(series), short=compact)
    if lever_start is not None:
        top.axvline(lever_start, color=GREY, lw=0.8, ls=":")
    panel_title(top, f"{level_label(diffs.reference)}: domestic share of chips by month", compact)
    handles = fan_legend([diffs.reference], diffs.reference, [], None)
    if lever_start is not None:
        handles.append(Line2D([], [], color=GREY, lw=0.8, ls=":", label="Quota level applies"))
    legend_axes(fig, grid[0], handles, ncols=2 if compact else 4)
    middle = fig.add_subplot(grid[2])
    draw_differences(
        middle, diffs, levels, compact, int(lever_start) if lever_start is not None else None
    )
    if effects:
        draw_effects(fig, grid[3], summary, levels, effects, compact)
    add_title(
        fig,
        "What the quota level changes: paired differences from "
        f"{level_label(diffs.reference).lower()}",
    )
    add_source(fig, source)
    return fig


def draw_differences(
    ax, diffs: Differences, levels: list[str], compact: bool, first: int | None = None
) -> None:
    """Annual paired differences (points) per level: mean marker, 90% whisker, dodged by level.

    Years before ``first`` (the quota lever's year) are left out: levels cannot differ there.
    """
    keep = [i for i, y in enumerate(diffs.years) if first is None or y >= first] or list(
        range(len(diffs.years))
    )
    years = np.array([diffs.years[i] for i in keep], dtype=float)
    width = 0.7 / max(len(levels), 1)
    for i, level in enumerate(levels):
        stats = diffs.stats[level][keep]
        x = years + 0.5 + (i - (len(levels) - 1) / 2) * width
        style = level_style(i + 1)
        ax.vlines(x, stats[:, 1], stats[:, 3], color=style["color"], lw=1.2)
        ax.plot(x, stats[:, 0], "o", ms=4, color=style["color"], label=level_label(level))
    ax.axhline(0, color="black", lw=0.8)
    year_axis(ax, (int(years[0]), int(years[-1])), short=compact)
    ax.set_ylabel(
        "Points vs "
        + ("announced" if diffs.reference == "announced" else level_label(diffs.reference).lower())
    )
    panel_title(
        ax,
        "Each level minus "
        + level_label(diffs.reference).lower()
        + " (dot: mean; bar: 90% of replications)",
        compact,
    )
    ax.legend(
        loc="upper left",
        ncols=2 if compact else len(levels),
        frameon=True,
        framealpha=0.9,
        fontsize=MIN_FONT_PT,
    )
    shown = [diffs.stats[lv][keep] for lv in levels]
    low = min(np.nanmin(np.append(s[:, 1], 0.0)) for s in shown)
    high = max(np.nanmax(np.append(s[:, 3], 0.0)) for s in shown)
    span = max(high - low, 1.0)
    ax.set_ylim(min(low, 0) - 0.1 * span, max(high, 0) + 0.45 * span)  # room for the legend


def draw_effects(
    fig, spec, summary: Summary, levels: list[str], effects: list[str], compact: bool
) -> None:
    """Last year's paired effects of each level (mean bar, 90% whisker), one panel per effect."""
    years = sorted({k[3] for k in summary.index if k[1] == f"{M.level_effect}.{effects[0]}"})
    year = years[-1]
    inner = spec.subgridspec(len(effects) if compact else 1, 1 if compact else len(effects))
    shown = [lv for lv in levels if lv != "announced"]
    chips_axis = None  # effects counted in chips share one scale, so their sizes compare
    for k, member in enumerate(effects):
        in_chips = metric_entry(EFFECTS[member][0]).unit != "H100e"
        ax = fig.add_subplot(
            inner[k] if compact else inner[0, k], sharex=chips_axis if in_chips else None
        )
        if in_chips and chips_axis is None:
            chips_axis = ax
        name = f"{M.level_effect}.{member}"
        stats = np.array(
            [
                [summary.value(name, lv, year, stat=s) for s in ("mean", "p05", "p95")]
                for lv in shown
            ]
        ).reshape(len(shown), 3)
        y = np.arange(len(shown))[::-1]
        colours = [level_style(levels.index(lv) + 1)["color"] for lv in shown]
        ax.barh(y, stats[:, 0], color=colours, height=0.6)
        ax.hlines(y, stats[:, 1], stats[:, 2], color="black", lw=0.9)  # 90% band, any side
        for yi, (mean, _, high) in zip(y, stats, strict=True):
            ax.annotate(
                ("\u2212" if mean < 0 else "+") + si_number(abs(mean)),
                (max(mean, high, 0), yi),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                ha="left",
                fontsize=MIN_FONT_PT,
            )
        ax.axvline(0, color="black", lw=0.8)
        ax.margins(x=0.18)  # room for the value labels
        ax.set_yticks(y, [level_label(lv) for lv in shown] if (compact or k == 0) else [])
        ax.grid(axis="y", visible=False)
        thousands_axis(ax.xaxis)
        ax.xaxis.set_major_locator(_few_ticks())
        ax.tick_params(axis="x", labelbottom=True)
        unit = "chips" if in_chips else "H100e"
        ax.set_title(
            fit(f"{EFFECT_LABELS[member]}, {year} ({unit})", 3.8 if compact else 2.3, MIN_FONT_PT),
            fontsize=MIN_FONT_PT,
            loc="left",
        )


def _few_ticks():
    """At most four round ticks (narrow panels)."""
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10])
