"""The report as a PDF (A4 portrait) through matplotlib's PdfPages: same content as the HTML.

Pages: a cover (headline, run facts, contents), one page per figure with its
reading, the assumptions and sources tables over as many pages as they need,
and the run manifest. Figures are placed as 200-dpi images so each page keeps
the figure's own layout.
"""

from __future__ import annotations

import io
import textwrap

import matplotlib.image as mpimg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from sim.report.document import Document, FigureBlock, Table
from sim.report.render import figure_png
from sim.report.style import GREY, house_style

PAGE = (8.27, 11.69)
MARGIN = 0.6
LINE = 0.165  # inches per 9-pt text line
PDF_DPI = 200
# Table column widths in inches (they sum to the text width, 7.07 in).
WIDTHS = {"assumptions": (2.55, 1.75, 1.05, 1.1, 0.62),
          "sources": (0.42, 2.6, 1.25, 0.65, 2.15)}
ROW_LINE = 0.115  # inches per 6.5-pt table line


def page() -> Figure:
    """Return a blank A4 page."""
    return Figure(figsize=PAGE)


def inch(fig: Figure, x: float, y_from_top: float) -> tuple[float, float]:
    """Figure fraction of a point given in inches from the top-left corner."""
    return x / PAGE[0], 1 - y_from_top / PAGE[1]


def write(fig: Figure, x: float, y: float, text: str, width: int, size: float = 9.0,
          **kw) -> float:
    """Write wrapped text from (x, y) inches (top-left); return the y below it."""
    lines = [line for para in text.split("\n") for line in (textwrap.wrap(para, width) or [""])]
    fig.text(*inch(fig, x, y), "\n".join(lines), va="top", ha="left", fontsize=size,
             linespacing=1.35, **kw)
    return y + len(lines) * LINE * size / 9.0 + 0.1


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
    fig.patches.append(FancyBboxPatch((x0, y0), (PAGE[0] - 2 * MARGIN) / PAGE[0],
                                      (y + 0.05 - top) / PAGE[1], boxstyle="round,pad=0.004",
                                      transform=fig.transFigure, facecolor="#EEF5FB",
                                      edgecolor="#0072B2", lw=1.2, zorder=-1))
    y = write(fig, MARGIN, y + 0.45, "Run", 40, 12, fontweight="bold")
    for key, value in doc.facts:
        fig.text(*inch(fig, MARGIN, y), key, va="top", fontsize=8.5, color=GREY)
        y = write(fig, MARGIN + 1.4, y, value, 88, 8.5)
    y = write(fig, MARGIN, y + 0.3, "Contents", 40, 12, fontweight="bold")
    entries = [f"{s.title}: " + ", ".join(b.title for b in s.blocks) for s in doc.sections]
    for i, entry in enumerate(entries + ["Run manifest"], start=1):
        y = write(fig, MARGIN, y, f"{i}. {entry}", 110, 9)
    return fig


def figure_page(section: str, block: FigureBlock) -> Figure:
    """Lay out a figure fitted to the page width (or the space left) with its reading below."""
    fig = page()
    y = write(fig, MARGIN, MARGIN, section.upper(), 80, 8, color=GREY)
    y = write(fig, MARGIN, y, block.title, 70, 13, fontweight="bold")
    png, width, height = figure_png(block, compact=False, dpi=PDF_DPI)
    reading_lines = len(textwrap.wrap(block.reading, 100)) + 1
    room = PAGE[1] - y - MARGIN - reading_lines * LINE * 1.05 - 0.2
    w = PAGE[0] - 2 * MARGIN
    h = w * height / width
    if h > room:
        w, h = w * room / h, room
    left = (PAGE[0] - w) / 2
    ax = fig.add_axes((left / PAGE[0], 1 - (y + h) / PAGE[1], w / PAGE[0], h / PAGE[1]))
    ax.imshow(mpimg.imread(io.BytesIO(png), format="png"), interpolation="lanczos")
    ax.set_axis_off()
    write(fig, MARGIN, y + h + 0.2, block.reading, 100, 9.5)
    return fig


def wrapped_row(row: list[str], widths: tuple[float, ...]) -> list[list[str]]:
    """Each cell wrapped to its column (about 15 characters per inch at 6.5 pt)."""
    return [textwrap.wrap(cell, max(4, int(w * 15.5)), break_long_words=True) or [""]
            for cell, w in zip(row, widths, strict=True)]


def paginate(table: Table, first_room: float, room: float) -> list[list[list[list[str]]]]:
    """Rows (wrapped) split into pages by height: the first page has less room."""
    widths = WIDTHS.get(table.key, tuple(7.07 / len(table.columns) for _ in table.columns))
    pages, current, used, limit = [], [], 0.0, first_room
    for row in table.rows:
        cells = wrapped_row(row, widths)
        height = max(len(c) for c in cells) * ROW_LINE + 0.06
        if current and used + height > limit:
            pages.append(current)
            current, used, limit = [], 0.0, room
        current.append(cells)
        used += height
    return pages + [current] if current else pages


def table_chunks(table: Table) -> list:
    """Return the table's wrapped rows, page by page."""
    note_lines = len(textwrap.wrap(table.note, 110)) if table.note else 0
    body = PAGE[1] - 2 * MARGIN - 0.75
    return paginate(table, body - note_lines * LINE, body)


def table_page_count(table: Table) -> int:
    """How many pages the table takes."""
    return len(table_chunks(table))


def table_pages(table: Table) -> list[Figure]:
    """Lay out the table over as many pages as its rows need, header repeated."""
    widths = WIDTHS.get(table.key, tuple(7.07 / len(table.columns) for _ in table.columns))
    figures = []
    for number, rows in enumerate(table_chunks(table)):
        fig = page()
        title = table.title + (f" (continued, page {number + 1})" if number else "")
        y = write(fig, MARGIN, MARGIN, title, 80, 12, fontweight="bold")
        if number == 0 and table.note:
            y = write(fig, MARGIN, y, table.note, 110, 8, color=GREY)
        y = table_rows(fig, y, [[[c] for c in table.columns]], widths, bold=True)
        table_rows(fig, y, rows, widths)
        figures.append(fig)
    return figures


def table_rows(fig: Figure, y: float, rows, widths, bold: bool = False) -> float:
    """Draw wrapped rows from y (inches from the top); returns the y below them."""
    for cells in rows:
        x = MARGIN
        for lines, w in zip(cells, widths, strict=True):
            fig.text(*inch(fig, x, y), "\n".join(lines), va="top", ha="left", fontsize=6.5,
                     linespacing=1.25, fontweight="bold" if bold else "normal")
            x += w
        y += max(len(c) for c in cells) * ROW_LINE + 0.06
        fig.add_artist(_rule(fig, y - 0.03))
    return y


def _rule(fig: Figure, y: float):
    """Return a thin horizontal line across the text width at y inches from the top."""
    from matplotlib.lines import Line2D
    x0, yy = inch(fig, MARGIN, y)
    x1, _ = inch(fig, PAGE[0] - MARGIN, y)
    return Line2D([x0, x1], [yy, yy], transform=fig.transFigure, color="#DDDDDD", lw=0.5)


def manifest_page(doc: Document) -> Figure:
    """Return the run's facts; the resolved scenario itself is the assumptions table."""
    fig = page()
    y = write(fig, MARGIN, MARGIN, "Run manifest", 60, 13, fontweight="bold")
    for key, value in doc.facts:
        fig.text(*inch(fig, MARGIN, y), key, va="top", fontsize=8.5, color=GREY)
        y = write(fig, MARGIN + 1.4, y, value, 88, 8.5)
    write(fig, MARGIN, y + 0.2, "Every parameter of the resolved scenario stored in "
          "manifest.json appears with its value in the assumptions table; the file itself "
          "sits in the run directory.", 110, 8.5, color=GREY)
    return fig


def pages(doc: Document, tick=None):
    """Every page of the report, in order (figures drawn one at a time; ``tick(1)`` after each)."""
    yield cover(doc)
    for section in doc.sections:
        for block in section.blocks:
            if isinstance(block, FigureBlock):
                yield figure_page(section.title, block)
                if tick:
                    tick(1)
            else:
                yield from table_pages(block)
    yield manifest_page(doc)


def render_pdf(doc: Document, tick=None) -> bytes:
    """Return the report as PDF bytes (fixed metadata dates, so equal inputs give equal bytes)."""
    buffer = io.BytesIO()
    with house_style(), PdfPages(buffer, metadata={"Title": doc.title, "Creator": "chipsim",
                                                   "CreationDate": None}) as pdf:
        for fig in pages(doc, tick):
            pdf.savefig(fig)
    return buffer.getvalue()
