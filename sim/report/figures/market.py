"""The market: quota compliance by segment and year, and supply against demand by quarter."""

from __future__ import annotations

import math
import textwrap

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.core.names import PRODUCT_NAMES, SEGMENT_NAMES, VENDOR_NAMES, display
from sim.report.data import Summary
from sim.report.figures.axes import legend_axes, year_axis
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
    thousands_axis,
)

# Domestic vendors are solid, imports hatched; within each, no colour repeats before all are used.
VENDOR_COLOURS = (
    OKABE_ITO["blue"],
    OKABE_ITO["sky"],
    OKABE_ITO["green"],
    "#1B3A5C",
    "#7FBFA8",
    "#3C7A3C",
)
IMPORT_COLOURS = (
    OKABE_ITO["orange"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["purple"],
    OKABE_ITO["yellow"],
    "#999999",
    "#444444",
    "#8C510A",
    "#F4A6C8",
)
IMPORT_HATCHES = ("///", "\\\\\\", "xxx")
NO_QUOTA = "#E8E8E8"


def compliance_matrix(
    summary: Summary, level: str
) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Segments, years, P(meets quota) and the quota target, each (segments, years)."""
    segments = summary.regions("quota_compliance")
    years = sorted(
        {
            k[3]
            for k in summary.index
            if k[1] == "quota_compliance" and k[0] == level and k[3].isdigit()
        }
    )
    prob = np.array(
        [[summary.value("quota_compliance", level, y, s, "mean") for y in years] for s in segments]
    ).reshape(len(segments), len(years))
    target = np.array(
        [[summary.value("quota_target", level, y, s, "mean") for y in years] for s in segments]
    ).reshape(len(segments), len(years))
    return segments, years, prob, target


def quota_years(summary: Summary, levels: list[str]) -> list[str]:
    """Years in which some segment has a quota in force at some level (the others are blank)."""
    found = set()
    for level in levels:
        _, years, _, target = compliance_matrix(summary, level)
        found |= {y for j, y in enumerate(years) if np.nan_to_num(target[:, j]).max() > 0}
    return sorted(found)


ENFORCEMENT_NOTE = (
    "A segment meets its quota when its domestic share that year, counted in "
    "chips or in compute as its rule says, reaches the quota times the "
    "segment's enforcement (drawn per replication), so even a 100% quota can "
    "be met. Cells: probability of meeting it; below, in brackets, the quota at "
    "year end."
)


def compliance_heatmap(
    summary: Summary, levels: list[str], source: str, compact: bool = False
) -> Figure:
    """P(segment meets its quota) by year, one panel per quota level.

    Only years with a quota in force somewhere are drawn; cells with no quota in
    force (target 0) are grey, not counted as met. Label sizes follow the cell
    size, so no label runs into the next cell at either width.
    """
    years = quota_years(summary, levels)
    ncols = 1 if compact else min(2, len(levels))
    nrows = math.ceil(len(levels) / ncols)
    width = COMPACT if compact else WIDE
    fig = new_figure(width, 1.9 + nrows * (2.9 if compact else 2.3))
    grid = fig.add_gridspec(
        nrows + 1, ncols, height_ratios=[0.42 if compact else 0.16] + [1] * nrows
    )
    cell = cell_points(width, ncols, len(years), names_inches(compact))
    image, panels = None, []
    for i, level in enumerate(levels):
        ax = fig.add_subplot(grid[1 + i // ncols, i % ncols])
        panels.append(ax)
        segments, all_years, prob, target = compliance_matrix(summary, level)
        keep = [all_years.index(y) for y in years if y in all_years]
        image = draw_compliance(
            ax,
            segments,
            [all_years[j] for j in keep],
            prob[:, keep],
            target[:, keep],
            colormaps["cividis"],
            cell,
            show_names=compact or i % ncols == 0,
            compact=compact,
        )
        ax.set_title(level_label(level), fontweight="bold")
    note = "\n".join(textwrap.wrap(ENFORCEMENT_NOTE, 48 if compact else 120))
    legend_axes(
        fig, grid[0, :], [Patch(color=NO_QUOTA, label="No quota in force that year")], ncols=1
    ).get_legend().set_title(note, prop={"size": MIN_FONT_PT})
    if image is not None:
        bar = fig.colorbar(image, ax=panels, shrink=0.6, aspect=40, location="bottom")
        bar.set_label("Probability the segment meets its quota")
        percent_axis(bar.ax.xaxis)
    add_title(fig, "Probability that each segment meets its domestic-share quota, by year")
    add_source(fig, source)
    return fig


NAMES_INCHES = 1.5  # room for the segment names left of the first panel column
NAME_CHARS = 12  # phones: segment names wrapped to lines this long (1.05 in at 10 pt)
BIG = 11.0  # the probability, bold; the quota below it is set in MIN_FONT_PT


def names_inches(compact: bool) -> float:
    """Room for the segment names: narrower on phones, where they wrap."""
    return NAME_CHARS * 0.62 * MIN_FONT_PT / 72 + 0.1 if compact else NAMES_INCHES


def cell_points(width: float, ncols: int, years: int, names: float = NAMES_INCHES) -> float:
    """Width of one heatmap cell in points, a little under what the layout gives it."""
    panels = width - names - 0.25 * ncols  # names, and the gaps between panels
    return 72 * panels / ncols / max(years, 1) * 0.92


def draw_compliance(
    ax, segments, years, prob, target, cmap, cell: float, show_names: bool, compact: bool = False
):
    """One heatmap panel; each cell shows the probability and, below in brackets, the quota.

    Both are at least MIN_FONT_PT; ``cell`` (points) is what the layout gives a cell.
    """
    shown = np.where(target > 0, prob, np.nan)
    image = ax.imshow(shown, cmap=cmap, vmin=0, vmax=1, aspect="auto")
    ax.imshow(
        np.where(np.isnan(shown), 1.0, np.nan),
        cmap=ListedColormap([NO_QUOTA]),
        aspect="auto",
        vmin=0,
        vmax=1,
    )
    big = BIG if cell > 3.4 * BIG else MIN_FONT_PT  # "100%" in bold
    small = MIN_FONT_PT  # "(100%)"
    for (r, c), p in np.ndenumerate(shown):
        if np.isnan(p):
            ax.text(c, r, "–", ha="center", va="center", fontsize=big, color=GREY)
            continue
        colour = "white" if p < 0.55 else "black"
        ax.text(
            c,
            r - 0.12,
            f"{p:.0%}",
            ha="center",
            va="center",
            fontsize=big,
            fontweight="bold",
            color=colour,
        )
        ax.text(
            c,
            r + 0.28,
            f"({target[r, c]:.0%})",
            ha="center",
            va="center",
            fontsize=small,
            color=colour,
        )
    ax.set_xticks(range(len(years)), years)
    ax.set_yticks(
        range(len(segments)), [segment_name(s, compact) for s in segments] if show_names else []
    )
    ax.tick_params(length=0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return image


def segment_name(segment: str, compact: bool) -> str:
    """Return the segment's name, wrapped to NAME_CHARS-long lines on phones."""
    name = display(segment, SEGMENT_NAMES)
    return "\n".join(textwrap.wrap(name, NAME_CHARS)) if compact else name


def supply_demand(summary: Summary, level: str, source: str, compact: bool = False) -> Figure:
    """Quarterly deliveries (domestic by vendor, imports by product) and demand, unmet demand.

    Stacked bars are means over replications (means add up; medians do not).
    """
    fig = new_figure(COMPACT if compact else WIDE, 10.2 if compact else 7.0)
    grid = fig.add_gridspec(
        4, 1, height_ratios=[0.42 if compact else 0.22, 1.35, 0.08, 1.5 if compact else 1]
    )
    top = fig.add_subplot(grid[1])
    bottom = fig.add_subplot(grid[3], sharex=top)
    handles = stacked_supply(top, summary, level)
    legend_axes(fig, grid[0], handles, ncols=2 if compact else 4)
    top.set_ylabel("Chips delivered per quarter")
    thousands_axis(top.yaxis)
    top.set_title(
        "Chips delivered (imports hatched)"
        if compact
        else "Chips delivered: domestic by vendor (solid), imports by product (hatched)",
        fontweight="bold",
        loc="left",
        fontsize=11,
    )
    demand_panel(bottom, summary, level, compact)
    years = sorted(
        {int(p[:4]) for p in summary.series("demand_compute", level, kind="quarter").periods}
    )
    year_axis(bottom, (years[0], years[-1]), short=compact)
    top.tick_params(labelbottom=True)
    add_title(fig, f"Supply and demand by quarter, {level_label(level).lower()}")
    add_source(fig, source)
    return fig


def stacked_supply(ax, summary: Summary, level: str) -> list:
    """Stack mean quarterly deliveries; return the legend handles, top of stack first."""
    parts = [
        (m, display(m.split(".", 1)[1], VENDOR_NAMES), VENDOR_COLOURS[i % len(VENDOR_COLOURS)], "")
        for i, m in enumerate(summary.metrics_like("vendor_units"))
    ]
    parts += [
        (
            m,
            display(m.split(".", 1)[1], PRODUCT_NAMES) + " (import)",
            IMPORT_COLOURS[i % len(IMPORT_COLOURS)],
            IMPORT_HATCHES[(i // len(IMPORT_COLOURS)) % len(IMPORT_HATCHES)],
        )
        for i, m in enumerate(summary.metrics_like("import_units"))
    ]
    base = None
    handles = []
    for metric, label, colour, hatch in parts:
        series = summary.series(metric, level, kind="quarter")
        values = np.nan_to_num(series.stat("mean"))
        base = np.zeros_like(values) if base is None else base
        ax.bar(
            series.x,
            values,
            width=0.22,
            bottom=base,
            color=colour,
            hatch=hatch,
            edgecolor="white",
            lw=0.4,
            label=label,
        )
        handles.append(Patch(facecolor=colour, hatch=hatch, edgecolor="white", label=label))
        base = base + values
    return handles


def demand_panel(ax, summary: Summary, level: str, compact: bool) -> None:
    """Quarterly compute demand (mean) and unmet demand (mean, 90% band), in H100e.

    With them, when the run has them: unmet demand served offshore (a flow)
    and orders waiting at the quarter's end (a stock), means.
    """
    demand = summary.series("demand_compute", level, kind="quarter")
    unmet = summary.series("unmet_demand_compute", level, kind="quarter")
    ax.step(
        demand.x,
        demand.stat("mean"),
        where="mid",
        color=OKABE_ITO["black"],
        lw=1.6,
        label="Demand (mean)",
    )
    ax.fill_between(
        unmet.x,
        unmet.stat("p05"),
        unmet.stat("p95"),
        step="mid",
        color=OKABE_ITO["vermillion"],
        alpha=0.25,
        lw=0,
        label="Unmet, 90% band",
    )
    ax.step(
        unmet.x,
        unmet.stat("mean"),
        where="mid",
        color=OKABE_ITO["vermillion"],
        lw=1.6,
        label="Unmet demand (mean)",
    )
    for metric, colour, style, label in (
        ("offshore_compute", "blue", "-", "of it offshore (mean)"),
        ("deferred_demand_compute", "green", "--", "Waiting at quarter end (mean)"),
    ):
        if metric in summary.metrics:
            series = summary.series(metric, level, kind="quarter")
            ax.step(
                series.x,
                series.stat("mean"),
                where="mid",
                color=OKABE_ITO[colour],
                lw=1.3,
                ls=style,
                label=label,
            )
    ax.set_ylabel("H100-equivalents per quarter")
    ax.set_ylim(bottom=0)
    thousands_axis(ax.yaxis)
    ax.set_title(
        fit("Compute demand, unmet demand and orders waiting", 3.1, 11.9)
        if compact
        else "Compute demand, unmet demand and orders waiting",
        fontweight="bold",
        loc="left",
        fontsize=11,
    )
    if compact:  # below the panel, clear of the lines
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False, ncols=1)
    else:
        ax.legend(loc="upper left", frameon=True, framealpha=0.9, ncols=3)
