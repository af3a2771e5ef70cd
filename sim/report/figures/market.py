"""The market: quota compliance by segment and year, and supply against demand by quarter."""

from __future__ import annotations

import math

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.report.data import Summary
from sim.report.figures.axes import legend_axes, year_axis
from sim.report.style import (
    COMPACT,
    GREY,
    OKABE_ITO,
    WIDE,
    add_source,
    add_title,
    level_label,
    new_figure,
    percent_axis,
    thousands_axis,
)

SEGMENT_NAMES = {"beijing": "Beijing", "shanghai": "Shanghai", "guiyang": "Guiyang (Guizhou)",
                 "other_major": "Other major cities", "state_funded": "State-funded DCs",
                 "private": "Private hyperscalers"}
VENDOR_COLOURS = {"huawei": OKABE_ITO["blue"], "cambricon": OKABE_ITO["sky"],
                  "others": OKABE_ITO["green"]}
IMPORT_COLOURS = (OKABE_ITO["orange"], OKABE_ITO["vermillion"], OKABE_ITO["purple"],
                  OKABE_ITO["yellow"], "#999999", "#444444")
PRODUCT_NAMES = {"h20": "H20", "h200": "H200", "rtx_pro_6000d": "RTX Pro 6000D",
                 "legacy": "Legacy (A800/H800)", "smuggled": "Grey market"}
NO_QUOTA = "#E8E8E8"


def pretty(name: str, names: dict[str, str]) -> str:
    """Return a display name: from ``names``, else the id with spaces and a capital."""
    return names.get(name, name.replace("_", " ").capitalize())


def compliance_matrix(summary: Summary, level: str) -> tuple[list[str], list[str], np.ndarray,
                                                              np.ndarray]:
    """Segments, years, P(meets quota) and the quota target, each (segments, years)."""
    segments = summary.regions("quota_compliance")
    years = sorted({k[3] for k in summary.index if k[1] == "quota_compliance"
                    and k[0] == level and k[3].isdigit()})
    prob = np.array([[summary.value("quota_compliance", level, y, s, "mean") for y in years]
                     for s in segments]).reshape(len(segments), len(years))
    target = np.array([[summary.value("quota_target", level, y, s, "mean") for y in years]
                       for s in segments]).reshape(len(segments), len(years))
    return segments, years, prob, target


def compliance_heatmap(summary: Summary, levels: list[str], source: str,
                       compact: bool = False) -> Figure:
    """P(segment's compute share meets its quota) by year, one panel per quota level.

    Cells with no quota in force (target 0) are grey, not counted as met.
    """
    ncols = 1 if compact else min(3, len(levels))
    nrows = math.ceil(len(levels) / ncols)
    fig = new_figure(COMPACT if compact else WIDE, 1.2 + nrows * (2.3 if compact else 2.5))
    grid = fig.add_gridspec(nrows + 1, ncols, height_ratios=[0.22 if compact else 0.16]
                            + [1] * nrows)
    cmap = colormaps["cividis"]
    image = None
    for i, level in enumerate(levels):
        ax = fig.add_subplot(grid[1 + i // ncols, i % ncols])
        image = draw_compliance(ax, *compliance_matrix(summary, level), cmap,
                                show_names=compact or i % ncols == 0)
        ax.set_title(level_label(level), fontweight="bold")
    handles = [Patch(color=NO_QUOTA, label="No quota in force that year")]
    legend_axes(fig, grid[0, :], handles, ncols=1)
    if image is not None:
        bar = fig.colorbar(image, ax=fig.axes[:-1], shrink=0.6, aspect=30,
                           location="bottom" if compact else "right")
        bar.set_label("Probability the segment meets its quota")
        percent_axis(bar.ax.xaxis if compact else bar.ax.yaxis)
    add_title(fig, "Probability that each segment meets its domestic-share quota, by year")
    add_source(fig, source)
    return fig


def draw_compliance(ax, segments, years, prob, target, cmap, show_names: bool):
    """One heatmap panel; each cell shows the probability and, below, the quota."""
    shown = np.where(target > 0, prob, np.nan)
    image = ax.imshow(shown, cmap=cmap, vmin=0, vmax=1, aspect="auto")
    ax.imshow(np.where(np.isnan(shown), 1.0, np.nan), cmap=ListedColormap([NO_QUOTA]),
              aspect="auto", vmin=0, vmax=1)
    for (r, c), p in np.ndenumerate(shown):
        if np.isnan(p):
            ax.text(c, r, "–", ha="center", va="center", fontsize=8, color=GREY)
            continue
        colour = "white" if p < 0.55 else "black"
        ax.text(c, r - 0.1, f"{p:.0%}", ha="center", va="center", fontsize=8.5,
                fontweight="bold", color=colour)
        ax.text(c, r + 0.27, f"quota {target[r, c]:.0%}", ha="center", va="center",
                fontsize=6, color=colour)
    ax.set_xticks(range(len(years)), years)
    ax.set_yticks(range(len(segments)),
                  [pretty(s, SEGMENT_NAMES) for s in segments] if show_names else [])
    ax.tick_params(length=0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return image


def supply_demand(summary: Summary, level: str, source: str, compact: bool = False) -> Figure:
    """Quarterly deliveries (domestic by vendor, imports by product) and demand, unmet demand.

    Stacked bars are means over replications (means add up; medians do not).
    """
    fig = new_figure(COMPACT if compact else WIDE, 8.4 if compact else 7.0)
    grid = fig.add_gridspec(4, 1, height_ratios=[0.42 if compact else 0.22, 1.35, 0.08, 1])
    top = fig.add_subplot(grid[1])
    bottom = fig.add_subplot(grid[3], sharex=top)
    handles = stacked_supply(top, summary, level)
    legend_axes(fig, grid[0], handles, ncols=2 if compact else 4)
    top.set_ylabel("Chips delivered per quarter")
    thousands_axis(top.yaxis)
    top.set_title("Chips delivered (imports hatched)" if compact else
                  "Chips delivered: domestic by vendor (solid), imports by product (hatched)",
                  fontweight="bold", loc="left", fontsize=9.5 if compact else 10.5)
    demand_panel(bottom, summary, level, compact)
    years = sorted({int(p[:4]) for p in summary.series("demand_compute", level,
                                                        kind="quarter").periods})
    year_axis(bottom, (years[0], years[-1]), short=compact)
    top.tick_params(labelbottom=True)
    add_title(fig, f"Supply and demand by quarter, {level_label(level).lower()}")
    add_source(fig, source)
    return fig


def stacked_supply(ax, summary: Summary, level: str) -> list:
    """Stack mean quarterly deliveries; return the legend handles, top of stack first."""
    parts = [(m, pretty(m.split(".", 1)[1], {"huawei": "Huawei", "cambricon": "Cambricon",
                                             "others": "Other domestic"}),
              VENDOR_COLOURS.get(m.split(".", 1)[1], GREY), "")
             for m in summary.metrics_like("vendor_units")]
    parts += [(m, pretty(m.split(".", 1)[1], PRODUCT_NAMES) + " (import)",
               IMPORT_COLOURS[i % len(IMPORT_COLOURS)], "///")
              for i, m in enumerate(summary.metrics_like("import_units"))]
    base = None
    handles = []
    for metric, label, colour, hatch in parts:
        series = summary.series(metric, level, kind="quarter")
        values = np.nan_to_num(series.stat("mean"))
        base = np.zeros_like(values) if base is None else base
        ax.bar(series.x, values, width=0.22, bottom=base, color=colour, hatch=hatch,
               edgecolor="white", lw=0.4, label=label)
        handles.append(Patch(facecolor=colour, hatch=hatch, edgecolor="white", label=label))
        base = base + values
    return handles


def demand_panel(ax, summary: Summary, level: str, compact: bool) -> None:
    """Quarterly compute demand (mean) and unmet demand (mean, 90% band), in H100e."""
    demand = summary.series("demand_compute", level, kind="quarter")
    unmet = summary.series("unmet_demand_compute", level, kind="quarter")
    ax.step(demand.x, demand.stat("mean"), where="mid", color=OKABE_ITO["black"], lw=1.6,
            label="Demand (mean)")
    ax.fill_between(unmet.x, unmet.stat("p05"), unmet.stat("p95"), step="mid",
                    color=OKABE_ITO["vermillion"], alpha=0.25, lw=0, label="Unmet, 90% band")
    ax.step(unmet.x, unmet.stat("mean"), where="mid", color=OKABE_ITO["vermillion"], lw=1.6,
            label="Unmet demand (mean)")
    ax.set_ylabel("H100-equivalents per quarter")
    ax.set_ylim(bottom=0)
    thousands_axis(ax.yaxis)
    ax.set_title("Compute demand and unmet demand", fontweight="bold", loc="left",
                 fontsize=9.5 if compact else 10.5)
    ax.legend(loc="upper left", frameon=True, framealpha=0.9, ncols=1 if compact else 3)
