"""The HTML report: parses, is self-contained, carries the numbers; the report CLI."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest
from chipsim_testing import BASELINE, SEED
from click.testing import CliRunner
from report_fixtures import REPORT_FIGURES, report_html, report_run  # noqa: F401

from sim.interfaces.cli import main
from sim.report.data import load
from sim.scenario.tree import parameters

URL = re.compile(r"^\s*(https?:)?//", re.I)


class Collector(HTMLParser):
    """Tags with their attributes, ids, and the page's text."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def page(report_html):  # noqa: F811
    html = report_html.read_text("utf-8")
    parser = Collector()
    parser.feed(html)
    parser.close()
    return html, parser


def test_html_is_self_contained(page):
    html, parser = page
    cites = 0
    for tag, attrs in parser.tags:
        for name in ("src", "href", "srcset", "poster", "data"):
            value = attrs.get(name) or ""
            if tag == "a" and name == "href" and attrs.get("class") == "cite":
                cites += 1  # a citation the reader may follow: never loaded by the page
                assert value.startswith("https://") and attrs.get("rel") == "noreferrer"
                continue
            assert not URL.match(value), f"<{tag} {name}={value[:60]}> points outside"
            assert not value.startswith(("file:", "ftp:")), value[:60]
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html, re.I)
    assert "http://" not in html
    # every https address is a citation link, shown as its own text
    assert html.count("https://") == 2 * cites
    assert not any(tag in ("script", "link", "iframe") for tag, _ in parser.tags)


def test_every_image_carries_a_decodable_png(page):
    _, parser = page
    sources = [a["src"] for t, a in parser.tags if t == "img"]
    sources += [a["srcset"] for t, a in parser.tags if t == "source"]
    assert len(sources) == 2 * len(REPORT_FIGURES)  # every figure wide and compact
    for src in sources:
        head, _, payload = src.partition(",")
        assert head == "data:image/png;base64"
        png = base64.b64decode(payload, validate=True)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    for _, attrs in ((t, a) for t, a in parser.tags if t == "img"):
        assert attrs.get("alt") and int(attrs["width"]) > 0 and int(attrs["height"]) > 0


def test_headline_states_the_2027_share_and_its_band(page, report_run):  # noqa: F811
    _, parser = page
    data = load(report_run)
    p50, p05, p95 = (
        data.summary.value("domestic_share_units", "announced", "2027", stat=s)
        for s in ("p50", "p05", "p95")
    )
    text = " ".join(parser.text)
    assert (
        f"Under announced quotas the median domestic share of chips is {p50:.0%} in 2027 "
        f"(90% band {p05:.0%}–{p95:.0%})"
    ) in text


def test_assumptions_list_every_parameter_and_link_to_sources(page, report_run):  # noqa: F811
    _, parser = page
    ids = {a["id"] for _, a in parser.tags if "id" in a}
    links = [
        a["href"][1:] for t, a in parser.tags if t == "a" and a.get("href", "").startswith("#ev-")
    ]
    assert links and set(links) <= ids  # every evidence link lands on a sources row
    scenario = load(report_run).scenario()
    params = [a for t, a in parser.tags if t == "td" and a.get("class") == "param"]
    assert len(params) == len(parameters(scenario))
    text = " ".join(parser.text)
    assert "TrendForce" in text  # sources come from seeds/evidence.toml


def test_figure_readings_and_manifest_are_present(page, report_run):  # noqa: F811
    _, parser = page
    text = " ".join(parser.text)
    assert text.count("Source: chipsim") == 0  # source lines live inside the images
    captions = [a for t, a in parser.tags if t == "figcaption"]
    assert len(captions) == len(REPORT_FIGURES)
    assert str(SEED) in text and '"scenario_hash"' in text


@pytest.mark.slow
def test_report_cli_writes_html_and_pdf(tmp_path):
    run = tmp_path / "run"
    assert (
        CliRunner()
        .invoke(main, ["run", str(BASELINE), "--reps", "40", "--quota", "1.0", "--out", str(run)])
        .exit_code
        == 0
    )
    out = tmp_path / "r.html"
    result = CliRunner().invoke(main, ["report", str(run), "--format", "both", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text("utf-8").startswith("<!DOCTYPE html>")
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("kind", ["missing", "empty", "file"])
def test_report_cli_refuses_what_is_not_a_run_directory(tmp_path, kind):
    target = tmp_path / "x"
    if kind == "empty":
        target.mkdir()
    if kind == "file":
        target.write_text("not a directory")
    result = CliRunner().invoke(main, ["report", str(target)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and str(target) in result.output
    assert not (target / "report.html").exists() if target.is_dir() else True


@pytest.mark.slow
def test_run_with_report_flag_writes_report_html(tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(
        main,
        [
            "run",
            str(BASELINE),
            "--reps",
            "40",
            "--quota",
            "announced",
            "--quota",
            "0.9",
            "--out",
            str(out),
            "--report",
        ],
    )
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text("utf-8")
    assert "Under announced quotas the median domestic share of chips is" in html
    assert "90% quota" in html


def test_citation_addresses_become_links_and_long_relays_wrap():
    from sim.report.html import cell

    plain = cell("NVIDIA, 2023, “H100”, https://www.nvidia.com/h100/.", "Source")
    assert '<a class="cite" href="https://www.nvidia.com/h100/" rel="noreferrer">' in plain
    assert plain.endswith("</a>.</td>")  # the full stop stays text
    assert cell("a <b> & c", "Source") == '<td data-label="Source">a &lt;b&gt; &amp; c</td>'
    band = cell("76%\n66%-85%", "2027")
    assert '<span class="band">66%-85%</span>' in band
    relay = cell("IDC, 2026-04\nvia BusinessPost, 2025, a long headline that wraps", "Source")
    assert '<span class="band long">via BusinessPost' in relay


def test_every_element_id_is_unique(page):
    html, parser = page
    ids = [attrs["id"] for _, attrs in parser.tags if attrs.get("id")]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_a_table_shows_its_note_escaped_above_the_grid_and_none_without_one():
    from sim.report.document import Table
    from sim.report.html import table_html

    noted = table_html(Table("t", "T", ["a"], [["1"]], note="share < 1"))
    assert '<p class="table-note">share &lt; 1</p>' in noted
    assert noted.index("table-note") < noted.index("<table")
    assert "table-note" not in table_html(Table("t", "T", ["a"], [["1"]]))
