"""House style for every figure: Okabe-Ito colours, fonts, percent axes and source lines.

The Okabe-Ito palette stays distinguishable under the common colour-vision
deficiencies; quota levels also differ in line style, so no reader depends on
colour alone.
"""

from __future__ import annotations

import math
import textwrap
from contextlib import contextmanager

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
GREY = "#6B6B6B"
LEVEL_COLOURS = ("#000000", "#E69F00", "#0072B2", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")
LEVEL_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (3, 1)))

# Figure widths in inches: "wide" for desktop pages and the PDF, "compact" for phones.
WIDE = 10.0
COMPACT = 4.6

RC = {
    "font.size": 10, "axes.titlesize": 10.5, "axes.labelsize": 9.5, "xtick.labelsize": 9,
    "ytick.labelsize": 9, "legend.fontsize": 8.5, "figure.titlesize": 12.5,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "grid.color": "#DDDDDD", "grid.linewidth": 0.6, "axes.axisbelow": True,
    "figure.dpi": 100, "savefig.dpi": 150, "font.family": "DejaVu Sans",
    "svg.fonttype": "path", "pdf.fonttype": 42,
}


@contextmanager
def house_style():
    """Apply the house rcParams for the figures built inside the block."""
    with mpl.rc_context(RC):
        yield


def new_figure(width: float, height: float) -> Figure:
    """Return a Figure not attached to pyplot (so nothing is ever shown or leaked)."""
    return Figure(figsize=(width, height), layout="constrained")


def level_label(level: str) -> str:
    """``"announced"`` -> "Announced quotas"; ``"0.7"`` -> "70% quota"."""
    if level == "announced":
        return "Announced quotas"
    return f"{float(level):.0%} quota"


def level_style(index: int) -> dict:
    """Colour and line style of the ``index``-th quota level."""
    return {"color": LEVEL_COLOURS[index % len(LEVEL_COLOURS)],
            "linestyle": LEVEL_STYLES[index % len(LEVEL_STYLES)]}


def percent_axis(axis, decimals: int = 0) -> None:
    """Show a 0-1 axis as percentages."""
    axis.set_major_formatter(FuncFormatter(lambda x, _: f"{x * 100:.{decimals}f}%"))


def thousands_axis(axis, unit: str = "") -> None:
    """Show large counts as 1.2M / 350k."""
    axis.set_major_formatter(FuncFormatter(lambda x, _: si_number(x) + unit))


def si_number(x: float) -> str:
    """1234567 -> "1.2M", 35000 -> "35k", 12 -> "12"."""
    size = abs(x)
    if size >= 1e6:
        return f"{x / 1e6:.1f}M".replace(".0M", "M")
    if size >= 1e3:
        return f"{x / 1e3:.0f}k"
    return f"{x:.0f}"


def add_source(fig: Figure, source: str) -> None:
    """Add the source line, bottom left in small grey type, wrapped to the figure's width.

    Drawn as the figure's supxlabel so the constrained layout keeps room for it.
    """
    chars = max(40, int(fig.get_figwidth() * 17))
    fig.supxlabel("\n".join(textwrap.wrap(source, chars)), x=0.005, ha="left",
                  fontsize=7, color=GREY, linespacing=1.3)


def add_title(fig: Figure, title: str) -> None:
    """Add a bold, left-aligned figure title, wrapped to the figure's width."""
    chars = max(30, int(fig.get_figwidth() * 9))
    fig.suptitle("\n".join(textwrap.wrap(title, chars)), x=0.005, ha="left",
                 fontweight="bold")


def fit(text: str, inches: float, fontsize: float) -> str:
    """Wrap ``text`` to lines that fit ``inches`` at ``fontsize`` points (DejaVu Sans)."""
    chars = max(12, int(inches * 72 / (0.56 * fontsize)))
    return "\n".join(textwrap.wrap(text, chars)) if len(text) > chars else text


def panel_title(ax, text: str, compact: bool, size: float | None = None) -> None:
    """Set a bold left-aligned panel title, wrapped to the panel's width in narrow figures."""
    size = size or (9.5 if compact else 10.5)
    if compact:
        text = fit(text, ax.figure.get_figwidth() - 0.7, size * 1.08)  # bold runs wider
    ax.set_title(text, fontweight="bold", loc="left", fontsize=size)


def pct(x: float, decimals: int = 0) -> str:
    """0.423 -> "42%"; NaN -> "n/a"."""
    return "n/a" if not math.isfinite(x) else f"{x * 100:.{decimals}f}%"


def chance(p: float) -> str:
    """Format a probability so no possibility rounds away: 0.003 -> "<1%"."""
    shown = pct(p)
    if shown == "0%" and p > 0:
        return "<1%"
    if shown == "100%" and p < 1:
        return ">99%"
    return shown

