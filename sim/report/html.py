"""One self-contained HTML file: inline CSS, images as base64 PNG, no external URL.

Each figure is drawn twice, wide for desktops and compact for phones, and the
browser picks one through <picture> (the compact drawing up to PHONE_MAX_CSS px
wide, so text of MIN_FONT_PT is at least 10 CSS px in either layout; see
sim/report/style.py). Each <img> carries its drawings' smallest text in image
pixels (data-font-wide, data-font-compact), which the browser test scales by
the displayed width. The appendix and long tables are folded into <details>,
so a phone page is not tens of thousands of pixels long.
"""

from __future__ import annotations

import base64
import re
from html import escape

from sim.report.document import Document, FigureBlock, Section, Table, TextBlock
from sim.report.render import render_figure
from sim.report.style import PHONE_MAX_CSS

CSS = """
:root { --ink:#1d1d1f; --muted:#5b5b60; --rule:#d9d9de; --accent:#0072B2; --bg:#ffffff;
        --soft:#eef5fb; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin:0; background:var(--bg); color:var(--ink); line-height:1.5;
       font: 16px/1.5 -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 1.2rem 1rem 3rem; }
header .kicker { text-transform: uppercase; letter-spacing: .08em; color: var(--muted);
                 font-size: .8rem; margin: 0; }
h1 { font-size: 1.7rem; margin: .2rem 0 .3rem; line-height: 1.2; }
h2 { font-size: 1.35rem; margin: 2.4rem 0 .6rem; padding-top: .4rem;
     border-top: 2px solid var(--rule); }
h3 { font-size: 1.08rem; margin: 1.4rem 0 .5rem; }
.subtitle { color: var(--muted); margin: 0 0 1rem; }
.headline { background: var(--soft); border-left: 6px solid var(--accent); border-radius: 6px;
            padding: 1rem 1.2rem; margin: 1rem 0 1.2rem; }
.headline .big { font-size: 1.45rem; font-weight: 700; line-height: 1.3; margin: 0 0 .4rem; }
.headline .note { margin: 0; color: var(--muted); font-size: .92rem; }
nav.toc ol { margin: .3rem 0; padding-left: 1.3rem; columns: 2; column-gap: 2rem; }
nav.toc a, a { color: var(--accent); }
figure { margin: 1rem 0 1.8rem; }
figure picture, figure img { display: block; width: 100%; height: auto; }
figure img { border: 1px solid var(--rule); border-radius: 4px; background: #fff; }
figcaption { margin-top: .6rem; font-size: .97rem; }
.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; border: 1px solid var(--rule);
              border-radius: 4px; max-height: 80vh; }
table { border-collapse: collapse; width: 100%; font-size: .84rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .55rem;
         border-bottom: 1px solid var(--rule); }
th { position: sticky; top: 0; background: #f4f4f6; z-index: 1; }
tbody tr:nth-child(even) { background: #fafafb; }
td code, .param { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .8rem;
                  word-break: break-word; }
.table-note { color: var(--muted); font-size: .88rem; }
td .band { color: var(--muted); font-size: .76rem; white-space: nowrap; }
td .band.long { white-space: normal; overflow-wrap: anywhere; }
a.cite { overflow-wrap: anywhere; }
table.levels td:first-child { font-weight: 600; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem;
           font-size: .92rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; word-break: break-word; }
details pre { overflow-x: auto; font-size: .75rem; background: #f6f6f8; padding: .8rem;
              border-radius: 4px; max-height: 70vh; }
footer { color: var(--muted); font-size: .8rem; margin-top: 3rem; }
details.fold > summary { cursor: pointer; color: var(--accent); font-weight: 600;
                         padding: .4rem 0; }
@media (max-width: 760px) {  /* PHONE_MAX_CSS: phones and narrow windows, compact figures */
  main { padding: .8rem .7rem 2rem; }
  figure img { max-width: 34rem; margin: 0 auto; }  /* compact drawings: tablets get phone size */
  h1 { font-size: 1.35rem; }
  .headline .big { font-size: 1.15rem; }
  nav.toc ol { columns: 1; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: .4rem; }
  table, thead, tbody, tr, td { display: block; width: 100%; }
  thead { position: absolute; left: -9999px; }
  tbody tr { border-bottom: 2px solid var(--rule); padding: .3rem 0; }
  td { border: 0; padding: .12rem .5rem; font-size: .85rem; }
  td::before { content: attr(data-label) ": "; color: var(--muted); font-weight: 600; }
  td:empty { display: none; }
  .table-wrap { max-height: none; overflow: visible; }  /* cards flow with the page */
}
@media print {
  .table-wrap { max-height: none; overflow: visible; }
  h2 { break-before: page; }
  figure { break-inside: avoid; }
}
"""

PHONE = f"(max-width: {PHONE_MAX_CSS}px)"
FOLD_ROWS = 60  # tables longer than this (assumptions, sources) are folded, with their row count
FOLDED_SECTIONS = ("appendix",)  # sections whose key starts so are folded whole


def data_uri(png: bytes) -> str:
    """Return a base64 data: URI for PNG bytes."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def figure_html(block: FigureBlock, tick=None) -> str:
    """<figure> with a phone and a desktop image and the reading as caption.

    ``tick(n)``, when given, is called after each of the two renderings.
    """
    wide = render_figure(block, compact=False)
    if tick:
        tick(1)
    compact = render_figure(block, compact=True)
    if tick:
        tick(1)
    alt = escape(block.alt or block.title)
    return (
        f'<figure id="fig-{escape(block.key)}">\n<h3>{escape(block.title)}</h3>\n'
        f'<picture><source media="{PHONE}" srcset="{data_uri(compact.png)}">'
        f'<img src="{data_uri(wide.png)}" alt="{alt}" width="{wide.width}" '
        f'height="{wide.height}" data-font-wide="{wide.min_font_px:.2f}" '
        f'data-width-wide="{wide.width}" data-font-compact="{compact.min_font_px:.2f}" '
        f'data-width-compact="{compact.width}">'
        f"</picture>\n<figcaption>{escape(block.reading)}</figcaption>\n</figure>"
    )


def cell(text: str, column: str) -> str:
    """Return a table cell labelled with its column (phones show it); evidence ids become links."""
    label = f' data-label="{escape(column)}"'
    if not text:
        return f"<td{label}></td>"
    if column == "Evidence":
        links = [f'<a href="#ev-{escape(i)}">{escape(i)}</a>' for i in text.split(", ")]
        return f"<td{label}>" + ", ".join(links) + "</td>"
    if column == "Parameter":
        return f'<td class="param"{label}>{escape(text).replace(".", ".<wbr>")}</td>'
    if "\n" in text:  # a value, then its band (or a citation's relays) in small type
        first, rest = text.split("\n", 1)
        kind = "band" if len(rest) <= BAND_CHARS else "band long"
        return (
            f'<td{label}>{linked(first)}<br><span class="{kind}">'
            f"{linked(rest).replace(chr(10), '<br>')}</span></td>"
        )
    return f"<td{label}>{linked(text)}</td>"


BAND_CHARS = 24  # a longer second line (a citation, not a number band) wraps
LINK = re.compile(r"https://[^\s<>\"']+")


def linked(text: str) -> str:
    """Escape ``text``, making each https address a link (a citation opens its publication)."""
    out, last = [], 0
    for match in LINK.finditer(text):
        url = match.group(0).rstrip(".,;)")
        out += [
            escape(text[last : match.start()]),
            f'<a class="cite" href="{escape(url)}" rel="noreferrer">{escape(url)}</a>',
        ]
        last = match.start() + len(url)
    return "".join(out) + escape(text[last:])


def table_html(table: Table) -> str:
    """Return a scrollable table with a header row and an optional note."""
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in table.columns)
    body = []
    for i, row in enumerate(table.rows):
        anchor = f' id="{escape(table.anchors[i])}"' if table.anchors else ""
        body.append(
            f"<tr{anchor}>"
            + "".join(cell(v, c) for v, c in zip(row, table.columns, strict=True))
            + "</tr>"
        )
    note = f'<p class="table-note">{escape(table.note)}</p>' if table.note else ""
    grid = (
        f'<div class="table-wrap"><table id="{escape(table.key)}">'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody></table></div>"
    )
    if len(table.rows) > FOLD_ROWS:
        grid = (
            f'<details class="fold"><summary>Show all {len(table.rows)} rows</summary>\n'
            f"{grid}\n</details>"
        )
    return f'<h3 id="tab-{escape(table.key)}">{escape(table.title)}</h3>\n{note}\n{grid}'


def text_html(block: TextBlock) -> str:
    """Return a titled paragraph standing where a figure would be."""
    return (
        f'<div id="text-{escape(block.key)}" class="text-block">\n'
        f"<h3>{escape(block.title)}</h3>\n<p>{escape(block.text)}</p>\n</div>"
    )


def section_html(section: Section, tick=None) -> str:
    """Render a section: heading, introduction, blocks."""
    parts = [f'<section id="{escape(section.key)}">', f"<h2>{escape(section.title)}</h2>"]
    if section.intro:
        parts.append(f"<p>{escape(section.intro)}</p>")
    folded = section.key.startswith(FOLDED_SECTIONS) and section.blocks
    if folded:
        parts.append(
            f'<details class="fold"><summary>Show {escape(fold_summary(section))}</summary>'
        )
    for block in section.blocks:
        if isinstance(block, FigureBlock):
            parts.append(figure_html(block, tick))
        elif isinstance(block, TextBlock):
            parts.append(text_html(block))
        else:
            parts.append(table_html(block))
    parts.append("</details></section>" if folded else "</section>")
    return "\n".join(parts)


def fold_summary(section: Section) -> str:
    """Return what a folded section holds: "2 figures" or "1 figure, 1 table"."""
    counts: dict[str, int] = {}
    for block in section.blocks:
        kind = {FigureBlock: "figure", Table: "table"}.get(type(block), "text")
        counts[kind] = counts.get(kind, 0) + 1
    return ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in counts.items())


def manifest_html(doc: Document) -> str:
    """Return the run's manifest: key facts, then the full JSON folded away."""
    facts = "\n".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in doc.facts)
    return (
        '<section id="manifest"><h2>Run manifest</h2>\n'
        f'<dl class="facts">\n{facts}\n</dl>\n'
        "<details><summary>Full manifest.json (resolved scenario, versions)</summary>"
        f"<pre>{escape(doc.appendix)}</pre></details></section>"
    )


def render_html(doc: Document, tick=None) -> str:
    """Return the whole report as one HTML page (``tick(n)``: figures drawn, for progress)."""
    toc = (
        "".join(f'<li><a href="#{escape(s.key)}">{escape(s.title)}</a></li>' for s in doc.sections)
        + '<li><a href="#manifest">Run manifest</a></li>'
    )
    subtitle = f'<p class="subtitle">{escape(doc.subtitle)}</p>' if doc.subtitle else ""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(doc.title)}</title>",
            f"<style>{CSS}</style>",
            "</head>",
            "<body>",
            "<main>",
            '<header><p class="kicker">chipsim report</p>',
            f"<h1>{escape(doc.title)}</h1>{subtitle}</header>",
            '<section class="headline" aria-label="Headline">'
            f'<p class="big">{escape(doc.headline)}</p>'
            f'<p class="note">{escape(doc.headline_note)}</p></section>',
            f'<nav class="toc" aria-label="Contents"><strong>Contents</strong><ol>{toc}</ol></nav>',
            *(section_html(s, tick) for s in doc.sections),
            manifest_html(doc),
            "<footer>Made by chipsim from the run directory's own files; every number in the text "
            "is computed from them. Shares are medians over replications unless stated; bands are "
            "the 5th-95th (90%) and 25th-75th (50%) percentiles.</footer>",
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )
