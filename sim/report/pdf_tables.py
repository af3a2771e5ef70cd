"""The PDF's page primitives and its tables: wrapped cells, fitted columns, even pagination.

A table is set in TABLE_FONT on landscape pages, as many as its rows need
(rows spread evenly, header repeated), split by columns rather than shrunk
when it is too wide; a short, narrow one may share its figure's portrait page.
"""

from __future__ import annotations

import textwrap

from matplotlib.figure import Figure

from sim.report.document import Table
from sim.report.style import GREY

PAGE = (8.27, 11.69)
LANDSCAPE = (11.69, 8.27)
MARGIN = 0.6
LINE = 0.165  # inches per 9-pt text line
TEXT_WIDTH = LANDSCAPE[0] - 2 * MARGIN  # tables are set on landscape pages
# Table column widths in inches (they sum to the landscape text width, 10.49 in).
WIDTHS = {
    "assumptions": (2.95, 2.35, 1.3, 2.6, 1.29),
    "sources": (0.4, 5.0, 1.5, 0.45, 3.14),
}  # other tables: fitted to their content
TABLE_FONT = 8.5  # points: tables wrap and run over more pages rather than shrink
ROW_LINE = 0.1 * TABLE_FONT / 6  # inches per table line (1.2 line spacing)
ROW_PAD = 0.045  # inches between rows
CHARS_PER_INCH = 19.5 * 6 / TABLE_FONT  # DejaVu Sans at TABLE_FONT, with a margin
PROSE_EM = 0.55  # the average width of a prose character, in ems (DejaVu Sans)


def page(size: tuple[float, float] = PAGE) -> Figure:
    """Return a blank A4 page (portrait by default)."""
    return Figure(figsize=size)


def inch(fig: Figure, x: float, y_from_top: float) -> tuple[float, float]:
    """Figure fraction of a point given in inches from the top-left corner."""
    width, height = fig.get_size_inches()
    return x / width, 1 - y_from_top / height


def write(fig: Figure, x: float, y: float, text: str, width: int, size: float = 9.0, **kw) -> float:
    """Write wrapped text from (x, y) inches (top-left); return the y below it.

    ``width`` (characters) is cut to what fits between x and the right margin.
    """
    room = fig.get_size_inches()[0] - x - MARGIN
    width = max(10, min(width, int(room * 72 / (PROSE_EM * size))))
    lines = [line for para in text.split("\n") for line in (textwrap.wrap(para, width) or [""])]
    fig.text(
        *inch(fig, x, y),
        "\n".join(lines),
        va="top",
        ha="left",
        fontsize=size,
        linespacing=1.35,
        **kw,
    )
    return y + len(lines) * LINE * size / 9.0 + 0.1


def table_below(fig: Figure, y: float, table: Table) -> float | None:
    """Set a short, narrow table below a figure's reading when it fits; return where it ends.

    It fits when its longest lines fit the portrait text width and its title,
    note, header and rows end above the bottom margin: a five-row table then
    shares its figure's page instead of leaving a page nearly blank.
    """
    needs = column_needs(table)
    widths = tuple(longest for _, longest in needs)
    if sum(widths) > PAGE[0] - 2 * MARGIN or len(column_parts(table)) > 1:
        return None
    rows = [wrapped_row(row, widths, table.columns) for row in [table.columns, *table.rows]]
    height = sum(max(len(c) for c in cells) * ROW_LINE + ROW_PAD for cells in rows)
    note = len(textwrap.wrap(table.note, 110)) * LINE * 8 / 9 if table.note else 0.0
    if y + TEXT_GAP + 2 * LINE + note + height > PAGE[1] - MARGIN:
        return None
    y = write(fig, MARGIN, y + TEXT_GAP, table.title, 90, 11, fontweight="bold")
    if table.note:
        y = write(fig, MARGIN, y, table.note, 110, 8, color=GREY)
    y = table_rows(fig, y, rows[:1], widths, bold=True)
    return table_rows(fig, y, rows[1:], widths)


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
            wrapped = textwrap.wrap(
                line.replace(DASH, DASH + " "),
                chars,
                break_long_words=False,
                break_on_hyphens=False,
            )
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
    return tuple(
        least + max(spare, 0.0) * part for (least, _), part in zip(needs, share, strict=True)
    )


def column_parts(table: Table) -> list[Table]:
    """Return the table, or its parts split by columns (the first repeated) when it cannot fit.

    A table is never set smaller than TABLE_FONT: columns that do not fit the
    page's width beside the first go to a second part, and so on.
    """
    needs = column_needs(table)
    if table.key in WIDTHS or sum(least for least, _ in needs) <= TEXT_WIDTH:
        return [table]
    groups: list[list[int]] = [[]]
    used = needs[0][0]
    for k in range(1, len(needs)):
        if groups[-1] and used + needs[k][0] > TEXT_WIDTH:
            groups.append([])
            used = needs[0][0]
        groups[-1].append(k)
        used += needs[k][0]
    return [
        Table(
            table.key,
            f"{table.title} (part {i} of {len(groups)})",
            [table.columns[0]] + [table.columns[k] for k in group],
            [[row[0]] + [row[k] for k in group] for row in table.rows],
            table.note if i == 1 else "",
            table.anchors,
        )
        for i, group in enumerate(groups, start=1)
    ]


def wrapped_row(
    row: list[str], widths: tuple[float, ...], columns: list[str], bold: bool = False
) -> list[list[str]]:
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
    pages: list[list] = []
    current: list = []
    used, limit = 0.0, first_room
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
    header = max(
        len(c) for c in wrapped_row(table.columns, widths_of(table), table.columns, bold=True)
    )
    body = LANDSCAPE[1] - 2 * MARGIN - 0.55 - header * ROW_LINE
    return paginate(table, body - note_lines * LINE * 8 / 9, body)


def table_page_count(table: Table) -> int:
    """How many pages the table takes (all its parts, when it is split by columns)."""
    return sum(len(table_chunks(part)) for part in column_parts(table))


def table_pages(table: Table, intro: str = "", after: str = "") -> tuple[list[Figure], str]:
    """Lay out the table (each of its column parts) over the landscape pages it needs.

    ``after`` (the section's text that follows the table) is printed below the
    last rows when it fits there; what does not fit is returned, to be carried.
    """
    laid = [
        laid
        for i, part in enumerate(column_parts(table))
        for laid in part_pages(part, intro if i == 0 else "")
    ]
    last, bottom = laid[-1]
    if after and fits_below(last, bottom + TEXT_GAP, after):
        write(last, MARGIN, bottom + TEXT_GAP, after, 160, 9)
        after = ""
    return [fig for fig, _ in laid], after


TEXT_GAP = 0.15  # inches between a table's last row and the text below it


def fits_below(fig: Figure, y: float, text: str, size: float = 9.0) -> bool:
    """Whether ``text`` written from ``y`` (inches from the top) ends above the bottom margin."""
    width, height = fig.get_size_inches()
    chars = int((width - 2 * MARGIN) * 72 / (PROSE_EM * size))
    lines = sum(len(textwrap.wrap(para, chars) or [""]) for para in text.split("\n"))
    return y + lines * LINE * size / 9.0 <= height - MARGIN


def part_pages(table: Table, intro: str = "") -> list[tuple[Figure, float]]:
    """Lay out a table over as many landscape pages as its rows need, header repeated.

    Each page comes with where its last row ends (inches from the top).
    """
    widths = widths_of(table)
    header = wrapped_row(table.columns, widths, table.columns, bold=True)
    figures = []
    for number, rows in enumerate(table_chunks(table)):
        fig = page(LANDSCAPE)
        title = table.title + (f" (continued, page {number + 1})" if number else "")
        y = write(fig, MARGIN, MARGIN, title, 110, 12, fontweight="bold")
        if number == 0 and (intro or table.note):
            y = write(
                fig, MARGIN, y, " ".join(t for t in (intro, table.note) if t), 160, 8, color=GREY
            )
        y = table_rows(fig, y, [header], widths, bold=True)
        figures.append((fig, table_rows(fig, y, rows, widths)))
    return figures


def table_rows(fig: Figure, y: float, rows, widths, bold: bool = False) -> float:
    """Draw wrapped rows from y (inches from the top); returns the y below them."""
    for cells in rows:
        x = MARGIN
        for lines, w in zip(cells, widths, strict=True):
            fig.text(
                *inch(fig, x, y),
                "\n".join(lines),
                va="top",
                ha="left",
                fontsize=TABLE_FONT,
                linespacing=1.2,
                fontweight="bold" if bold else "normal",
            )
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
