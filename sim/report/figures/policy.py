"""The policy timeline drawn under the projection: import decisions, fabs, quota deadlines.

Dates are shown at their central value; an uncertain date also gets a bracket
spanning its range.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.core.calendar import format_month, parse_month
from sim.core.names import PRODUCT_NAMES, SEGMENT_NAMES, display
from sim.report.data import Series
from sim.report.figures.axes import legend_axes, year_axis
from sim.report.figures.share import BAND, draw_fan
from sim.report.style import (
    COMPACT,
    MIN_FONT_PT,
    OKABE_ITO,
    WIDE,
    add_source,
    add_title,
    new_figure,
    percent_axis,
)
from sim.scenario.dist import Dist
from sim.scenario.schema import Scenario

OPEN, CLOSED = OKABE_ITO["blue"], OKABE_ITO["vermillion"]


def month_x(ordinal: float) -> float:
    """Decimal year at the start of a month ordinal."""
    return ordinal / 12


@dataclass(frozen=True)
class Mark:
    """One dated mark in a lane: an event, a commissioning or a quota point."""

    lane: str
    month: float
    low: float
    high: float
    text: str
    kind: str  # "open", "close", "fab" or "quota"
    number: int = 0


def date_range(dist: Dist) -> tuple[float, float, float]:
    """Central, low and high month ordinals of a date parameter."""
    low, high = dist.bounds
    return dist.central, low, high


def import_marks(scenario: Scenario) -> list[Mark]:
    """Numbered marks for every enabled import event, in date order."""
    events = sorted(
        ((date_range(e.date), name, e) for name, e in scenario.events.items() if e.enabled),
        key=lambda item: (item[0][0], item[1]),
    )
    marks = []
    for number, ((centre, low, high), _, event) in enumerate(events, start=1):
        product = "Every import" if event.product == "*" else display(event.product, PRODUCT_NAMES)
        text = f"{product}: {rule_text(event)}"
        kind = "open" if opens_route(event) else "close"
        marks.append(Mark(import_lane(event.product), centre, low, high, text, kind, number))
    return marks


RULE_NAMES = {
    "licence": "US licence",
    "cap": "US cap",
    "guidance": "China's guidance",
    "customs": "Chinese customs",
    "bar": "barred",
    "approval": "approved",
    "bundle": "tied to domestic purchases",
}


def rule_text(event) -> str:
    """Put an event's rule in words, with its value in its own unit."""
    value = event.value.central
    who = (
        f" ({', '.join(display(s, SEGMENT_NAMES) for s in event.segments)})"
        if event.segments
        else ""
    )
    if event.kind in ("cap", "approval"):
        amount = f"{value / 1e3:,.0f}k" if value >= 1e3 else f"{value:,.0f}"
        return f"{RULE_NAMES[event.kind]} {amount}{' a month' if event.kind == 'cap' else ''}{who}"
    if event.kind == "bundle":
        return f"{RULE_NAMES['bundle']}, {value:.1f} per chip{who}"
    if event.kind == "bar":
        return f"{RULE_NAMES['bar']}{who}" if value == 0 else f"bar lifted to {value:.0%}{who}"
    return f"{RULE_NAMES[event.kind]} \u2192 {value:.0%}{who}"


def opens_route(event) -> bool:
    """Whether an event widens access (for its colour)."""
    if event.kind in ("approval", "cap"):
        return True
    if event.kind == "bundle":
        return False
    return event.value.central >= 0.5


def import_lane(product: str) -> str:
    """Lane name of an import product ("*": every one)."""
    return (
        "Imports: every product"
        if product == "*"
        else f"Imports: {display(product, PRODUCT_NAMES)}"
    )


def fab_marks(scenario: Scenario) -> list[Mark]:
    """One mark per dedicated fab at its commissioning date."""
    marks = []
    for foundry, spec in scenario.foundries.items():
        for fab, plan in spec.fabs.items():
            centre, low, high = date_range(plan.commission)
            lane = f"Fab: {display(foundry, {'huawei_fabs': 'Huawei'})} {fab}"
            marks.append(Mark(lane, centre, low, high, "commissioned", "fab"))
    return marks


def quota_marks(scenario: Scenario) -> list[Mark]:
    """Each segment's quota deadlines: points where the required share steps up."""
    marks = []
    for name, segment in scenario.segments.items():
        if segment.quota is None:
            continue
        previous = 0.0
        for month, value in sorted(segment.quota.points.items()):
            if value > previous:
                ordinal = parse_month(month)
                lane = f"Quota: {display(name, SEGMENT_NAMES)}"
                marks.append(Mark(lane, ordinal, ordinal, ordinal, f"{value:.0%}", "quota"))
            previous = value
    return marks


def availability(scenario: Scenario, product: str, first: int, last: int):
    """Month ordinals and licence x guidance share at central event dates."""
    spec = scenario.imports[product]
    months = np.arange(first, last + 1)
    level = {
        "licence": np.full(months.size, spec.licence),
        "guidance": np.full(months.size, spec.guidance),
        "customs": np.ones(months.size),
    }
    for event in sorted(
        (
            e
            for e in scenario.events.values()
            if e.enabled and e.product == product and e.kind in level and not e.segments
        ),
        key=lambda e: e.date.central,
    ):
        level[event.kind] = np.where(
            months >= event.date.central, event.value.central, level[event.kind]
        )
    return months, level["licence"] * level["guidance"] * level["customs"]


def policy_timeline(
    scenario: Scenario, projection: Series, source: str, compact: bool = False
) -> Figure:
    """Draw the announced-quota projection above lanes of dated policy marks, and a key."""
    first, last = parse_month(scenario.calendar.start), parse_month(scenario.calendar.end)
    marks = import_marks(scenario) + fab_marks(scenario) + quota_marks(scenario)
    lanes = list(dict.fromkeys(m.lane for m in marks))
    numbered = [m for m in marks if m.number]
    lines = key_lines(numbered, KEY_CHARS[compact])
    key_rows = len(lines) if compact else (len(lines) + 1) // 2
    width = COMPACT if compact else WIDE
    lane_height = 0.7 if compact else 0.34
    fig = new_figure(width, 2.6 + lane_height * len(lanes) + KEY_ROW * key_rows + 0.9)
    grid = fig.add_gridspec(
        4,
        1,
        height_ratios=[
            0.5 if compact else 0.18,
            1.9,
            lane_height * len(lanes) + 0.3,
            KEY_ROW * key_rows + 0.1,
        ],
    )
    top = fig.add_subplot(grid[1])
    lanes_ax = fig.add_subplot(grid[2], sharex=top)
    draw_projection(top, projection, numbered)
    draw_lanes(lanes_ax, scenario, lanes, marks, (first, last), inline=compact)
    years = (first // 12, last // 12)
    year_axis(top, years, short=compact)
    year_axis(lanes_ax, years, short=compact)
    top.tick_params(labelbottom=False)
    legend_axes(fig, grid[0], timeline_legend(), ncols=2 if compact else 4)
    draw_key(fig.add_subplot(grid[3]), lines, 1 if compact else 2)
    add_title(fig, "Policy timeline and the projected domestic share (announced quotas)")
    add_source(fig, source)
    return fig


def draw_projection(ax, projection: Series, numbered: list[Mark]) -> None:
    """Median and bands of the share, with a numbered line at each import event."""
    draw_fan(ax, projection)
    for mark in numbered:
        x = month_x(mark.month)
        ax.axvline(x, color=OPEN if mark.kind == "open" else CLOSED, lw=0.7, alpha=0.6)
    ax.set_ylim(0, 1)
    percent_axis(ax.yaxis)
    ax.set_ylabel("Domestic share\nof chips")


LABEL_CHAR_INCHES = 0.08  # a bold 10-pt digit, comma or space, on average (about 5.7 pt)


def draw_lanes(ax, scenario, lanes, marks, span: tuple[int, int], inline: bool) -> None:
    """One row per lane: import availability bars, fab dates, quota points.

    ``inline`` writes lane names inside the plot above each lane (narrow figures).
    """
    first, last = span
    rows = {lane: i for i, lane in enumerate(lanes)}
    for product in scenario.imports:
        if import_lane(product) in rows:
            months, share = availability(scenario, product, first, last)
            y = rows[import_lane(product)]
            for start, stop, level in runs(share):
                if level > 0:
                    ax.barh(
                        y,
                        (stop - start) / 12,
                        left=month_x(months[start]),
                        height=0.5,
                        color=OKABE_ITO["orange"],
                        alpha=0.25 + 0.6 * level,
                        lw=0,
                    )
    for mark in marks:
        draw_mark(ax, rows[mark.lane], mark, "" if mark.number else mark.text, below=inline)
    inches = ax.get_position().width * ax.figure.get_figwidth()
    char_years = LABEL_CHAR_INCHES * (last - first + 1) / 12 / max(inches, 0.1)
    for lane, x, label in number_labels(marks, char_years):
        ax.annotate(
            label,
            (x, rows[lane]),
            xytext=(0, -6 if inline else 5),
            textcoords="offset points",
            ha="center",
            va="top" if inline else "bottom",
            fontsize=MIN_FONT_PT,
            fontweight="bold",
        )
    ax.set_yticks(range(len(lanes)), [] if inline else lanes)
    if inline:
        for lane, y in rows.items():
            ax.text(
                month_x(first) + 0.03,
                y - 0.3,
                lane,
                fontsize=MIN_FONT_PT,
                color="#333333",
                va="bottom",
                ha="left",
            )
        ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(lanes) - 0.4, -0.75 if inline else -0.6)
    ax.grid(axis="y", visible=False)


def number_labels(marks: list[Mark], char_years: float) -> list[tuple[str, float, str]]:
    """(lane, x, "13, 14, 16"): numbered marks of a lane whose labels would touch share one.

    ``char_years`` is the width of one label character in years on the axis;
    neighbouring labels are merged until no two overlap (with a character's
    gap), so a narrow figure gets fewer, longer labels instead of a pile-up.
    """
    out = []
    for lane in dict.fromkeys(m.lane for m in marks if m.number):
        groups: list[list[Mark]] = []
        for mark in sorted(
            (m for m in marks if m.lane == lane and m.number), key=lambda m: m.month
        ):
            groups.append([mark])
            while len(groups) > 1 and touching(groups[-2], groups[-1], char_years):
                groups[-2:] = [groups[-2] + groups[-1]]
        out += [cluster_label(lane, group) for group in groups]
    return out


def touching(left: list[Mark], right: list[Mark], char_years: float) -> bool:
    """Whether the two clusters' centred labels would overlap or touch."""
    (_, a, text_a), (_, b, text_b) = cluster_label("", left), cluster_label("", right)
    return b - a < ((len(text_a) + len(text_b)) / 2 + 1) * char_years


def cluster_label(lane: str, group: list[Mark]) -> tuple[str, float, str]:
    """One label for a cluster of marks, at their mean date."""
    x = float(np.mean([month_x(m.month) for m in group]))
    return lane, x, ", ".join(str(m.number) for m in group)


def runs(values: np.ndarray) -> list[tuple[int, int, float]]:
    """Maximal runs of equal values: (start index, stop index, value)."""
    edges = [0] + [i for i in range(1, values.size) if values[i] != values[i - 1]] + [values.size]
    return [(a, b, float(values[a])) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def draw_mark(ax, y: int, mark: Mark, label: str, below: bool = False) -> None:
    """Draw a marker, its date range bracket and its label (event numbers or a quota share)."""
    x = month_x(mark.month)
    if mark.high > mark.low:
        ax.plot(
            [month_x(mark.low), month_x(mark.high)], [y, y], color="black", lw=1, marker="|", ms=7
        )
    style = {
        "open": ("^", OPEN),
        "close": ("v", CLOSED),
        "fab": ("D", OKABE_ITO["green"]),
        "quota": ("o", OKABE_ITO["purple"]),
    }[mark.kind]
    ax.plot([x], [y], marker=style[0], color=style[1], ms=6.5, mec="black", mew=0.5)
    if mark.kind != "fab" and label:
        ax.annotate(
            label,
            (x, y),
            xytext=(0, -6 if below else 5),
            textcoords="offset points",
            ha="center",
            va="top" if below else "bottom",
            fontsize=MIN_FONT_PT,
            fontweight="bold",
        )


KEY_CHARS = {True: 33, False: 40}  # characters of text per key line: phone, desktop column
KEY_ROW = 0.21  # inches per key line (10 pt)
KEY_HEAD = 1.1  # inches of "14  2026-01" and a gap, at 10 pt


def key_lines(numbered: list[Mark], chars: int) -> list[tuple[str, str]]:
    """Split the numbered events into key lines: ("14  2026-01", text), then ("", more)."""
    lines = []
    for mark in numbered:
        wrapped = textwrap.wrap(mark.text, chars) or [""]
        lines.append((f"{mark.number:>2}  {format_month(int(mark.month))}", wrapped[0]))
        lines += [("", rest) for rest in wrapped[1:]]
    return lines


def draw_key(ax, lines: list[tuple[str, str]], columns: int) -> None:
    """Write the key lines in ``columns`` columns: number and month, then what changed."""
    ax.set_axis_off()
    per_column = max(1, -(-len(lines) // columns))
    size = MIN_FONT_PT
    inches = ax.get_position().width * ax.figure.get_figwidth()
    indent = KEY_HEAD * size / 10 / max(inches, 1.0)  # the text starts after "14  2026-01"
    for i, (head, text) in enumerate(lines):
        column, row = divmod(i, per_column)
        x, y = column / columns, 1 - (row + 0.5) / per_column
        ax.text(x, y, head, transform=ax.transAxes, fontsize=size, va="center", ha="left")
        ax.text(x + indent, y, text, transform=ax.transAxes, fontsize=size, va="center", ha="left")


def timeline_legend() -> list:
    """Legend handles for the timeline."""

    def marker(shape, colour, label):
        return Line2D([], [], ls="", marker=shape, color=colour, mec="black", mew=0.5, label=label)

    return [
        marker("^", OPEN, "Import opened"),
        marker("v", CLOSED, "Import restricted"),
        Patch(color=OKABE_ITO["orange"], alpha=0.6, label="Import allowed (darker = more)"),
        marker("D", OKABE_ITO["green"], "Fab commissioned"),
        marker("o", OKABE_ITO["purple"], "Quota deadline (share)"),
        Line2D([], [], color="black", marker="|", label="Date range (uncertain)"),
        Patch(color=BAND, alpha=0.4, label="Share: 50% / 90% bands"),
    ]
