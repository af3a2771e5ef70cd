"""House style for every figure: Okabe-Ito colours, fonts, percent axes and source lines.

The Okabe-Ito palette stays distinguishable under the common colour-vision
deficiencies; quota levels also differ in line style, so no reader depends on
colour alone.

Labels use DejaVu Sans; characters it lacks (segment and vendor ids in Chinese,
Japanese or Korean) fall back glyph by glyph to an installed CJK font (.ci/run
installs Debian's fonts-wqy-microhei). Without one they are drawn as empty boxes,
and one MissingGlyphWarning names their script instead of one warning a glyph.
"""

from __future__ import annotations

import logging
import math
import re
import textwrap
import unicodedata
import warnings
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
GREY = "#6B6B6B"
LEVEL_COLOURS = ("#000000", "#E69F00", "#0072B2", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")
LEVEL_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (3, 1)))

# Figure widths in inches: "wide" for desktop pages and the PDF, "compact" for phones.
WIDE = 10.0
COMPACT = 4.6

# The smallest text a figure may hold, in points, in either layout. A figure W
# inches wide shown D CSS pixels wide draws a p-point text p * D / (72 * W) px
# high, whatever its dpi. The HTML shows compact drawings up to PHONE_MAX_CSS
# viewports and wide ones above (sim/report/html.py):
# - compact, 4.6 in on a 360-px phone (main's padding and the image's border
#   leave 335 px): 1 pt = 335 / (72 * 4.6) = 1.01 px; on a 390-px phone 1.10 px;
# - wide, 10 in from a 761-px viewport (729 px shown): 1 pt = 1.01 px; at
#   1280 px (1086 px shown, main is 1120 px wide) 1.51 px;
# - print: the PDF sets a 10-in figure 7.07 in wide (A4 less margins), so a
#   10-pt text prints at 7.1 pt.
# So 10 pt is at least 10 CSS px on every screen from 360 px and 7 pt on paper.
MIN_FONT_PT = 10.0
PHONE_MAX_CSS = 760  # the widest viewport served the compact drawings
PRINT_MIN_PT = 7.0  # the smallest figure text on paper (PDF), in points

RC: dict[Any, Any] = {  # matplotlib types its keys as a Literal of rcParams names
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.title_fontsize": 10,
    "figure.titlesize": 12.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.family": "DejaVu Sans",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
}


BASE_FONT = "DejaVu Sans"
# Fonts that draw what DejaVu Sans lacks, tried in this order glyph by glyph; the
# first is Debian's fonts-wqy-microhei (5 MB installed: Han, kana and every Hangul
# syllable), which .ci/run installs. Only those matplotlib finds are listed.
FALLBACK_FONTS = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)
FONT_PACKAGE = "fonts-wqy-microhei"


class MissingGlyphWarning(UserWarning):
    """Labels hold characters that no installed font can draw (they show as boxes)."""


@contextmanager
def house_style():
    """Apply the house rcParams, with the installed fallback fonts, inside the block.

    matplotlib's one warning per missing glyph is gathered into one
    MissingGlyphWarning (see ``summarise_missing_glyphs``); other warnings pass on.
    """
    families = font_families()
    with (
        summarise_missing_glyphs(families),
        regular_fallback_weights(),
        mpl.rc_context({**RC, "font.family": list(families)}),
    ):
        yield


class FallbackWeightFilter(logging.Filter):
    """Drop findfont's note that a fallback font has no bold face.

    fonts-wqy-microhei has one weight, so bold titles draw their CJK glyphs in
    it; matplotlib says so once per font size, which is expected, not news.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but a fallback font's missing weight."""
        args = record.args if isinstance(record.args, tuple) else ()
        return not (
            str(record.msg).startswith("findfont: Failed to find font weight")
            and len(args) > 1
            and args[1] in FALLBACK_FONTS
        )


@contextmanager
def regular_fallback_weights():
    """Inside the block, the fallback fonts' missing bold faces are not logged."""
    logger = logging.getLogger("matplotlib.font_manager")
    quiet = FallbackWeightFilter()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


@lru_cache(maxsize=1)
def font_families() -> tuple[str, ...]:
    """DejaVu Sans, then each of FALLBACK_FONTS that matplotlib finds on this machine.

    matplotlib lists the system's fonts once, in a cache it keeps; a font
    installed after that (``apt-get install fonts-wqy-microhei``) is looked for
    among the system's font files when no fallback font is known.
    """
    from matplotlib import font_manager

    def known() -> set[str]:
        return {font.name for font in font_manager.fontManager.ttflist}

    names = known()
    if not names.intersection(FALLBACK_FONTS):
        listed = {font.fname for font in font_manager.fontManager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in listed:
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # unreadable or not a font
                    continue
        names = known()
    return (BASE_FONT, *(name for name in FALLBACK_FONTS if name in names))


GLYPH_WARNING = re.compile(r"Glyph (\d+) \(.*\) missing from font\(s\) ")
CJK_SCRIPTS = ("Han", "Kana", "Hangul", "Bopomofo")
_SUMMARISED: set[str] = set()  # script groups already named in a warning, in this process


@contextmanager
def summarise_missing_glyphs(families):
    """Gather matplotlib's per-glyph "missing from font" warnings raised inside the block.

    They become one MissingGlyphWarning naming the characters' scripts, once a
    process for each group of scripts (CJK, or any other script), so a report
    whose ids no installed font covers says so in one line, not once a glyph.
    Every other warning is passed on unchanged.
    """
    missing: dict[str, None] = {}
    try:
        with warnings.catch_warnings(record=True) as caught:
            yield
    finally:
        for caught_warning in caught:
            match = GLYPH_WARNING.match(str(caught_warning.message))
            if match:
                missing[chr(int(match[1]))] = None
            else:
                warnings.warn_explicit(
                    caught_warning.message,
                    caught_warning.category,
                    caught_warning.filename,
                    caught_warning.lineno,
                    source=caught_warning.source,
                )
        if missing:
            warn_missing_glyphs(list(missing), families)


def script(char: str) -> str:
    """Name the Unicode script of ``char`` from its name: "Han", "Kana", "Hangul", "Arabic"..."""
    name = unicodedata.name(char, "")
    words = name.split(" ")
    for script_name, marks in (
        ("Kana", ("HIRAGANA", "KATAKANA")),
        ("Hangul", ("HANGUL",)),
        ("Bopomofo", ("BOPOMOFO",)),
        ("Han", ("CJK", "IDEOGRAPH", "IDEOGRAPHIC", "KANGXI")),
    ):
        if any(mark in words for mark in marks):
            return script_name
    if any(word in words for word in ("LETTER", "SYLLABLE", "DIGIT", "VOWEL", "CHARACTER")):
        return words[0].title()
    return "symbols"


def warn_missing_glyphs(chars: list[str], families) -> None:
    """Warn once (per script group, per process) that ``chars`` are drawn as boxes."""

    def group(char: str) -> str:
        return "CJK" if script(char) in CJK_SCRIPTS else script(char)

    chars = [c for c in chars if group(c) not in _SUMMARISED]
    if not chars:
        return
    groups = {group(c) for c in chars}
    _SUMMARISED.update(groups)
    cjk = sorted({script(c) for c in chars} & set(CJK_SCRIPTS))
    named = ", ".join(sorted(groups - {"CJK"}) + ([f"CJK ({', '.join(cjk)})"] if cjk else []))
    shown = "".join(chars[:12]) + ("..." if len(chars) > 12 else "")
    advice = (
        f"install a CJK font (Debian: apt-get install {FONT_PACKAGE})"
        if cjk
        else "install a font that covers them"
    )
    warnings.warn(
        f"figure labels hold {named} characters ({shown}) that the fonts found "
        f"({', '.join(families)}) cannot draw: they show as empty boxes; {advice} "
        "(said once)",
        MissingGlyphWarning,
        stacklevel=2,
    )


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
    return {
        "color": LEVEL_COLOURS[index % len(LEVEL_COLOURS)],
        "linestyle": LEVEL_STYLES[index % len(LEVEL_STYLES)],
    }


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
    chars = max(30, int((fig.get_figwidth() - 0.1) * 72 / (0.62 * MIN_FONT_PT)))
    fig.supxlabel(
        "\n".join(textwrap.wrap(source, chars)),
        x=0.005,
        ha="left",
        fontsize=MIN_FONT_PT,
        color=GREY,
        linespacing=1.25,
    )


def add_title(fig: Figure, title: str) -> None:
    """Add a bold, left-aligned figure title, wrapped to the figure's width."""
    chars = max(30, int(fig.get_figwidth() * 9))
    fig.suptitle("\n".join(textwrap.wrap(title, chars)), x=0.005, ha="left", fontweight="bold")


def fit(text: str, inches: float, fontsize: float) -> str:
    """Wrap ``text`` to lines that fit ``inches`` at ``fontsize`` points (DejaVu Sans)."""
    chars = max(12, int(inches * 72 / (0.56 * fontsize)))
    return "\n".join(textwrap.wrap(text, chars)) if len(text) > chars else text


def panel_title(
    ax, text: str, compact: bool, size: float | None = None, inches: float | None = None
) -> None:
    """Set a bold left-aligned panel title, wrapped in narrow figures to ``inches``.

    ``inches`` defaults to the figure's width less 0.7 in (the tick labels).
    """
    size = max(size or 11.0, MIN_FONT_PT)
    if compact:
        text = fit(text, inches or ax.figure.get_figwidth() - 0.7, size * 1.08)  # bold: wider
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


def drawn_texts(fig: Figure, drawn: bool = False) -> list:
    """Every text the figure draws: titles, labels, tick labels, legends, annotations.

    The figure is drawn first unless ``drawn`` says it just was (tick labels
    get their text at draw time); texts that are hidden, empty, or belong to an
    axes drawn without its axis (a legend-only axes) are left out.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    if not drawn:
        FigureCanvasAgg(fig).draw()
    hidden_axes = [ax for ax in fig.axes if not ax.axison]
    hidden = {
        id(t) for ax in hidden_axes for axis in (ax.xaxis, ax.yaxis) for t in axis.findobj(Text)
    }

    def shown(text) -> bool:
        return (
            text.get_visible()
            and text.get_text().strip() != ""
            and id(text) not in hidden
            and text.get_alpha() != 0
        )

    return [t for t in fig.findobj(Text) if shown(t)]


def min_font_size(fig: Figure, drawn: bool = False) -> float:
    """Return the smallest font size (points) among the texts ``fig`` draws (inf: none)."""
    return min((t.get_fontsize() for t in drawn_texts(fig, drawn)), default=math.inf)


def small_texts(fig: Figure, floor: float = MIN_FONT_PT) -> list[tuple[float, str]]:
    """(size, text) of every drawn text smaller than ``floor`` points: empty when legible."""
    return sorted(
        (t.get_fontsize(), t.get_text()[:40])
        for t in drawn_texts(fig)
        if t.get_fontsize() < floor - 1e-9
    )
