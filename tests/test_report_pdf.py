"""The PDF report: its page plan, each figure's title and the headline in its text; tables in
at least 8 pt, no blank or nearly blank page, figure text legible at print size (issue 20)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from report_fixtures import REPORT_FIGURES, report_pdf, report_run  # noqa: F401

from sim.report.build import build_report
from sim.report.data import load
from sim.report.document import Document, FigureBlock, Section, Table, TextBlock
from sim.report.pdf import PDF_DPI, pages, render_pdf
from sim.report.pdf_tables import (
    CHARS_PER_INCH,
    TABLE_FONT,
    TEXT_WIDTH,
    column_needs,
    column_parts,
    table_page_count,
    widths_of,
    wrapped_row,
)
from sim.report.render import render_figure
from sim.report.style import PRINT_MIN_PT, new_figure

pytestmark = pytest.mark.slow  # measured: see the README's Tests section

pypdf = pytest.importorskip("pypdf")

TABLE_MIN_PT = 8.0
INKED_ROWS_MIN = 0.25  # a page's share of pixel rows holding ink: the old blank pages had 0.17
FONT = re.compile(rb"/F\d+ ([\d.]+) Tf")
PLACED = re.compile(rb"([\d.]+) 0 0 -?([\d.]+) [\d.]+ [\d.]+ cm\s+/(\w+) Do")


def test_pdf_pages_cover_figures_tables_and_the_manifest(report_run, report_pdf):  # noqa: F811
    doc = build_report(load(report_run))
    pages = [p.extract_text().replace("\n", " ") for p in pypdf.PdfReader(report_pdf).pages]
    figures, tables = doc.figures(), doc.tables()
    assert [f.key for f in figures] == REPORT_FIGURES
    keys = [t.key for t in tables]
    assert keys[-2:] == ["assumptions", "sources"]
    assert {"share-by-year", "quota-levels", "regions", "unmet"} <= set(keys)
    counts = [table_page_count(t) for t in tables]
    assert all(n >= 2 for n in counts[-2:])  # 150+ parameters do not fit on one page
    assert doc.headline.split(" (")[0] in pages[0] and "Run manifest" in pages[0]
    expected = []  # the titles each page after the cover carries, in document order
    for section in doc.sections:
        for block in section.blocks:
            if isinstance(block, TextBlock):  # text prints above the next page or below a table
                continue
            if isinstance(block, Table) and expected and block.title in pages[len(expected)]:
                expected[-1].append(block.title)  # a short table set below its figure
                continue
            count = table_page_count(block) if block in tables else 1
            expected += [[block.title] for _ in range(count)]
    assert len(expected) == len(pages) - 1
    for titles, text in zip(expected, pages[1:], strict=True):
        assert all(title in text for title in titles)
    shared = [t for titles in expected for t in titles[1:]]
    unmet = next(t for t in tables if t.key == "unmet")
    assert unmet.title in shared  # five rows: on the unmet figure's page, not a page of its own
    assert len(pages) == 1 + len(figures) + sum(counts) - len(shared)
    carried = [s for s in doc.sections if s.intro and not s.blocks]  # on the next page
    assert all(s.title in " ".join(pages[1:]) for s in carried)
    # every parameter path is printed (wrapped cells may split a path across lines)
    squashed = "".join(pages).replace(" ", "")
    assert all(row[0].replace(" ", "")[:20] in squashed for row in tables[-2].rows)


def test_every_text_in_the_pdf_is_at_least_8_pt(report_pdf):  # noqa: F811
    """Tables (and all prose) are set in at least 8 pt: the sizes the PDF's text operators use."""
    sizes = set()
    for page in pypdf.PdfReader(report_pdf).pages:
        sizes |= {float(s) for s in FONT.findall(page.get_contents().get_data())}
    assert sizes and min(sizes) >= TABLE_MIN_PT, sorted(sizes)
    assert TABLE_FONT in sizes  # the tables' own size is among them


def inked_rows(pdf_path, tmp_path) -> list[float]:
    """Each page's share of pixel rows holding any ink (poppler's pdftoppm at 30 dpi)."""
    import numpy as np
    from PIL import Image

    subprocess.run(
        ["pdftoppm", "-r", "30", "-gray", "-png", str(pdf_path), str(tmp_path / "p")], check=True
    )
    shares = []
    for image in sorted(tmp_path.glob("p-*.png")):
        pixels = np.asarray(Image.open(image))
        shares.append(float((pixels < 200).any(axis=1).mean()))
    return shares


@pytest.fixture
def pdftoppm():
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) not installed")


def test_no_page_is_blank_or_nearly_blank(report_pdf, tmp_path, pdftoppm):  # noqa: F811
    shares = inked_rows(report_pdf, tmp_path)
    assert len(shares) == len(pypdf.PdfReader(report_pdf).pages)
    assert min(shares) >= INKED_ROWS_MIN, [round(s, 2) for s in shares]


def text_only_document() -> Document:
    """A report whose middle section is only text (the 2027 distribution, when not drawn)."""

    def chart(compact: bool):
        fig = new_figure(10, 4)
        fig.add_subplot().plot([0, 1], [0, 1])
        return fig

    figure = FigureBlock("chart", "A chart", chart, "It rises.")
    return Document(
        "T",
        "",
        "Headline.",
        "Note.",
        [("Seed", "1")],
        sections=[
            Section("first", "First", [figure]),
            Section("distribution", "The 2027 share", [], intro="Every level has one curve."),
            Section("last", "Last", [FigureBlock("again", "Another chart", chart, "It rises.")]),
        ],
    )


def test_a_section_of_text_only_gets_no_page_of_its_own(tmp_path, pdftoppm):
    doc = text_only_document()
    assert len(list(pages(doc))) == 3  # cover and two figure pages
    path = tmp_path / "r.pdf"
    path.write_bytes(render_pdf(doc))
    texts = [p.extract_text() for p in pypdf.PdfReader(path).pages]
    assert "Every level has one curve." in texts[2] and "Another chart" in texts[2]
    assert min(inked_rows(path, tmp_path)[1:]) >= INKED_ROWS_MIN  # (a one-line cover aside)


def test_figure_text_is_legible_at_print_size(report_run, report_pdf):  # noqa: F811
    """Each placed figure's smallest text x its print scale is at least PRINT_MIN_PT."""
    doc = build_report(load(report_run))
    reader = pypdf.PdfReader(report_pdf)
    placed = []
    for page in reader.pages:
        placed += [float(w) for w, _, _ in PLACED.findall(page.get_contents().get_data())]
    figures = doc.figures()
    assert len(placed) == len(figures)
    for width_pt, block in zip(placed, figures, strict=True):
        drawn = render_figure(block, compact=False, dpi=PDF_DPI)
        scale = width_pt / (drawn.width / PDF_DPI * 72)  # printed size / drawn size
        assert drawn.min_font_pt * scale >= PRINT_MIN_PT, (block.key, scale)


def test_every_table_cell_fits_its_column(report_run):  # noqa: F811
    """At TABLE_FONT, each wrapped line of each table is narrower than its column."""
    for table in build_report(load(report_run)).tables():
        for part in column_parts(table):
            widths = widths_of(part)
            assert sum(widths) <= TEXT_WIDTH + 1e-6
            for row in part.rows:
                for lines, width in zip(
                    wrapped_row(row, widths, part.columns), widths, strict=True
                ):
                    too_wide = [
                        x for x in lines if len(x) / CHARS_PER_INCH > width and " " in x
                    ]  # a single word longer than a column stays
                    assert too_wide == [], (table.key, too_wide)


def test_a_table_too_wide_for_the_page_is_split_by_columns_not_shrunk(tmp_path):
    columns = ["Level"] + [f"Column {k} with a long heading" for k in range(14)]
    rows = [
        [f"level {r}"] + [f"segment_{k}_identifier {r * k:,}\u2013{r * k + 9:,}" for k in range(14)]
        for r in range(6)
    ]
    table = Table("wide", "A wide table", columns, rows, note="Ranges in units.")
    parts = column_parts(table)
    assert len(parts) >= 2
    assert all(p.columns[0] == "Level" for p in parts)  # the first column on every part
    assert [c for p in parts for c in p.columns[1:]] == columns[1:]  # every column once
    assert all(sum(least for least, _ in column_needs(p)) <= TEXT_WIDTH for p in parts)
    assert table_page_count(table) == len(parts)
    doc = Document(
        "T", "", "Headline.", "Note.", [("Seed", "1")], sections=[Section("s", "Wide", [table])]
    )
    path = tmp_path / "wide.pdf"
    path.write_bytes(render_pdf(doc))
    sizes = {
        float(x)
        for page in pypdf.PdfReader(path).pages
        for x in FONT.findall(page.get_contents().get_data())
    }
    assert min(sizes) >= TABLE_MIN_PT and TABLE_FONT in sizes


def test_a_short_narrow_table_shares_its_figure_page_and_a_wide_one_does_not():
    from sim.report.pdf_tables import PAGE, page, table_below

    short = Table("t", "Short", ["Year", "Value"], [["2026", "1.0k"], ["2027", "2.0k"]])
    fig = page()
    end = table_below(fig, 3.0, short)
    assert end is not None and 3.0 < end < PAGE[1]
    wide = Table("w", "Wide", [f"column {k}" for k in range(12)], [["x" * 12] * 12])
    assert table_below(page(), 3.0, wide) is None  # 12 columns of 12 characters: too wide
    assert table_below(page(), PAGE[1] - 1.0, short) is None  # no room left below


def test_text_after_a_table_prints_below_its_rows_when_it_fits():
    from sim.report.pdf_tables import table_pages

    table = Table("t", "Short", ["Year", "Value"], [["2026", "1.0k"]])
    figures, left = table_pages(table, "", "What it means: a sentence.")
    assert len(figures) == 1 and left == ""
    assert any("What it means" in t.get_text() for t in figures[0].texts)
    long = "word " * 20_000  # far more than a page holds
    figures, left = table_pages(table, "", long)
    assert left == long  # carried to the next page, not crammed below the rows
