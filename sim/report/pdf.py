"""The report as a PDF (A4) through matplotlib's PdfPages: same content as the HTML.

Pages: a cover (headline, run facts, the run manifest, contents), one portrait
page per figure with its reading, tables on landscape pages
(sim.report.pdf_tables). A short, narrow table that follows a figure is set
below the figure's reading, and text that follows a table below its rows, when
they fit; a section that is only text is printed above the next page's content.
No page is left nearly blank. Figures are placed as 200-dpi images so each page
keeps the figure's own layout.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

import matplotlib.image as mpimg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from sim.report.document import Document, FigureBlock, Section, Table, TextBlock
from sim.report.pdf_tables import (
    LINE,
    MARGIN,
    PAGE,
    PROSE_EM,
    TEXT_GAP,
    fits_below,
    inch,
    page,
    table_below,
    table_pages,
    write,
)
from sim.report.render import render_figure
from sim.report.style import GREY, PRINT_MIN_PT, house_style

PDF_DPI = 200
READING_SIZES = (9.5, 9.0, 8.5)  # a figure's reading, smaller only so the figure prints legibly


def cover(doc: Document) -> Figure:
    """Title, headline box, facts and contents."""
    fig = page()
    y = write(fig, MARGIN, MARGIN, doc.title, 48, 18, fontweight="bold")
    if doc.subtitle:
        y = write(fig, MARGIN, y, doc.subtitle, 90, 10, color=GREY)
    top = y + 0.15
    y = write(fig, MARGIN + 0.25, top + 0.2, doc.headline, 60, 14, fontweight="bold")
    y = write(fig, MARGIN + 0.25, y, doc.headline_note, 100, 8.5, color="#333333")
    x0, y0 = inch(fig, MARGIN, y + 0.05)
    fig.patches.append(
        FancyBboxPatch(
            (x0, y0),
            (PAGE[0] - 2 * MARGIN) / PAGE[0],
            (y + 0.05 - top) / PAGE[1],
            boxstyle="round,pad=0.004",
            transform=fig.transFigure,
            facecolor="#EEF5FB",
            edgecolor="#0072B2",
            lw=1.2,
            zorder=-1,
        )
    )
    y = write(fig, MARGIN, y + 0.45, "Run manifest", 40, 12, fontweight="bold")
    y = manifest_facts(fig, doc, y)
    y = write(fig, MARGIN, y + 0.3, "Contents", 40, 12, fontweight="bold")
    entries = [f"{s.title}: " + ", ".join(b.title for b in s.blocks) for s in doc.sections]
    for i, entry in enumerate(entries, start=1):
        y = write(fig, MARGIN, y, f"{i}. {entry}", 110, 9)
    return fig


def figure_page(section: str, block: FigureBlock, intro: str = "") -> tuple[Figure, float]:
    """Lay out a figure fitted to the page width (or the space left) with its reading below.

    Returns the page and where its reading ends (inches from the top).
    """
    fig = page()
    y = write(fig, MARGIN, MARGIN, section.upper(), 80, 8, color=GREY)
    if intro:
        y = write(fig, MARGIN, y, intro, 100, 9.5)
    y = write(fig, MARGIN, y, block.title, 70, 13, fontweight="bold")
    drawn = render_figure(block, compact=False, dpi=PDF_DPI)
    for size in READING_SIZES:  # the largest reading that leaves the figure legible
        w, h = placement(drawn.width, drawn.height, y, block.reading, size)
        if drawn.min_font_pt * w * PDF_DPI / drawn.width >= PRINT_MIN_PT:  # printed size
            break
    left = (PAGE[0] - w) / 2
    ax = fig.add_axes((left / PAGE[0], 1 - (y + h) / PAGE[1], w / PAGE[0], h / PAGE[1]))
    ax.imshow(mpimg.imread(io.BytesIO(drawn.png), format="png"), interpolation="none")
    ax.set_axis_off()
    return fig, write(fig, MARGIN, y + h + 0.2, block.reading, 110, size)


def placement(width: int, height: int, y: float, reading: str, size: float) -> tuple[float, float]:
    """Width and height (inches) of a figure set from y, the page width or the height left.

    The height left is what the reading below it, in ``size`` points, leaves.
    """
    w = PAGE[0] - 2 * MARGIN
    chars = int(w * 72 / (PROSE_EM * size))
    lines = len(textwrap.wrap(reading, chars)) + 1
    room = PAGE[1] - y - MARGIN - lines * LINE * size / 9.0 * 1.05 - 0.2
    h = w * height / width
    return (w * room / h, room) if h > room else (w, h)


def manifest_facts(fig: Figure, doc: Document, y: float) -> float:
    """Write the run's facts from y (inches); the resolved scenario is the assumptions table."""
    for key, value in doc.facts:
        fig.text(*inch(fig, MARGIN, y), key, va="top", fontsize=8.5, color=GREY)
        y = write(fig, MARGIN + 1.4, y, value, 88, 8.5)
    return write(
        fig,
        MARGIN,
        y + 0.1,
        "Every parameter of the resolved scenario stored in "
        "manifest.json appears with its value in the assumptions table; the file "
        "itself sits in the run directory.",
        110,
        8.5,
        color=GREY,
    )


def closing_page(doc: Document, carried: str) -> Figure:
    """Return a last page for text that follows every figure and table, with the run's facts."""
    fig = page()
    y = write(fig, MARGIN, MARGIN, carried, 100, 10)
    y = write(fig, MARGIN, y + 0.2, "Run manifest", 60, 13, fontweight="bold")
    manifest_facts(fig, doc, y)
    return fig


def pages(doc: Document, tick=None):
    """Every page of the report, in order (figures drawn one at a time; ``tick(1)`` after each)."""
    yield cover(doc)
    carried = ""  # sections that are only text, printed above the next page's content
    for section in doc.sections:
        if section.intro and not section.blocks:
            carried = joined(carried, f"{section.title}: {section.intro}")
            continue
        left = yield from section_pages(section, joined(carried, section.intro), tick)
        carried = f"{section.title}: {left}" if left else ""
    if carried:  # the cover holds the run manifest; only trailing text needs a page
        yield closing_page(doc, carried)


def section_pages(section: Section, intro: str, tick=None):
    """Yield one section's pages; return its text left over for the next page.

    A text block prints below the table it follows (when it fits), else above
    the next block's page; a short table may share its figure's page.
    """
    blocks, shared = section.blocks, -1
    for i, block in enumerate(blocks):
        if isinstance(block, TextBlock):
            if not (i and isinstance(blocks[i - 1], Table)):
                intro = joined(intro, f"{block.title}: {block.text}")
        elif isinstance(block, FigureBlock):
            fig, took, intro = figure_with_table(section.title, blocks, i, intro)
            shared = i + 1 if took else -1
            if tick:
                tick(1)
            yield fig
        elif i != shared:
            figures, intro = table_pages(block, intro, texts_after(blocks, i))
            yield from figures
    return intro


def figure_with_table(title: str, blocks: Sequence, i: int, intro: str) -> tuple[Figure, bool, str]:
    """Lay out figure ``i``, with the table after it when that fits below its reading.

    Returns the page, whether the table was set there, and the text left to carry
    (the table's following text when it did not fit on the page too).
    """
    fig, bottom = figure_page(title, blocks[i], intro)
    following = blocks[i + 1] if i + 1 < len(blocks) else None
    end = table_below(fig, bottom, following) if isinstance(following, Table) else None
    if end is None:
        return fig, False, ""
    text = texts_after(blocks, i + 1)
    if text and fits_below(fig, end + TEXT_GAP, text):
        write(fig, MARGIN, end + TEXT_GAP, text, 110, 9)
        text = ""
    return fig, True, text


def joined(*texts: str) -> str:
    """Return the non-empty texts joined by spaces."""
    return " ".join(t for t in texts if t)


def texts_after(blocks: Sequence, index: int) -> str:
    """Return the text blocks that directly follow block ``index``, as one paragraph."""
    texts = []
    for block in blocks[index + 1 :]:
        if not isinstance(block, TextBlock):
            break
        texts.append(f"{block.title}: {block.text}")
    return " ".join(texts)


def render_pdf(doc: Document, tick=None) -> bytes:
    """Return the report as PDF bytes (fixed metadata dates, so equal inputs give equal bytes)."""
    buffer = io.BytesIO()
    with (
        house_style(),
        PdfPages(
            buffer, metadata={"Title": doc.title, "Creator": "chipsim", "CreationDate": None}
        ) as pdf,
    ):
        for fig in pages(doc, tick):
            pdf.savefig(fig)
    return buffer.getvalue()
