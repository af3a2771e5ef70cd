"""The figures built around the quota levels, and the rule that no figure is cut off.

Every figure of a run report, a sweep report, a sensitivity report and a diff
is drawn at both widths (desktop and phone) and must keep everything it draws
inside its own edges; the compliance heatmap's labels must fit their cells.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import BarContainer
from matplotlib.image import AxesImage
from report_fixtures import REPORT_LEVELS, drawn_outside, report_run  # noqa: F401

from sim.core.metrics import EFFECTS, M
from sim.model.constraints import CONSTRAINTS, LIMITS
from sim.report.build import build_report
from sim.report.data import load
from sim.report.document import TextBlock
from sim.report.figures.levels import level_differences
from sim.report.figures.limits import limits_chart
from sim.report.figures.market import compliance_heatmap, quota_years
from sim.report.figures.sensitivity import (
    round_percent_ticks,
    sensitivity_bars,
    short_labels,
    sweep_tornado,
    tornado_rows,
)
from sim.report.html import render_html
from sim.report.levels import limits_reading, paired_differences, reach_sentence
from sim.report.style import house_style
from sim.results.binds import TARGET, THRESHOLD, ranking
from sim.results.effects import EffectRow, Effects

SOURCE = "Source: test run"


@pytest.fixture(scope="module")
def data(report_run):  # noqa: F811
    return load(report_run)


def years_of(data) -> list[str]:
    return sorted({k[3] for k in data.summary.index if k[3].isdigit()})


@pytest.mark.parametrize("compact", [False, True])
def test_limits_chart_draws_each_limits_elasticity_with_its_interval(data, compact):
    years = years_of(data)[-2:]
    with house_style():
        fig = limits_chart(data.effects, "announced", years, SOURCE, compact=compact)
    assert "limits deliveries" in fig.get_suptitle().lower() and fig.get_supxlabel() == SOURCE
    (ax,) = [a for a in fig.axes if a.axison]
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert len(labels) == len(LIMITS)  # the registry's order, top to bottom
    for label, name in zip(labels, LIMITS, strict=True):
        assert label.lower().startswith(CONSTRAINTS[name].label.lower())
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert [c.get_label() for c in bars] == years[::-1]  # the last year drawn first, on top
    for year, container in zip(years[::-1], bars, strict=True):
        ranked = {b.constraint: b for b in ranking(data.effects, "announced", year)}
        expected = [data.effects.get("announced", c, TARGET, year).elasticity for c in LIMITS]
        assert [p.get_width() for p in container.patches] == pytest.approx(expected)
        assert [ranked[c].elasticity for c in LIMITS] == pytest.approx(expected)
        tops = sorted(container.patches, key=lambda p: -p.get_y())  # top row first
        assert [p.get_width() for p in tops] == pytest.approx(expected)  # LIMITS order
    whiskers = [c for c in ax.collections if c.get_segments()]
    ends = sorted((seg[0][0], seg[1][0]) for w in whiskers for seg in w.get_segments())
    expected_ends = sorted(
        (b.low, b.high) for y in years for b in ranking(data.effects, "announced", y)
    )
    flat = [x for pair in ends for x in pair]  # approx compares flat sequences only
    assert flat == pytest.approx([x for pair in expected_ends for x in pair])
    verticals = {round(line.get_xdata()[0], 9) for line in ax.lines}
    assert verticals == {0.0, THRESHOLD}  # no effect, and the threshold from which one binds
    assert ax.get_xlim()[0] < 0 <= THRESHOLD < ax.get_xlim()[1]
    assert drawn_outside(fig) == []


def test_limits_chart_shows_a_negative_effect_left_of_zero():
    # by id, so a new limit (drawn with no effect) leaves the others' values in place
    given_means = {
        "memory": 5.0,
        "wafers": -3.0,
        "import_supply": 0.5,
        "us_rules": 2.0,
        "demand": 1.5,
    }
    means = {name: given_means.get(name, 0.0) for name in LIMITS}
    assert set(given_means) < set(means)
    effects = Effects(
        [
            EffectRow(
                "announced",
                name,
                TARGET,
                "2027",
                "H100e",
                "+10%",
                0.1,
                100.0,
                mean,
                mean - 1.0,
                mean + 1.0,
                mean / 100 / 0.1,
            )
            for name, mean in means.items()
        ]
    )
    with house_style():
        fig = limits_chart(effects, "announced", ["2027"], SOURCE)
    assert fig.get_suptitle().startswith("What limits deliveries")  # a capital, like a sentence
    (ax,) = [a for a in fig.axes if a.axison]
    widths = [p.get_width() for p in ax.containers[0].patches]
    assert widths == pytest.approx([means[name] / 100 / 0.1 for name in LIMITS])  # LIMITS order
    assert min(widths) == pytest.approx(-0.3)  # the wafers' negative effect
    assert ax.get_xlim()[0] < -0.4  # the whole interval of the negative effect shows
    assert "\u22120.30" in [t.get_text() for t in ax.texts]  # a true minus sign
    text = limits_reading(effects, "announced", ["2027"], ["announced"])
    assert text.startswith(
        "In 2027, under announced quotas, three limits bind deliveries, by "
        "elasticity: memory (HBM, HiBL) at 0.50 (90% of replications: 0.40 "
        "to 0.60), US rules at 0.20 (0.10 to 0.30) and demand at 0.15"
    )
    assert (
        "Relaxing advanced wafers lowers deliveries (elasticity \u22120.30, 90% of "
        "replications \u22120.40 to \u22120.20)."
    ) in text
    assert "Chinese import rules lowers" not in text  # no effect is not a lower one
    none = Effects([r for r in effects.rows if r.mean <= 0.5])
    assert "no limit binds deliveries" in limits_reading(none, "announced", ["2027"], ["announced"])


def test_limits_reading_names_the_binding_limits_from_the_effects(data):
    years = years_of(data)[-2:]
    text = limits_reading(data.effects, "announced", years, REPORT_LEVELS)
    binding = [b for b in ranking(data.effects, "announced", years[-1]) if b.binds]
    assert all(b.label in text and f"{b.elasticity:.2f}" in text for b in binding)
    assert f"In {years[-1]}, under announced quotas" in text
    assert f"In {years[0]} " in text  # the earlier year shown
    assert "same draws" in text and "at least 1%" in text


@pytest.mark.slow
def test_a_run_without_effects_gets_a_text_in_place_of_the_limits_figure(
    report_run,  # noqa: F811
    tmp_path,
):
    bare = tmp_path / "bare"
    shutil.copytree(report_run, bare, ignore=shutil.ignore_patterns("effects.csv", "report.*"))
    manifest = json.loads((bare / "manifest.json").read_text())  # as a run made without them
    manifest["files"].remove("effects.csv")
    manifest.pop("explain", None)
    (bare / "manifest.json").write_text(json.dumps(manifest))
    data = load(bare)
    assert data.effects is None and load(report_run).effects
    doc = build_report(data)
    section = next(s for s in doc.sections if s.key == "levels")
    block = next(b for b in section.blocks if getattr(b, "key", "") == "limits")
    assert isinstance(block, TextBlock)
    assert "no counterfactual effects" in block.text and "chipsim explain RUN_DIR" in block.text
    assert "limits" not in {b.key for b in doc.figures()}
    table = next(t for t in doc.tables() if t.key == "quota-levels")
    assert {row[-1] for row in table.rows} == {"n/a"}
    html = render_html(doc)
    assert 'id="text-limits"' in html and "chipsim explain RUN_DIR" in html


@pytest.mark.parametrize("compact", [False, True])
def test_level_differences_draws_the_reference_fan_and_paired_intervals(data, compact):
    diffs = paired_differences(data.replicates, REPORT_LEVELS)
    assert diffs.reference == "announced" and list(diffs.stats) == ["0.5", "1.0"]
    with house_style():
        fig = level_differences(data.summary, diffs, SOURCE, 2026.0, compact=compact)
    assert "paired differences" in " ".join(fig.get_suptitle().lower().split())
    top, middle, *effects = [ax for ax in fig.axes if ax.axison]
    assert len([c for c in top.collections if c.get_paths()]) >= 2  # 50% and 90% bands
    markers = [ln for ln in middle.lines if ln.get_marker() == "o"]
    assert len(markers) == 2  # one series of means per level
    years = [y for y in diffs.years if y >= 2026]
    for line, level in zip(markers, diffs.stats, strict=True):
        shown = np.asarray(line.get_ydata(), dtype=float)
        expected = diffs.stats[level][[diffs.years.index(y) for y in years], 0]
        assert shown == pytest.approx(expected)
    assert len(effects) == len(EFFECTS)  # one panel per level effect
    bars = [c for c in effects[0].containers if isinstance(c, BarContainer)][0]
    name = f"{M.level_effect}.{next(iter(EFFECTS))}"
    expected = [data.summary.value(name, lv, str(years[-1]), stat="mean") for lv in ("0.5", "1.0")]
    assert sorted(p.get_width() for p in bars.patches) == pytest.approx(sorted(expected))
    assert drawn_outside(fig) == []


def test_paired_differences_are_per_replication_differences(data):
    diffs = paired_differences(data.replicates, REPORT_LEVELS)
    values = data.replicates["national.domestic_share_units"].astype(float)
    levels = [str(x) for x in data.replicates["quota_levels"]]
    diff = (values[levels.index("1.0")] - values[levels.index("announced")])[:, -1] * 100
    mean, p05, p50, p95 = diffs.stats["1.0"][-1]
    assert mean == pytest.approx(np.nanmean(diff))
    assert (p05, p50, p95) == pytest.approx(tuple(np.nanpercentile(diff, [5, 50, 95])))
    assert paired_differences(None, REPORT_LEVELS) is None
    assert paired_differences(data.replicates, ["announced"]) is None


def report_figures(path):
    """Every figure block of the report of ``path``."""
    return build_report(load(path)).figures()


@pytest.mark.slow
@pytest.mark.parametrize("compact", [False, True])
def test_no_figure_of_the_run_report_is_cut_off(report_run, compact):  # noqa: F811
    blocks = report_figures(report_run)
    assert {b.key for b in blocks} >= {"limits", "levels", "compliance", "supply", "fan"}
    for block in blocks:
        with house_style():
            fig = block.make(compact=compact)
        assert drawn_outside(fig) == [], block.key


@pytest.mark.parametrize("compact", [False, True])
def test_compliance_labels_fit_their_cells(data, compact):
    levels = data.summary.levels
    with house_style():
        fig = compliance_heatmap(data.summary, levels, SOURCE, compact=compact)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    panels = [
        ax for ax in fig.axes if any(isinstance(i, AxesImage) for i in ax.images) and ax.get_title()
    ]
    columns = len(quota_years(data.summary, levels))
    assert columns and all(len(ax.get_xticklabels()) == columns for ax in panels)
    for ax in panels:
        cell = ax.get_window_extent(renderer).width / columns
        for text in ax.texts:
            assert text.get_window_extent(renderer).width < cell, text.get_text()
    legend = next(ax.get_legend() for ax in fig.axes if ax.get_legend())
    assert "times the segment's enforcement" in legend.get_title().get_text().replace("\n", " ")


def test_short_labels_stay_distinct():
    paths = ["imports.h200.units_per_month.2026", "imports.l20.units_per_month.2026", "demand.base"]
    wide = short_labels(paths, compact=False)
    assert len(set(wide)) == 3
    narrow = short_labels(paths, compact=True)
    assert len(set(narrow)) == 3 and all(
        len(line) <= 26 for lab in narrow for line in lab.split("\n")
    )


def test_round_percent_ticks_are_round_numbers():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    ax.set_xlim(0.648, 0.742)
    round_percent_ticks(ax.xaxis)
    FigureCanvasAgg(fig).draw()
    ticks = [t for t in ax.get_xticks() if 0.648 <= t <= 0.742]
    steps = {round((b - a) * 100, 6) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1 and steps.pop() in (1, 2, 2.5, 5, 10)
    labels = [ax.xaxis.get_major_formatter()(t, 0) for t in ticks]
    assert all(
        abs(float(lab.rstrip("%")) - t * 100) < 1e-6 for lab, t in zip(labels, ticks, strict=True)
    )


@pytest.mark.parametrize("compact", [False, True])
def test_tornado_legend_sits_outside_the_bars(compact):
    rng = np.random.default_rng(1)
    points = [
        {
            "point": float(i),
            "a.long.parameter.name.one": float(s),
            "a.long.parameter.name.two": float(w),
        }
        for i, (s, w) in enumerate(rng.random((60, 2)))
    ]
    outcome = {p["point"]: 0.65 + 0.08 * p["a.long.parameter.name.one"] for p in points}
    rows = tornado_rows(points, ["a.long.parameter.name.one", "a.long.parameter.name.two"], outcome)
    with house_style():
        fig = sweep_tornado(
            rows, 0.69, "national share 2027, announced quotas", SOURCE, compact=compact
        )
    bars_ax = next(ax for ax in fig.axes if ax.axison)
    assert bars_ax.get_legend() is None  # the legend has its own row above the bars
    assert any(ax.get_legend() for ax in fig.axes if not ax.axison)
    assert drawn_outside(fig) == []


@pytest.mark.parametrize("compact", [False, True])
def test_sobol_chart_labels_are_distinct_and_uncut(compact):
    rows = [
        {
            "parameter": f"imports.{p}.units_per_month.2026",
            "S1": 0.1 * i,
            "S1_conf": 0.05,
            "ST": 0.2 * i,
            "ST_conf": 0.04,
        }
        for i, p in enumerate(["h200", "l20", "h20"], 1)
    ]
    with house_style():
        fig = sensitivity_bars(
            rows, "national domestic_share_units in 2027", SOURCE, compact=compact
        )
    ax = next(ax for ax in fig.axes if ax.axison)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(set(labels)) == 3
    assert drawn_outside(fig) == []


def test_drawn_outside_notices_a_cut_label():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.text(0.9, 0.5, "a label that runs far beyond the right edge", transform=ax.transAxes)
    assert any("right edge" in item for item in drawn_outside(fig))
    assert math.isfinite(fig.get_figwidth())


@pytest.mark.parametrize("chance", [0.0, 0.6])
def test_compliance_sentence_is_true_when_every_segment_has_the_same_chance(chance):
    """Open-imports once printed "most likely: A, B, C (0%); least likely: A, B, C (0%)"."""
    from sim.report.data import STATS, Summary
    from sim.report.readings import compliance_reading

    rows = []
    for level in ("announced", "1.0"):
        for segment in ("beijing", "shanghai", "guiyang"):
            for year in ("2026", "2027"):
                for metric, value in (("quota_compliance", chance), ("quota_target", 0.7)):
                    rows.append(
                        {
                            "quota": level,
                            "metric": metric,
                            "region": segment,
                            "period": year,
                            **dict.fromkeys(STATS, value),
                        }
                    )
    text = compliance_reading(Summary(rows), ["announced", "1.0"])
    assert "most likely" not in text and "least likely" not in text
    assert (
        f"in 2027 every one of the 3 segments with a quota in force has the same chance "
        f"of meeting it: {chance:.0%}."
    ) in text
    assert f"is {chance:.0%} (announced quotas), {chance:.0%} (100% quota)." in text


def test_the_levels_intro_says_what_a_level_is_for_the_run_at_hand():
    from sim.report.build import level_meaning

    text = level_meaning("2026-01", ["announced", "0.5", "1.0"])
    assert text.startswith("A quota level (50%, 100%) replaces the announced quota")
    assert "phased in linearly from 2026-01 and in full force from 2027-01" in text
    assert "the 50% level asks less" in text
    late = level_meaning("2027-05", ["0.9"])  # a lever after the deadline applies at once
    assert "in full force from 2027-05;" in late and "phased" not in late
    assert level_meaning("2026-01", ["announced"]) == ""


def test_the_reach_sentence_names_the_segments_and_their_share_of_demand(data):
    scenario = data.scenario()
    reach = scenario.lever_reach()
    assert "private" not in reach and len(reach) == 5
    text = reach_sentence(scenario, data.summary, "announced", "2027")
    demand = {
        s: data.summary.value(M.demand_compute, "announced", "2027", s, "mean")
        for s in scenario.segments
    }
    share = sum(demand[s] for s in reach) / sum(demand.values())
    assert text == (
        "The level binds Beijing, Shanghai, Guiyang (Guizhou), other major cities "
        f"and state-funded DCs: {share:.0%} of 2027 demand (H100e, mean over "
        "replications); it does not reach private hyperscalers."
    )
    everyone = dataclasses.replace(
        scenario, run=dataclasses.replace(scenario.run, lever_segments=tuple(scenario.segments))
    )
    assert "binds every segment" in reach_sentence(everyone, data.summary, "announced", "2027")
    assert ": 100% of 2027 demand" in reach_sentence(everyone, data.summary, "announced", "2027")
    intro = next(s for s in build_report(data).sections if s.key == "levels").intro
    assert intro.endswith(text)
