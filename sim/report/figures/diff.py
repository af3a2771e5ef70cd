"""Figures of a paired comparison: differences with intervals, drivers, both projections."""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.core.metrics import metric as metric_entry
from sim.report.data import Summary
from sim.report.drivers import Breakdown
from sim.report.figures.axes import legend_axes, year_axis
from sim.report.paired import SHARES, PairedStat
from sim.report.style import (
    COMPACT,
    GREY,
    MIN_FONT_PT,
    OKABE_ITO,
    WIDE,
    add_source,
    add_title,
    fit,
    level_label,
    new_figure,
    percent_axis,
)

A_COLOUR, B_COLOUR = OKABE_ITO["blue"], OKABE_ITO["vermillion"]


def paired_forest(
    stats: list[PairedStat], names: tuple[str, str], source: str, compact: bool = False
) -> Figure:
    """Paired B - A differences of the share metrics, per quota level, with 95% intervals."""
    rows = [s for s in stats if s.metric in SHARES]
    fig = new_figure(
        COMPACT if compact else WIDE * 0.8, 1.5 + (0.5 if compact else 0.3) * len(rows)
    )
    ax = fig.add_subplot()
    y = np.arange(len(rows))[::-1]
    for yi, s in zip(y, rows, strict=True):
        colour = GREY if not s.diff.excludes_zero else (A_COLOUR if s.diff.mean < 0 else B_COLOUR)
        ax.errorbar(
            [s.diff.mean * 100],
            [yi],
            xerr=[[(s.diff.mean - s.diff.low) * 100], [(s.diff.high - s.diff.mean) * 100]],
            fmt="o",
            color=colour,
            ecolor="black",
            elinewidth=1,
            capsize=3,
            ms=5,
        )
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(
        y,
        [
            f"{metric_entry(s.metric).label},"
            + ("\n" if compact else " ")
            + level_label(s.level).lower()
            for s in rows
        ],
        fontsize=MIN_FONT_PT,
    )
    ax.grid(axis="y", visible=False)
    year = rows[0].year if rows else ""
    label = f"Mean B − A, percentage points ({year}; paired 95% interval)"
    ax.set_xlabel(fit(label, 2.4, 9.5) if compact else label)
    add_title(fig, f"How {names[1]} differs from {names[0]}: paired differences")
    add_source(fig, source)
    return fig


def driver_bars(
    found: Breakdown,
    metric: str,
    source: str,
    names: dict[str, str] | None = None,
    compact: bool = False,
) -> Figure:
    """Each group's contribution to the difference in ``metric``, with 95% intervals.

    ``names`` gives each group's name in scenario terms (wrapped to fit the figure).
    """
    names = names or {}
    width = 22 if compact else 44
    labels = ["\n".join(textwrap.wrap(names.get(g, g), width)[:3]) for g in found.groups]
    labels += [*(["Interactions"] if found.remainder else []), "Total"]
    parts = [found.contributions[g][metric] for g in found.groups]
    parts += [found.remainder[metric]] if found.remainder else []
    parts.append(found.total[metric])
    scale = 100 if metric in SHARES else 1
    lines = sum(label.count("\n") + 1 for label in labels)
    fig = new_figure(COMPACT if compact else WIDE * 0.8, 1.9 + 0.3 * lines + 0.15 * len(labels))
    ax = fig.add_subplot()
    y = np.arange(len(labels))[::-1]
    colours = [A_COLOUR if p.mean < 0 else B_COLOUR for p in parts[:-1]] + [GREY]
    ax.barh(
        y,
        [p.mean * scale for p in parts],
        color=colours,
        height=0.6,
        xerr=[
            [(p.mean - p.low) * scale for p in parts],
            [(p.high - p.mean) * scale for p in parts],
        ],
        ecolor="black",
        error_kw={"lw": 0.8, "capsize": 3},
    )
    if found.method == "shapley" and found.alone:  # what each group does switched alone
        ax.plot(
            [found.alone[g][metric].mean * scale for g in found.groups],
            y[: len(found.groups)],
            "D",
            color="black",
            mfc="white",
            ms=6,
            label="Switched alone (the rest as in A)",
        )
        ax.legend(loc="best", frameon=True, framealpha=0.9, fontsize=MIN_FONT_PT)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, labels)
    ax.grid(axis="y", visible=False)
    unit = "percentage points" if metric in SHARES else metric
    how = "Shapley values" if found.method == "shapley" else "one group at a time"
    label = f"Mean contribution to the difference, {unit} ({how}; 95% interval)"
    ax.set_xlabel(fit(label, 2.6, 9.5) if compact else label)
    add_title(fig, f"What drives the difference in {metric_entry(metric).label.lower()}")
    add_source(fig, source)
    return fig


def overlay_fan(
    summaries: tuple[Summary, Summary],
    level: str,
    names: tuple[str, str],
    source: str,
    compact: bool = False,
) -> Figure:
    """Monthly national share of both runs: A as a filled band, B as a hatched band."""
    fig = new_figure(COMPACT if compact else WIDE * 0.8, 5.2 if compact else 4.6)
    grid = fig.add_gridspec(2, 1, height_ratios=[0.35 if compact else 0.18, 1])
    ax = fig.add_subplot(grid[1])
    for summary, colour, hatch in (
        (summaries[0], A_COLOUR, None),
        (summaries[1], B_COLOUR, "////"),
    ):
        s = summary.series("domestic_share_units", level, kind="month")
        if hatch:
            ax.fill_between(
                s.x,
                s.stat("p05"),
                s.stat("p95"),
                facecolor="none",
                edgecolor=colour,
                hatch=hatch,
                lw=0.6,
                alpha=0.7,
            )
        else:
            ax.fill_between(s.x, s.stat("p05"), s.stat("p95"), color=colour, alpha=0.2, lw=0)
        ax.plot(s.x, s.stat("p50"), color=colour, lw=2, ls="-" if hatch is None else "--")
    first = summaries[0].series("domestic_share_units", level, kind="month").x
    year_axis(ax, (int(first.min()), int(first.max())), short=compact)
    ax.set_ylim(0, 1)
    percent_axis(ax.yaxis)
    ax.set_ylabel("Domestic share of chips")
    handles = [
        Line2D([], [], color=A_COLOUR, lw=2, label=f"{names[0]}: median"),
        Patch(color=A_COLOUR, alpha=0.2, label=f"{names[0]}: 90% band"),
        Line2D([], [], color=B_COLOUR, lw=2, ls="--", label=f"{names[1]}: median"),
        Patch(facecolor="none", edgecolor=B_COLOUR, hatch="////", label=f"{names[1]}: 90% band"),
    ]
    legend_axes(fig, grid[0], handles, ncols=2)
    add_title(fig, f"Domestic share by month, {level_label(level).lower()}: both runs")
    add_source(fig, source)
    return fig
