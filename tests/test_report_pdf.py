"""The PDF report: its page plan, each figure's title and the headline in its text."""

from __future__ import annotations

import pytest
from report_fixtures import REPORT_FIGURES, report_pdf, report_run  # noqa: F401

from sim.report.build import build_report
from sim.report.data import load
from sim.report.document import TextBlock
from sim.report.pdf import table_page_count

pypdf = pytest.importorskip("pypdf")


def test_pdf_pages_cover_figures_tables_manifest(report_run, report_pdf):  # noqa: F811
    doc = build_report(load(report_run))
    pages = [p.extract_text().replace("\n", " ") for p in pypdf.PdfReader(report_pdf).pages]
    figures, tables = doc.figures(), doc.tables()
    assert [f.key for f in figures] == REPORT_FIGURES
    keys = [t.key for t in tables]
    assert keys[-2:] == ["assumptions", "sources"]
    assert {"share-by-year", "quota-levels", "regions", "unmet"} <= set(keys)
    counts = [table_page_count(t) for t in tables]
    assert all(n >= 2 for n in counts[-2:])  # 150+ parameters do not fit on one page
    texts = [b for s in doc.sections for b in s.blocks if isinstance(b, TextBlock)]
    assert len(pages) == 1 + len(figures) + len(texts) + sum(counts) + 1
    assert doc.headline.split(" (")[0] in pages[0]
    expected = []  # the title each page must carry, in document order
    for section in doc.sections:
        if section.intro and not section.blocks:
            expected.append(section.title)
        for block in section.blocks:
            n = table_page_count(block) if block in tables else 1
            expected += [block.title] * n
    assert len(expected) == len(pages) - 2
    for title, text in zip(expected, pages[1:-1], strict=True):
        assert title in text
    assert pages[-1].startswith("Run manifest")
    # every parameter path is printed (wrapped cells may split a path across lines)
    squashed = "".join(pages).replace(" ", "")
    assert all(row[0].replace(" ", "")[:20] in squashed for row in tables[-2].rows)
