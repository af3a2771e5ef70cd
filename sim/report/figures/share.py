"""The national domestic share: fan chart over time and the 2027 distribution."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.report.data import Series, Summary, period_x
from sim.report.figures.axes import legend_axes, year_axis
from sim.report.sources import Target
from sim.report.style import (
    COMPACT,
    GREY,
    MIN_FONT_PT,
    OKABE_ITO,
    WIDE,
    add_source,
    add_title,
    chance,
    level_label,
    level_style,
    new_figure,
    percent_axis,
)

SHARE_METRICS = ("domestic_share_units", "domestic_share_compute")
SHARE_TITLES = {
    False: {
        "domestic_share_units": "Share of chips (units)",
        "domestic_share_compute": "Share of compute (H100-equivalents)",
    },
    True: {"domestic_share_units": "Chips (units)", "domestic_share_compute": "Compute (H100e)"},
}
BAND = OKABE_ITO["blue"]
REACH_TARGETS = (0.5, 0.7, 0.9, 1.0)


def fan_chart(
    summary: Summary,
    levels: list[str],
    targets: list[Target],
    source: str,
    lever_start: float | None = None,
    compact: bool = False,
) -> Figure:
    """Monthly national domestic share, one row per quota level, units and compute side by side.

    Bands are the replications' 50% (p25-p75) and 90% (p05-p95) ranges; calibration
    figures are annual, so each is drawn across its year.
    """
    fig = new_figure(COMPACT if compact else WIDE, (2.2 if compact else 1.3) + 2.0 * len(levels))
    grid = fig.add_gridspec(
        len(levels) + 1, 2, height_ratios=[0.5 if compact else 0.3] + [1] * len(levels)
    )
    reference = levels[0]
    first = None
    for row, level in enumerate(levels):
        for col, metric in enumerate(SHARE_METRICS):
            ax = fig.add_subplot(grid[row + 1, col], sharex=first, sharey=first)
            first = first or ax
            series = summary.series(metric, level, kind="month")
            if level != reference:
                base = summary.series(metric, reference, kind="month")
                ax.plot(base.x, base.stat("p50"), color=GREY, lw=1, ls="--")
            draw_fan(ax, series)
            draw_targets(ax, [t for t in targets if t.metric == metric and t.region == "national"])
            if lever_start is not None and level != "announced":
                ax.axvline(lever_start, color=GREY, lw=0.8, ls=":")
            ax.set_ylim(0, 1)
            percent_axis(ax.yaxis)
            year_axis(ax, summary_years(series), short=compact)
            ax.tick_params(labelleft=col == 0, labelbottom=row == len(levels) - 1)
            if row == 0:
                ax.set_title(SHARE_TITLES[compact][metric], fontweight="bold")
            if col == 0:
                ax.set_ylabel(level_label(level))
    legend_axes(
        fig,
        grid[0, :],
        fan_legend(levels, reference, targets, lever_start, compact),
        ncols=2 if compact else 3,
    )
    add_title(fig, "Domestic share of AI accelerators delivered in China, by month")
    add_source(fig, source)
    return fig


def summary_years(series: Series) -> tuple[int, int]:
    """First and last calendar year covered by a series."""
    return int(np.floor(series.x.min())), int(np.floor(series.x.max()))


def draw_fan(ax, series: Series) -> None:
    """90% band, 50% band and median line of one series."""
    ax.fill_between(series.x, series.stat("p05"), series.stat("p95"), color=BAND, alpha=0.18, lw=0)
    ax.fill_between(series.x, series.stat("p25"), series.stat("p75"), color=BAND, alpha=0.38, lw=0)
    ax.plot(series.x, series.stat("p50"), color=OKABE_ITO["blue"], lw=1.8)


def draw_targets(ax, targets: list[Target]) -> None:
    """Each annual calibration figure: a diamond mid-year, a bar across the year, its id."""
    for target in targets:
        x = period_x(target.period)
        span = 0.5 if len(target.period) == 4 else 1 / 24
        ax.hlines(target.centre, x - span, x + span, color="black", lw=1.4)
        if target.low is not None and target.high is not None:
            ax.vlines(
                x,
                target.low - target.tolerance,
                target.high + target.tolerance,
                color="black",
                lw=0.8,
                linestyles=":",
            )
            ax.vlines(x, target.low, target.high, color="black", lw=2.2)
        ax.plot([x], [target.centre], marker="D", color="black", ms=5, mfc=OKABE_ITO["yellow"])
        ax.annotate(
            target.label,
            (x, target.centre),
            xytext=(0, -11),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=MIN_FONT_PT,
        )


def fan_legend(levels, reference, targets, lever_start, compact: bool = False) -> list:
    """Legend handles for the fan chart (long labels on two lines when ``compact``)."""
    handles = [
        Line2D([], [], color=BAND, lw=1.8, label="Median"),
        Patch(color=BAND, alpha=0.55, label="50% band"),
        Patch(color=BAND, alpha=0.18, label="90% band"),
    ]
    if len(levels) > 1:
        handles.append(
            Line2D(
                [], [], color=GREY, lw=1, ls="--", label=f"Median, {level_label(reference).lower()}"
            )
        )
    if targets:
        handles.append(
            Line2D(
                [],
                [],
                color="black",
                marker="D",
                mfc=OKABE_ITO["yellow"],
                lw=1.4,
                label="Observed figure (annual)",
            )
        )
        if any(t.low is not None for t in targets):
            handles.append(
                Line2D(
                    [],
                    [],
                    color="black",
                    lw=2.2,
                    label="Source range\n(dotted: + tolerance)"
                    if compact
                    else "Source range (dotted: + tolerance)",
                )
            )
    if lever_start is not None and any(level != "announced" for level in levels):
        handles.append(Line2D([], [], color=GREY, lw=0.8, ls=":", label="Quota level applies"))
    return handles


ECDF_TOLERANCE = 0.02  # curves at most 2 points of probability apart are "the same"


def ecdf_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Largest vertical gap between the empirical CDFs of two samples (finite values)."""
    a, b = np.sort(a[np.isfinite(a)]), np.sort(b[np.isfinite(b)])
    if a.size == 0 or b.size == 0:
        return 0.0 if a.size == b.size else 1.0
    grid = np.concatenate([a, b])
    fa = np.searchsorted(a, grid, side="right") / a.size
    fb = np.searchsorted(b, grid, side="right") / b.size
    return float(np.max(np.abs(fa - fb)))


def ecdf_groups(
    values: dict[str, np.ndarray], tolerance: float = ECDF_TOLERANCE
) -> list[list[str]]:
    """Levels grouped by distribution: each joins the first group whose lead is within tolerance."""
    groups: list[list[str]] = []
    for level, shares in values.items():
        for group in groups:
            if ecdf_distance(values[group[0]], shares) <= tolerance:
                group.append(level)
                break
        else:
            groups.append([level])
    return groups


def group_label(names: list[str]) -> str:
    """Return "50% quota" or "Announced quotas, 70% quota (one curve)"."""
    text = ", ".join(
        level_label(n) if i == 0 else level_label(n).lower() for i, n in enumerate(names)
    )
    return text + (" (one curve)" if len(names) > 1 else "")


def reach_probabilities(values: np.ndarray, thresholds=REACH_TARGETS) -> np.ndarray:
    """Share of (defined) replications at or above each threshold."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return np.full(len(thresholds), np.nan)
    return np.array([np.mean(values >= t - 1e-6) for t in thresholds])


def share_ecdf(
    values: dict[str, np.ndarray],
    year: int,
    source: str,
    thresholds=REACH_TARGETS,
    compact: bool = False,
) -> Figure:
    """ECDF of the year's national share per quota level, and P(share >= each target).

    ``values`` maps each quota level to its per-replication shares (NaN = undefined).
    Levels whose curves coincide (within :data:`ECDF_TOLERANCE`) share one curve and
    one bar, labelled with every level it stands for.
    """
    fig = new_figure(COMPACT if compact else WIDE, 7.4 if compact else 4.3)
    left, right = fig.subplots(2, 1) if compact else fig.subplots(1, 2, width_ratios=[1.25, 1])
    groups = ecdf_groups(values)
    for i, names in enumerate(groups):
        shares = values[names[0]]
        x = np.sort(shares[np.isfinite(shares)])
        left.step(
            x,
            np.arange(1, x.size + 1) / max(x.size, 1),
            where="post",
            lw=1.6,
            label=group_label(names),
            **level_style(i),
        )
    for t in thresholds:
        left.axvline(t, color=GREY, lw=0.7, ls=":")
    left.set(
        xlim=(0, 1.02),
        ylim=(0, 1),
        xlabel=f"National domestic share of chips, {year}",
        ylabel="Share of replications at or below",
    )
    left.set_title(f"Distribution of the {year} share", fontweight="bold")
    percent_axis(left.xaxis)
    percent_axis(left.yaxis)
    left.legend(loc="upper left", frameon=True, framealpha=0.9)
    reach_bars(right, {group_label(g): values[g[0]] for g in groups}, thresholds, year)
    add_title(fig, f"How likely is each national target in {year}?")
    add_source(fig, source)
    return fig


def reach_bars(ax, values: dict[str, np.ndarray], thresholds, year: int) -> None:
    """Draw grouped bars: probability of reaching each threshold, one bar per level."""
    count = len(values)
    width = 0.8 / count
    for i, (level, shares) in enumerate(values.items()):
        probs = reach_probabilities(shares, thresholds)
        xs = np.arange(len(thresholds)) + (i - (count - 1) / 2) * width
        style = level_style(i)
        bars = ax.bar(
            xs,
            probs,
            width * 0.92,
            color=style["color"],
            label=level,
            hatch=HATCHES[i % len(HATCHES)],
            edgecolor="white",
            lw=0.3,
        )
        ax.bar_label(
            bars,
            labels=[chance(p) for p in probs],
            fontsize=MIN_FONT_PT,
            padding=1,
            rotation=90 if count > 2 else 0,
        )
    ax.set_xticks(range(len(thresholds)), [f"≥ {t:.0%}" for t in thresholds])
    ax.set(
        ylim=(0, 1.3 if count > 2 else 1.15),
        xlabel=f"National domestic share target, {year}",
        ylabel="Probability of reaching it",
    )
    ax.set_yticks(np.linspace(0, 1, 6))
    percent_axis(ax.yaxis)
    ax.grid(axis="x", visible=False)
    ax.set_title("Probability of reaching each target", fontweight="bold")


HATCHES = ("", "//", "..", "xx", "\\\\", "++", "oo")
