"""The report as a PDF (A4) through matplotlib's PdfPages: same content as the HTML.

Pages: a cover (headline, run facts, contents), one portrait page per figure
with its reading, tables on landscape pages in TABLE_FONT (as many as they
need, rows spread evenly, header repeated; a parameter name is only ever
broken at a dot). The run manifest is on the cover. A section that is only
text is printed above the next page's content, never on a page of its own. Figures are placed as
200-dpi images so each page keeps the figure's own layout.
"""

from __future__ import annotations

import io
import textwrap

import matplotlib.image as mpimg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from sim.report.document import Document, FigureBlock, Table, TextBlock
from sim.report.render import render_figure
from sim.report.style import GREY, PRINT_MIN_PT, house_style

PAGE = (8.27, 11.69)
LANDSCAPE = (11.69, 8.27)
MARGIN = 0.6
LINE = 0.165  # inches per 9-pt text line
PDF_DPI = 200
TEXT_WIDTH = LANDSCAPE[0] - 2 * MARGIN  # tables are set on landscape pages
# Table column widths in inches (they sum to the landscape text width, 10.49 in).
WIDTHS = {"assumptions": (2.95, 2.35, 1.3, 2.6, 1.29),
          "sources": (0.4, 5.0, 1.5, 0.45, 3.14)}  # other tables: fitted to their content
TABLE_FONT = 8.5  # points: tables wrap and run over more pages rather than shrink
ROW_LINE = 0.1 * TABLE_FONT / 6  # inches per table line (1.2 line spacing)
ROW_PAD = 0.045  # inches between rows
CHARS_PER_INCH = 19.5 * 6 / TABLE_FONT  # DejaVu Sans at TABLE_FONT, with a margin
PROSE_EM = 0.55  # the average width of a prose character, in ems (DejaVu Sans)
READING_SIZES = (9.5, 9.0, 8.5)  # a figure's reading, smaller only so the figure prints legibly


def page(size: tuple[float, float] = PAGE) -> Figure:
    """Return a blank A4 page (portrait by default)."""
    return Figure(figsize=size)


def inch(fig: Figure, x: float, y_from_top: float) -> tuple[float, float]:
    """Figure fraction of a point given in inches from the top-left corner."""
    width, height = fig.get_size_inches()
    return x / width, 1 - y_from_top / height


def write(fig: Figure, x: float, y: float, text: str, width: int, size: float = 9.0,
          **kw) -> float:
    """Write wrapped text from (x, y) inches (top-left); return the y below it.

    ``width`` (characters) is cut to what fits between x and the right margin.
    """
    room = fig.get_size_inches()[0] - x - MARGIN
    width = max(10, min(width, int(room * 72 / (PROSE_EM * size))))
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
    y = write(fig, MARGIN, y + 0.45, "Run manifest", 40, 12, fontweight="bold")
    y = manifest_facts(fig, doc, y)
    y = write(fig, MARGIN, y + 0.3, "Contents", 40, 12, fontweight="bold")
    entries = [f"{s.title}: " + ", ".join(b.title for b in s.blocks) for s in doc.sections]
    for i, entry in enumerate(entries, start=1):
        y = write(fig, MARGIN, y, f"{i}. {entry}", 110, 9)
    return fig


def figure_page(section: str, block: FigureBlock, intro: str = "") -> Figure:
    """Lay out a figure fitted to the page width (or the space left) with its reading below."""
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
    write(fig, MARGIN, y + h + 0.2, block.reading, 110, size)
    return fig


def placement(width: int, height: int, y: float, reading: str, size: float
              ) -> tuple[float, float]:
    """Width and height (inches) of a figure set from y, the page width or the height left.

    The height left is what the reading below it, in ``size`` points, leaves.
    """
    w = PAGE[0] - 2 * MARGIN
    chars = int(w * 72 / (PROSE_EM * size))
    lines = len(textwrap.wrap(reading, chars)) + 1
    room = PAGE[1] - y - MARGIN - lines * LINE * size / 9.0 * 1.05 - 0.2
    h = w * height / width
    return (w * room / h, room) if h > room else (w, h)


def wrap_name(name: str, chars: int) -> list[str]:
    """Wrap a dotted parameter name only after its dots (a part longer than a line stays whole)."""
    parts = [p + "." for p in name.split(".")[:-1]] + [name.split(".")[-1]]
    lines = [""]
    for part in parts:
        if lines[-1] and len(lines[-1]) + len(part) > chars:
            lines.append("")
        lines[-1] += part
    return lines


def wrap_cell(text: str, inches: float, column: str, bold: bool = False) -> list[str]:
    """One cell's lines: its own line breaks kept, then wrapped to the column, words whole."""
    chars = max(4, int(inches * CHARS_PER_INCH * (0.85 if bold else 1.0)))
    out = []
    for line in text.split("\n"):
        if column == "Parameter":
            out += wrap_name(line, chars)
        else:  # a range "381k–1.2M" may break after its dash
            wrapped = textwrap.wrap(line.replace(DASH, DASH + " "), chars,
                                    break_long_words=False, break_on_hyphens=False)
            out += [part.replace(DASH + " ", DASH) for part in wrapped] or [""]
    return out or [""]


DASH = "\u2013"
GAP = 0.1  # inches between columns


def words(text: str) -> list[str]:
    """Return the unbreakable pieces of a cell (a range breaks after its dash)."""
    return text.replace(DASH, DASH + " ").split()


def column_needs(table: Table) -> list[tuple[float, float]]:
    """Per column, in inches: the least width (its longest word) and its longest line's."""
    needs = []
    for k, column in enumerate(table.columns):
        cells = [row[k] for row in table.rows] + [column]
        lines = [line for cell in cells for line in cell.split("\n")]
        least = max((len(w) for line in lines for w in words(line)), default=1)
        longest = max((len(line) for line in lines), default=1)
        needs.append(((least + 1) / CHARS_PER_INCH + GAP, (longest + 1) / CHARS_PER_INCH + GAP))
    return needs


def widths_of(table: Table) -> tuple[float, ...]:
    """Column widths in inches: the table's own, else fitted to its content.

    Each column gets at least its longest word; the rest of the text width goes
    to the columns whose lines are longer, in proportion to what they lack.
    """
    widths = WIDTHS.get(table.key)
    if widths is not None and len(widths) == len(table.columns):
        return widths
    needs = column_needs(table)
    spare = TEXT_WIDTH - sum(least for least, _ in needs)
    lack = [max(longest - least, 0.0) for least, longest in needs]
    share = [x / sum(lack) if sum(lack) > 0 else 1 / len(needs) for x in lack]
    return tuple(least + max(spare, 0.0) * part for (least, _), part in zip(needs, share,
                                                                             strict=True))


def column_parts(table: Table) -> list[Table]:
    """Return the table, or its parts split by columns (the first repeated) when it cannot fit.

    A table is never set smaller than TABLE_FONT: columns that do not fit the
    page's width beside the first go to a second part, and so on.
    """
    needs = column_needs(table)
    if table.key in WIDTHS or sum(least for least, _ in needs) <= TEXT_WIDTH:
        return [table]
    groups, used = [[]], needs[0][0]
    for k in range(1, len(needs)):
        if groups[-1] and used + needs[k][0] > TEXT_WIDTH:
            groups.append([])
            used = needs[0][0]
        groups[-1].append(k)
        used += needs[k][0]
    return [Table(table.key, f"{table.title} (part {i} of {len(groups)})",
                  [table.columns[0]] + [table.columns[k] for k in group],
                  [[row[0]] + [row[k] for k in group] for row in table.rows],
                  table.note if i == 1 else "", table.anchors)
            for i, group in enumerate(groups, start=1)]


def wrapped_row(row: list[str], widths: tuple[float, ...], columns: list[str],
                bold: bool = False) -> list[list[str]]:
    """Each cell wrapped to its column (bold type runs wider)."""
    return [wrap_cell(cell, w, c, bold) for cell, w, c in zip(row, widths, columns, strict=True)]


def paginate(table: Table, first_room: float, room: float) -> list[list[list[list[str]]]]:
    """Rows (wrapped) split into pages by height: the first page has less room.

    The rows are spread evenly over the pages they need, so the last page is
    not a nearly blank one holding a few rows.
    """
    widths = widths_of(table)
    rows = [wrapped_row(row, widths, table.columns) for row in table.rows]
    heights = [max(len(c) for c in cells) * ROW_LINE + ROW_PAD for cells in rows]
    pages = fill(rows, heights, first_room, room)
    low, high = max(heights, default=0.0), room  # the smallest page height keeping the count
    for _ in range(30 if len(pages) > 1 else 0):
        middle = (low + high) / 2
        if len(fill(rows, heights, min(first_room, middle), middle)) > len(pages):
            low = middle
        else:
            high = middle
    return fill(rows, heights, min(first_room, high), high) if len(pages) > 1 else pages


def fill(rows: list, heights: list[float], first_room: float, room: float) -> list[list]:
    """Put rows on pages in order, a new page when the next row does not fit."""
    pages, current, used, limit = [], [], 0.0, first_room
    for cells, height in zip(rows, heights, strict=True):
        if current and used + height > limit:
            pages.append(current)
            current, used, limit = [], 0.0, room
        current.append(cells)
        used += height
    return pages + [current] if current else pages


def table_chunks(table: Table) -> list:
    """Return the table's wrapped rows, page by page (landscape pages)."""
    note_lines = len(textwrap.wrap(table.note, 160)) if table.note else 0
    header = max(len(c) for c in wrapped_row(table.columns, widths_of(table), table.columns,
                                             bold=True))
    body = LANDSCAPE[1] - 2 * MARGIN - 0.55 - header * ROW_LINE
    return paginate(table, body - note_lines * LINE * 8 / 9, body)


def table_page_count(table: Table) -> int:
    """How many pages the table takes (all its parts, when it is split by columns)."""
    return sum(len(table_chunks(part)) for part in column_parts(table))


def table_pages(table: Table, intro: str = "") -> list[Figure]:
    """Lay out the table (each of its column parts) over the landscape pages it needs."""
    parts = column_parts(table)
    return [fig for i, part in enumerate(parts) for fig in part_pages(part, intro if i == 0
                                                                        else "")]


def part_pages(table: Table, intro: str = "") -> list[Figure]:
    """Lay out a table over as many landscape pages as its rows need, header repeated."""
    widths = widths_of(table)
    header = wrapped_row(table.columns, widths, table.columns, bold=True)
    figures = []
    for number, rows in enumerate(table_chunks(table)):
        fig = page(LANDSCAPE)
        title = table.title + (f" (continued, page {number + 1})" if number else "")
        y = write(fig, MARGIN, MARGIN, title, 110, 12, fontweight="bold")
        if number == 0 and (intro or table.note):
            y = write(fig, MARGIN, y, " ".join(t for t in (intro, table.note) if t), 160, 8,
                      color=GREY)
        y = table_rows(fig, y, [header], widths, bold=True)
        table_rows(fig, y, rows, widths)
        figures.append(fig)
    return figures


def table_rows(fig: Figure, y: float, rows, widths, bold: bool = False) -> float:
    """Draw wrapped rows from y (inches from the top); returns the y below them."""
    for cells in rows:
        x = MARGIN
        for lines, w in zip(cells, widths, strict=True):
            fig.text(*inch(fig, x, y), "\n".join(lines), va="top", ha="left",
                     fontsize=TABLE_FONT, linespacing=1.2, fontweight="bold" if bold else "normal")
            x += w
        y += max(len(c) for c in cells) * ROW_LINE + ROW_PAD
        fig.add_artist(_rule(fig, y - ROW_PAD / 2))
    return y


def _rule(fig: Figure, y: float):
    """Return a thin horizontal line across the text width at y inches from the top."""
    from matplotlib.lines import Line2D
    x0, yy = inch(fig, MARGIN, y)
    x1, _ = inch(fig, fig.get_size_inches()[0] - MARGIN, y)
    return Line2D([x0, x1], [yy, yy], transform=fig.transFigure, color="#DDDDDD", lw=0.5)


def manifest_facts(fig: Figure, doc: Document, y: float) -> float:
    """Write the run's facts from y (inches); the resolved scenario is the assumptions table."""
    for key, value in doc.facts:
        fig.text(*inch(fig, MARGIN, y), key, va="top", fontsize=8.5, color=GREY)
        y = write(fig, MARGIN + 1.4, y, value, 88, 8.5)
    return write(fig, MARGIN, y + 0.1, "Every parameter of the resolved scenario stored in "
                 "manifest.json appears with its value in the assumptions table; the file "
                 "itself sits in the run directory.", 110, 8.5, color=GREY)


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
            carried = " ".join(t for t in (carried, f"{section.title}: {section.intro}") if t)
            continue
        intro = " ".join(t for t in (carried, section.intro) if t)
        carried = ""
        for block in section.blocks:
            if isinstance(block, TextBlock):  # printed above the next block's page
                intro = " ".join(t for t in (intro, f"{block.title}: {block.text}") if t)
                continue
            if isinstance(block, FigureBlock):
                yield figure_page(section.title, block, intro)
                if tick:
                    tick(1)
            else:
                yield from table_pages(block, intro)
            intro = ""
        if intro and section.blocks:  # text after the section's last figure or table
            carried = f"{section.title}: {intro}"
    if carried:  # the cover holds the run manifest; only trailing text needs a page
        yield closing_page(doc, carried)


def render_pdf(doc: Document, tick=None) -> bytes:
    """Return the report as PDF bytes (fixed metadata dates, so equal inputs give equal bytes)."""
    buffer = io.BytesIO()
    with house_style(), PdfPages(buffer, metadata={"Title": doc.title, "Creator": "chipsim",
                                                   "CreationDate": None}) as pdf:
        for fig in pages(doc, tick):
            pdf.savefig(fig)
    return buffer.getvalue()
