"""What moves the outcome: Sobol or Morris bars, a sweep tornado, and PRIM's trade-off."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.core.calendar import parse_month
from sim.experiments.methods import Method, method_of_columns
from sim.report.figures.axes import legend_axes
from sim.report.style import (
    COMPACT,
    GREY,
    MIN_FONT_PT,
    OKABE_ITO,
    WIDE,
    add_source,
    add_title,
    fit,
    new_figure,
    percent_axis,
)

TOP = 15


def column(rows: list[dict], name: str | None) -> np.ndarray:
    """Column ``name`` of CSV rows as floats (NaN where missing or not a number, or no name)."""
    return np.array([r.get(name) if isinstance(r.get(name), float) else math.nan for r in rows])


LABEL_CHARS = {True: 22, False: 40}  # longest label line, narrow and wide figures


def short_labels(paths: list[str], compact: bool) -> list[str]:
    """Whole parameter paths, never cut short: broken at dots onto lines that fit the axis."""
    return [dotted_lines(str(p), LABEL_CHARS[compact]) for p in paths]


def dotted_lines(label: str, limit: int) -> str:
    """Break a dotted path after its dots into lines of at most ``limit`` characters.

    A part longer than the limit keeps a line of its own; nothing is dropped.
    """
    lines, line = [], ""
    for part in label.split("."):
        piece = f".{part}" if line else part
        if line and len(line) + len(piece) > limit:
            lines.append(line + ".")
            line = part
        else:
            line += piece
    return "\n".join([*lines, line])


def round_percent_ticks(axis, nbins: int = 6) -> None:
    """Ticks at round percentages (1, 2, 2.5 or 5 times a power of ten), labelled to match."""
    axis.set_major_locator(MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10]))

    def label(x, _):
        step = np.diff(axis.get_majorticklocs()[:2])
        decimals = (
            0 if not step.size else max(0, -int(math.floor(math.log10(step[0] * 100 + 1e-12))))
        )
        if step.size and abs(round(step[0] * 100, decimals) - step[0] * 100) > 1e-9:
            decimals += 1  # 2.5-point steps need one more decimal
        return f"{x * 100:.{decimals}f}%"

    axis.set_major_formatter(FuncFormatter(label))


def sensitivity_method(rows: list[dict]) -> Method | None:
    """Return the registry's method whose columns the rows carry (None when none does)."""
    return method_of_columns(rows[0]) if rows else None


def sensitivity_bars(rows: list[dict], outcome: str, source: str, compact: bool = False) -> Figure:
    """Draw the method's indices as bars with their confidence intervals (and its markers).

    Parameters are ranked by the method's key (total index, or mu*); the top
    :data:`TOP` are shown. What is drawn comes from the method registry.
    """
    method = sensitivity_method(rows)
    if method is None:
        raise ValueError("sensitivity rows carry the columns of no known method")
    order = np.argsort(-np.nan_to_num(column(rows, method.key), nan=-np.inf))[:TOP]
    chosen = [rows[i] for i in order][::-1]
    fig = new_figure(
        COMPACT if compact else WIDE, 2.0 + 0.32 * len(chosen) * (1.5 if compact else 1)
    )
    grid = fig.add_gridspec(2, 1, height_ratios=[0.12 if compact else 0.06, 1])
    ax = fig.add_subplot(grid[1])
    y = np.arange(len(chosen))
    labels = short_labels([r.get("parameter", "?") for r in chosen], compact)
    colours = (OKABE_ITO["blue"], OKABE_ITO["orange"])
    height = 0.76 / len(method.bars)
    for k, bar in enumerate(method.bars):
        offset = (len(method.bars) - 1) / 2 * height - k * height
        ax.barh(
            y + offset,
            column(chosen, bar.column),
            height * 0.95,
            color=colours[k % 2],
            label=bar.label,
            xerr=np.nan_to_num(column(chosen, bar.conf)) if bar.conf else None,
            ecolor="black",
            error_kw={"lw": 0.8, "capsize": 2},
        )
    for marker in method.markers:
        ax.plot(
            column(chosen, marker.column),
            y,
            "D",
            color=OKABE_ITO["vermillion"],
            ms=5,
            label=marker.label,
        )
    ax.set_xlabel(
        fit(method.axis.format(outcome=outcome), 2.3, 9.5)
        if compact
        else method.axis.format(outcome=outcome)
    )
    if method.additive:  # indices may dip below zero within their intervals
        lows = [
            column(chosen, b.column) - np.nan_to_num(column(chosen, b.conf)) for b in method.bars
        ]
        ax.set_xlim(left=min(0.0, float(np.nanmin(np.concatenate(lows)))) - 0.02)
    ax.set_yticks(y, labels, fontsize=MIN_FONT_PT)
    ax.grid(axis="y", visible=False)
    handles, _ = ax.get_legend_handles_labels()
    legend_axes(fig, grid[0], handles, ncols=max(1, min(len(handles), 2 if compact else 4)))
    add_title(
        fig, f"What drives {outcome}: {method.label} sensitivity, top {len(chosen)} parameters"
    )
    add_source(fig, source)
    return fig


def tornado_rows(
    points: list[dict], parameters: list[str], outcome: dict[float, float]
) -> list[tuple[str, float, float, float, float]]:
    """Per parameter: mean outcome over its lower and upper half of points, 95% half-widths.

    ``outcome`` maps point id to the outcome; parameters with one value are skipped.
    Rows come sorted by the size of the swing, largest first.
    """
    rows = []
    for name in parameters:
        pairs = [
            (numeric(p.get(name)), outcome[p["point"]])
            for p in points
            if math.isfinite(numeric(p.get(name)))
            and math.isfinite(outcome.get(p["point"], math.nan))
        ]
        if len({v for v, _ in pairs}) < 2:
            continue
        values = np.array(pairs)
        cut = np.median(values[:, 0])
        low, high = values[values[:, 0] <= cut, 1], values[values[:, 0] > cut, 1]
        if high.size == 0:
            low, high = values[values[:, 0] < cut, 1], values[values[:, 0] >= cut, 1]
        rows.append((name, low.mean(), high.mean(), half_width(low), half_width(high)))
    return sorted(rows, key=lambda r: -abs(r[2] - r[1]))


def numeric(value) -> float:
    """Return a sweep cell as a number: floats as they are, "YYYY-MM" as a month ordinal."""
    if isinstance(value, float):
        return value
    try:
        return float(parse_month(value))
    except (TypeError, ValueError):
        return math.nan


def half_width(values: np.ndarray) -> float:
    """Half-width of a normal 95% interval for a mean (0 for fewer than two values)."""
    if values.size < 2:
        return 0.0
    return 1.96 * float(values.std(ddof=1)) / math.sqrt(values.size)


def sweep_tornado(
    rows: list[tuple],
    overall: float,
    outcome: str,
    source: str,
    is_share: bool = True,
    compact: bool = False,
) -> Figure:
    """Tornado: outcome when each parameter sits in the lower vs upper half of its sweep range."""
    chosen = rows[:TOP][::-1]
    fig = new_figure(
        COMPACT if compact else WIDE, 2.2 + 0.34 * len(chosen) * (1.4 if compact else 1)
    )
    grid = fig.add_gridspec(2, 1, height_ratios=[0.1 if compact else 0.06, 1])
    ax = fig.add_subplot(grid[1])
    y = np.arange(len(chosen))
    for side, index, colour, label in (
        (0, 1, OKABE_ITO["orange"], "Lower half of its range"),
        (1, 2, OKABE_ITO["blue"], "Upper half of its range"),
    ):
        means = np.array([r[index] for r in chosen])
        ax.barh(
            y + (0.18 if side == 0 else -0.18),
            means - overall,
            left=overall,
            height=0.34,
            color=colour,
            label=label,
            xerr=[r[3 + side] for r in chosen],
            ecolor="black",
            error_kw={"lw": 0.8, "capsize": 2},
        )
    ax.axvline(overall, color=GREY, lw=1)
    ax.set_yticks(y, short_labels([r[0] for r in chosen], compact), fontsize=MIN_FONT_PT)
    ax.grid(axis="y", visible=False)
    if is_share:
        round_percent_ticks(ax.xaxis, 4 if compact else 7)
    label = f"Mean {outcome} over the sweep's points (whiskers: 95% interval)"
    ax.set_xlabel(fit(label, 2.3, 9.5) if compact else label)
    handles, _ = ax.get_legend_handles_labels()
    legend_axes(fig, grid[0], handles, ncols=2)  # above the bars: it covers no whisker
    add_title(fig, f"Sweep tornado: which varied parameters move {outcome}")
    add_source(fig, source)
    return fig


def prim_tradeoff(rows: list[dict], source: str, compact: bool = False) -> Figure:
    """PRIM's peeling trajectory (coverage against density) with the chosen boxes marked.

    Rows of kind "trajectory" are the peeling steps (``parameter`` lists the restricted
    parameters, ";"-separated); rows of kind "box" carry each chosen box's statistics.
    Tables without a ``kind`` column are read as a trajectory.
    """
    steps = [
        r
        for r in rows
        if r.get("kind", "trajectory") == "trajectory" and r.get("box") in (None, "", 1, 1.0, "1")
    ]  # the first box's trajectory
    boxes = {r.get("box"): r for r in rows if r.get("kind") == "box"}
    fig = new_figure(COMPACT if compact else 7.0, 4.8 if compact else 4.8)
    ax = fig.add_subplot()
    coverage, density = column(steps, "coverage"), column(steps, "density")
    restricted = np.array([restricted_count(r) for r in steps], dtype=float)
    ax.plot(coverage, density, color=GREY, lw=0.8, zorder=2)
    points = ax.scatter(
        coverage,
        density,
        c=restricted,
        cmap="cividis",
        s=30,
        zorder=3,
        edgecolors="black",
        linewidths=0.3,
    )
    bar = fig.colorbar(points, ax=ax)
    bar.set_label("Parameters restricted by the box")
    for i, (number, box) in enumerate(boxes.items()):
        ax.plot(
            [box["coverage"]],
            [box["density"]],
            marker="*",
            ms=15,
            color=OKABE_ITO["vermillion"],
            mec="black",
            mew=0.6,
            zorder=4,
            ls="",
        )
        ax.annotate(
            f"Box {number:g}" if isinstance(number, float) else f"Box {number}",
            (box["coverage"], box["density"]),
            xytext=(8 if i % 2 == 0 else -8, -14),
            textcoords="offset points",
            fontsize=MIN_FONT_PT,
            fontweight="bold",
            ha="left" if i % 2 == 0 else "right",
        )
    ax.set(
        xlim=(0, 1.04),
        ylim=(0, 1.06),
        xlabel="Coverage (share of the cases of interest inside the box)",
        ylabel="Density (share of the box's points that are cases)",
    )
    percent_axis(ax.xaxis)
    percent_axis(ax.yaxis)
    add_title(fig, "Scenario discovery: PRIM coverage-density trade-off")
    add_source(fig, source)
    return fig


def restricted_count(row: dict) -> int:
    """Return how many parameters a trajectory step restricts (``res_dim`` or the list)."""
    if isinstance(row.get("res_dim"), float):
        return int(row["res_dim"])
    names = row.get("parameter")
    return len(str(names).split(";")) if isinstance(names, str) and names else 0
