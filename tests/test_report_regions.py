"""Region and year in the report: the share by year, by region, quotas, unmet demand, wording.

Tables are checked against small hand-made summaries (random values, so no
output is typed in); the readings that explain why the share moves are
checked against a baseline run, and their causal claims against the model
rerun without the dated rules they name.
"""

from __future__ import annotations

import dataclasses
import html
import re

import numpy as np
import pytest
from chipsim_testing import BASELINE, SEED
from report_fixtures import report_html, report_run  # noqa: F401

from sim.core.metrics import EFFECTS, M, format_plain, format_value
from sim.core.names import SEGMENT_NAMES
from sim.model.ensemble import simulate
from sim.report.changes import find_jump, jump_reading, top_import, year_change_reading
from sim.report.data import STATS, Summary, load
from sim.report.experiments import limit
from sim.report.figures.regions import region_shares, unmet_chart
from sim.report.figures.sensitivity import short_labels
from sim.report.levels import effects_sentence
from sim.report.regions import (
    limits_table,
    quotas_table,
    regions_table,
    segments,
    share_by_year_table,
)
from sim.report.style import COMPACT, WIDE, chance, house_style, pct
from sim.report.unmet import unmet_reading, unmet_story, unmet_table, unmet_year
from sim.scenario import load as load_scenario

YEARS = ["2026", "2027"]
LEVELS = ["announced", "0.5"]
SEGMENTS = ["private", "beijing", "guiyang", "xian"]  # "xian": an id with no display name


def stats(rng) -> list[float]:
    """Six ordered statistics in [0, 1]: mean, p05, p25, p50, p75, p95."""
    q = np.sort(rng.uniform(0, 1, 5))
    return [float(q[2]), *map(float, q)]


def made_summary(seed: int = 1) -> Summary:
    """A summary with shares by region and year, quotas for two segments, unmet demand."""
    rng = np.random.default_rng(seed)
    rows = []

    def add(level, metric, region, period, values):
        rows.append(
            dict(
                quota=level,
                metric=metric,
                region=region,
                period=period,
                **dict(zip(STATS, values, strict=True)),
            )
        )

    for level in LEVELS:
        for year in YEARS:
            for region in ["national", *SEGMENTS]:
                add(level, M.domestic_share_units, region, year, stats(rng))
            for region in ("beijing", "guiyang"):
                target = 0.0 if (region, year) == ("guiyang", "2026") else rng.uniform(0.2, 1)
                add(level, M.quota_target, region, year, [target] * 6)
                add(level, M.quota_compliance, region, year, [rng.uniform(0, 1)] + [0] * 5)
            offshore, abandoned = rng.uniform(1e3, 1e6, 2)
            for metric, value in (
                (M.demand_compute, 4e6),
                (M.offshore_compute, offshore),
                (M.abandoned_demand_compute, abandoned),
                (M.unmet_demand_compute, offshore + abandoned),
                (M.deferred_demand_compute, rng.uniform(1e3, 1e6)),
            ):
                add(level, metric, "national", year, [value] * 6)
    return Summary(rows)


def band(summary: Summary, level: str, year: str, region: str = "national") -> str:
    """The cell the tables should hold: median, then the 90% band (in brackets for regions)."""
    p50, p05, p95 = (
        summary.value(M.domestic_share_units, level, year, region, s) for s in ("p50", "p05", "p95")
    )
    if region != "national":
        return f"{pct(p50)} ({p05 * 100:.0f}–{pct(p95)})"
    return f"{pct(p50)}\n{pct(p05)}–{pct(p95)}"


def test_the_region_table_has_a_row_per_segment_and_level_with_the_summary_values():
    summary = made_summary()
    table = regions_table(summary, LEVELS, YEARS, 2000)
    assert table.key == "regions" and table.columns[1:] == YEARS
    order = [s for s in SEGMENT_NAMES if s in SEGMENTS] + ["xian"]
    assert segments(summary) == order
    assert len(table.rows) == len(order) * len(LEVELS)
    for row, (segment, level) in zip(
        table.rows, [(s, lv) for s in order for lv in LEVELS], strict=True
    ):
        name = SEGMENT_NAMES.get(segment, "Xian")
        assert row[0].split("\n")[0] == name  # whole display names, never cut
        assert row[1:] == [band(summary, level, y, segment) for y in YEARS]
    assert "2,000 replications" in table.note


def test_the_quota_table_shows_each_quota_and_its_chance_of_being_met():
    summary = made_summary(2)
    table = quotas_table(summary, LEVELS, YEARS)
    assert [r[0].split("\n")[0] for r in table.rows] == ["Beijing"] * 2 + ["Guiyang (Guizhou)"] * 2
    for row in table.rows:
        segment = "beijing" if row[0].startswith("Beijing") else "guiyang"
        level = LEVELS[0] if row[0].endswith("Announced quotas") else LEVELS[1]
        for year, cell in zip(YEARS, row[1:], strict=True):
            target = summary.value(M.quota_target, level, year, segment, "mean")
            met = summary.value(M.quota_compliance, level, year, segment, "mean")
            expected = "no quota" if target == 0 else f"quota {pct(target)}, met {chance(met)}"
            assert cell == expected
    assert quotas_table(Summary([]), LEVELS, YEARS) is None
    assert table.columns[1:] == YEARS  # a quota is in force somewhere in each year
    rows = [
        r
        for r in summary_rows(summary)
        if not (r["metric"] == M.quota_target and r["period"] == YEARS[0])
    ]
    assert quotas_table(Summary(rows), LEVELS, YEARS).columns[1:] == YEARS[1:]


def summary_rows(summary: Summary) -> list[dict]:
    """A summary's rows back as dicts."""
    return [
        dict(
            quota=k[0],
            metric=k[1],
            region=k[2],
            period=k[3],
            **dict(zip(STATS, map(float, v), strict=True)),
        )
        for k, v in summary.index.items()
    ]


def test_the_share_by_year_table_equals_the_summary():
    summary = made_summary(3)
    table = share_by_year_table(summary, LEVELS, YEARS, None)
    assert [r[0] for r in table.rows] == ["Announced quotas", "50% quota"]
    for row, level in zip(table.rows, LEVELS, strict=True):
        assert row[1:] == [band(summary, level, y) for y in YEARS]


def test_unmet_numbers_add_up_and_are_read_from_the_summary():
    summary = made_summary(4)
    table = unmet_table(summary, "announced", YEARS)
    for row, year in zip(table.rows, YEARS, strict=True):
        u = unmet_year(summary, "announced", year)
        assert u.offshore + u.abandoned == pytest.approx(u.unmet)
        assert row[2] == (
            f"{format_value(M.unmet_demand_compute, u.unmet)}\n{pct(u.unmet / u.demand)} of demand"
        )
        assert row[3:] == [
            format_value(m, v)
            for m, v in (
                (M.offshore_compute, u.offshore),
                (M.abandoned_demand_compute, u.abandoned),
                (M.deferred_demand_compute, u.waiting),
            )
        ]
    text = unmet_reading(summary, LEVELS, YEARS)
    last = unmet_year(summary, "announced", YEARS[-1])
    assert f"{pct(last.unmet / last.demand)} in {YEARS[-1]}" in text
    text = unmet_story(summary, LEVELS, YEARS)
    assert f"({pct(last.abandoned / last.demand)}) abandoned" in text
    other = unmet_year(summary, "0.5", YEARS[-1])
    assert f"{pct(other.unmet / other.demand)} (50% quota)" in text


def test_unmet_demand_in_a_run_is_offshore_plus_abandoned(report_run):  # noqa: F811
    summary = load(report_run).summary
    for year in ("2024", "2027"):
        u = unmet_year(summary, "announced", year)
        assert u.offshore + u.abandoned == pytest.approx(u.unmet, rel=1e-4)
        assert 0 < u.unmet < u.demand


def test_what_limits_a_region_is_said_to_be_measured_nationally_only(report_run):  # noqa: F811
    data = load(report_run)
    table = limits_table(data.summary, ["announced"], "2027", data.scenario(), data.effects)
    rows = {r[0]: r for r in table.rows}
    assert "whole country only" in table.note
    assert all(r[3].startswith("national only: ") for r in table.rows)
    assert "H200" in rows["Private hyperscalers"][2]  # the approvals that name it
    assert "barred" in rows["State-funded DCs"][2]
    assert "do not reach" in rows["Private hyperscalers"][1]
    assert rows["Beijing"][2] == "none of its own"
    unknown = limits_table(data.summary, ["announced"], "2027", None, None)
    assert all(r[2].startswith("unknown") and r[3].startswith("not measured") for r in unknown.rows)


def rows_summary(result) -> Summary:
    """A Summary of an ensemble's rows (as summary.csv would hold them)."""
    return Summary(
        [
            dict(
                quota=r.quota,
                metric=r.metric,
                region=r.region,
                period=r.period,
                **dict(zip(STATS, map(float, r.stats), strict=True)),
            )
            for r in result.rows
        ]
    )


@pytest.fixture(scope="module")
def baseline():
    """The baseline scenario."""
    return load_scenario(BASELINE)


def without(scenario, *names):
    """The scenario with the named dated rules switched off."""
    events = dict(scenario.events)
    for name in names:
        events[name] = dataclasses.replace(events[name], enabled=False)
    return dataclasses.replace(scenario, events=events)


def shares(scenario) -> Summary:
    """A small announced-quota run of ``scenario`` (same seed, so the same draws)."""
    return rows_summary(simulate(scenario, 100, SEED, ["announced"]))


def test_the_late_2023_jump_is_the_end_of_a800_h800_imports(baseline):
    summary = shares(baseline)
    jump = find_jump(summary, "announced")
    assert jump is not None and jump.periods[jump.start] == "2023-11"
    text = jump_reading(summary, baseline, "announced")
    assert "A800/H800" in text and "2023-11" in text and "H20" in text
    assert find_jump(shares(without(baseline, "a800_h800_caught")), "announced") is None
    held = shares(without(baseline, "h20_launch", "l20_class_launch"))
    month = jump.periods[jump.end]  # without the replacements the share does not fall back
    assert held.value(M.domestic_share_units, "announced", month) > 2 * summary.value(
        M.domestic_share_units, "announced", month
    )


def test_the_last_years_compute_share_falls_with_h200_imports(baseline):
    summary = shares(baseline)
    assert top_import(summary, "announced", "2026", "2027")[0] == "h200"
    text = year_change_reading(summary, baseline, "announced", "2026", "2027")
    assert "H200" in text and "Chinese customs" in text

    def fall(s: Summary) -> float:
        return s.value(M.domestic_share_compute, "announced", "2026") - s.value(
            M.domestic_share_compute, "announced", "2027"
        )

    assert fall(summary) > 0.01
    assert fall(shares(without(baseline, "h200_customs_release"))) < 0


def test_level_effects_are_said_as_rises_and_falls_not_signs():
    rng = np.random.default_rng(5)
    rows = []
    values = {
        "imports_displaced": -15_000.0,
        "domestic_added": rng.uniform(1e3, 9e3),
        "unmet_added": -rng.uniform(1e3, 9e3),
    }
    for member, value in values.items():
        rows.append(
            dict(
                quota="1.0",
                metric=f"{M.level_effect}.{member}",
                region="national",
                period="2027",
                **dict.fromkeys(STATS, value),
            )
        )
    text = effects_sentence(Summary(rows), ["announced", "1.0"], "2027")
    assert "imported chips rise by 15.0k" in text
    assert (
        f"domestic chips rise by {format_value(M.domestic_units, values['domestic_added'])}" in text
    )
    assert "unmet demand falls by" in text
    assert "displaced" not in text and not re.search(r"[+\u2212-]\d", text)
    assert set(EFFECTS) == set(values)


def test_numbers_are_written_as_the_cli_writes_them():
    assert format_plain(13_986.2) == "13,986" == limit(13_986.2)
    for value in (1e6, 1.14e7, 7e9, 1.4e-5, 0.25):
        assert "e" not in format_plain(value).lower()


def test_sensitivity_labels_hold_whole_parameter_paths():
    paths = ["vendors.huawei.products.ascend_910c.price_usd", "demand.base", "a.b"]
    for compact in (True, False):
        labels = short_labels(paths, compact)
        assert [label.replace("\n", "") for label in labels] == paths
        assert not any("…" in label or "..." in label for label in labels)


def report_text(path, sources: bool = False) -> str:
    """The visible text of report.html; the sources table (its claims quote sources) if asked."""
    text = path.read_text(encoding="utf-8")
    if not sources:
        text = re.sub(r'<table id="sources".*?</table>', " ", text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<img[^>]*>|<source[^>]*>|<[^>]+>", " ", text)
    return html.unescape(text)


def test_the_report_text_has_no_exponents_cut_names_or_mixed_years(report_html):  # noqa: F811
    text = report_text(report_html)
    whole = report_text(report_html, sources=True)
    assert not re.search(r"\b\d(\.\d+)?e[+-]?\d+\b", whole)  # no 1.399e+04 anywhere
    assert "..." not in text and "…" not in text.replace("(ids A…)", "")
    assert "of months in" not in text  # "wafers in 2024 (0% of months in 2027)" is gone
    assert "displaced" not in text.lower()
    for name in SEGMENT_NAMES.values():
        assert name in text
    for key in ("share-by-year", "regions", "region-quotas", "region-limits", "unmet"):
        assert f'id="{key}"' in report_html.read_text(encoding="utf-8")


@pytest.mark.parametrize("compact", [False, True])
def test_the_new_figures_keep_to_the_figure_contract(compact):
    summary = made_summary(6)
    found = segments(summary)
    with house_style():
        figures = [
            region_shares(summary, LEVELS, found, YEARS, "source", compact),
            unmet_chart(summary, LEVELS, YEARS, "source", compact),
        ]
    for fig in figures:
        texts = [
            t
            for t in fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text"))
            if t.get_text().strip() and t is not fig._supxlabel
        ]
        assert texts and min(t.get_fontsize() for t in texts) >= 8.5
        assert fig.get_figwidth() == (COMPACT if compact else WIDE)
        # the height goes to the data: a legend row is shorter than any panel it keys
        panels = [a.get_position().height for a in fig.axes if a.axison]
        legends = [a.get_position().height for a in fig.axes if not a.axison]
        assert panels and all(h < min(panels) for h in legends)
