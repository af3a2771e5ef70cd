"""Each figure function returns a Figure with the expected elements for a small run."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from report_fixtures import report_run  # noqa: F401

from sim.report.data import load
from sim.report.figures.market import compliance_heatmap, compliance_matrix, supply_demand
from sim.report.figures.policy import fab_marks, import_marks, policy_timeline, quota_marks
from sim.report.figures.sensitivity import (
    prim_tradeoff,
    sensitivity_bars,
    sweep_tornado,
    tornado_rows,
)
from sim.report.figures.share import (
    ecdf_distance,
    ecdf_groups,
    fan_chart,
    fan_legend,
    reach_probabilities,
    share_ecdf,
)
from sim.report.style import house_style

SOURCE = "Source: test run"


@pytest.fixture(scope="module")
def data(report_run):  # noqa: F811
    return load(report_run)


def data_axes(fig: Figure):
    """Axes that draw data (not the legend-only rows)."""
    return [ax for ax in fig.axes if ax.axison]


def polys(ax) -> list:
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def check_frame(fig: Figure, title_word: str) -> None:
    """Every figure: a title, the source line, and it draws without error."""
    assert isinstance(fig, Figure)
    assert title_word.lower() in fig.get_suptitle().lower()
    assert fig.get_suptitle()[:1].isupper()  # a title starts with a capital, like a sentence
    assert fig.get_supxlabel() == SOURCE
    fig.canvas.draw()


@pytest.mark.parametrize("compact", [False, True])
def test_fan_chart_has_bands_medians_targets_per_level(data, compact):
    levels = data.summary.levels
    with house_style():
        fig = fan_chart(data.summary, levels, data.targets, SOURCE, 2026.0, compact=compact)
    check_frame(fig, "domestic share")
    axes = data_axes(fig)
    assert len(axes) == 2 * len(levels)  # units and compute for each level
    for ax in axes:
        assert len(polys(ax)) == 2  # the 50% and the 90% band
        assert ax.get_ylim() == (0, 1)
        assert ax.yaxis.get_major_formatter()(0.5, 0) == "50%"
    share_targets = [t for t in data.targets if t.metric == "domestic_share_units"]
    assert share_targets, "calibration figures for the share must be found"
    diamonds = [ln for ln in axes[0].lines if ln.get_marker() == "D"]
    assert len(diamonds) == len(share_targets)
    labels = {ax.get_ylabel() for ax in axes if ax.get_ylabel()}
    assert "Announced quotas" in labels and "100% quota" in labels
    legend = [
        t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()
    ]
    (source_range,) = [t for t in legend if t.startswith("Source range")]
    assert ("\n" in source_range) == compact  # long labels on two lines in the narrow figure


def test_ecdf_draws_one_curve_per_distinct_distribution():
    rng = np.random.default_rng(3)
    base = rng.uniform(0.4, 0.9, 400)
    values = {"announced": base, "0.5": base.copy(), "1.0": np.clip(base + 0.15, 0, 1)}
    assert ecdf_groups(values) == [["announced", "0.5"], ["1.0"]]
    with house_style():
        fig = share_ecdf(values, 2027, SOURCE)
    check_frame(fig, "2027")
    left, right = data_axes(fig)
    assert len(left.lines) == 2 + 4  # two distinct curves, four target lines
    labels = [t.get_text() for t in left.get_legend().get_texts()]
    assert labels == ["Announced quotas, 50% quota (one curve)", "100% quota"]
    bars = [c for c in right.containers if isinstance(c, BarContainer)]
    assert len(bars) == 2
    heights = [p.get_height() for p in bars[0].patches]
    assert heights == pytest.approx(list(reach_probabilities(base)))


def test_ecdf_distance_is_the_largest_gap_between_the_curves():
    a = np.array([0.1, 0.2, 0.3, 0.4])
    assert ecdf_distance(a, a) == 0.0
    assert ecdf_distance(a, a + 1) == 1.0
    assert ecdf_distance(a, np.array([0.1, 0.2, 0.3, 0.9])) == pytest.approx(0.25)


def test_reach_probabilities_counts_shares_at_or_above_each_target():
    shares = np.array([0.4, 0.55, 0.7, 0.95, 1.0, np.nan])
    assert list(reach_probabilities(shares)) == pytest.approx([0.8, 0.6, 0.4, 0.2])


def test_compliance_heatmap_one_image_per_level_with_percent_cells(data):
    levels = data.summary.levels
    with house_style():
        fig = compliance_heatmap(data.summary, levels, SOURCE)
    check_frame(fig, "quota")
    panels = [
        ax
        for ax in data_axes(fig)
        if any(isinstance(i, AxesImage) for i in ax.images) and ax.get_title()
    ]
    assert len(panels) == len(levels)
    segments, years, prob, target = compliance_matrix(data.summary, levels[0])
    texts = [t.get_text() for t in panels[0].texts]
    shown = sum(1 for t in texts if t.endswith("%") and not t.startswith("quota"))
    assert shown == int((target > 0).sum())  # a probability in every cell with a quota
    assert {t.get_text() for t in panels[0].get_yticklabels()} >= {"Beijing", "Shanghai"}


def test_supply_demand_stacks_every_vendor_and_product(data):
    with house_style():
        fig = supply_demand(data.summary, "announced", SOURCE)
    check_frame(fig, "supply")
    top, bottom = data_axes(fig)
    stacks = [c for c in top.containers if isinstance(c, BarContainer)]
    expected = data.summary.metrics_like("vendor_units") + data.summary.metrics_like("import_units")
    assert len(stacks) == len(expected) and len(stacks[0].patches) == 20  # 20 quarters
    assert "H100" in bottom.get_ylabel() and "Chips" in top.get_ylabel()
    # demand, unmet, of it offshore, orders waiting; the unmet band
    assert len(bottom.lines) == 4 and len(polys(bottom)) == 1
    labels = [line.get_label() for line in bottom.lines]
    assert "of it offshore (mean)" in labels and "Waiting at quarter end (mean)" in labels


def test_policy_timeline_marks_every_event_fab_and_quota_deadline(data):
    scenario = data.scenario()
    projection = data.summary.series("domestic_share_units", "announced", kind="month")
    with house_style():
        fig = policy_timeline(scenario, projection, SOURCE)
    check_frame(fig, "timeline")
    lanes = data_axes(fig)[1]
    marks = import_marks(scenario) + fab_marks(scenario) + quota_marks(scenario)
    markers = [ln for ln in lanes.lines if ln.get_marker() in ("^", "v", "D", "o")]
    assert len(markers) == len(marks)
    assert len(import_marks(scenario)) == sum(e.enabled for e in scenario.events.values())
    key = " ".join(" ".join(t.get_text() for ax in fig.axes for t in ax.texts).split())
    for mark in import_marks(scenario):  # a long entry may wrap over two key lines
        assert " ".join(mark.text.split()) in key


@pytest.mark.parametrize("compact", [False, True])
def test_policy_lanes_are_named_once_beside_their_rows_or_inside_a_narrow_plot(data, compact):
    scenario = data.scenario()
    projection = data.summary.series("domestic_share_units", "announced", kind="month")
    with house_style():
        fig = policy_timeline(scenario, projection, SOURCE, compact=compact)
    check_frame(fig, "timeline")
    lanes = data_axes(fig)[1]
    beside = [t.get_text() for t in lanes.get_yticklabels() if t.get_text()]
    inside = [t.get_text() for t in lanes.texts if t.get_horizontalalignment() == "left"]
    named = inside if compact else beside
    assert len(named) == len(set(named)) == len(lanes.get_yticks()) > 0
    assert not (beside if compact else inside)


def test_sensitivity_bars_rank_sobol_and_morris_with_intervals():
    sobol = [
        {"parameter": "a.b", "S1": 0.1, "S1_conf": 0.02, "ST": 0.2, "ST_conf": 0.03},
        {"parameter": "c.d", "S1": 0.5, "S1_conf": 0.05, "ST": 0.7, "ST_conf": 0.04},
    ]
    with house_style():
        fig = sensitivity_bars(sobol, "share 2027", SOURCE)
    check_frame(fig, "sobol")
    ax = data_axes(fig)[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a.b", "c.d"]  # largest on top
    assert len([c for c in ax.containers if isinstance(c, BarContainer)]) == 2
    morris = [{"parameter": "x", "mu_star": 0.3, "mu_star_conf": 0.05, "sigma": 0.1}]
    with house_style():
        check_frame(sensitivity_bars(morris, "share", SOURCE), "morris")


def test_sweep_tornado_puts_the_planted_driver_first():
    rng = np.random.default_rng(1)
    points = [
        {"point": float(i), "strong": float(s), "weak": float(w)}
        for i, (s, w) in enumerate(rng.random((60, 2)))
    ]
    outcome = {p["point"]: 0.5 + 0.3 * p["strong"] + 0.02 * p["weak"] for p in points}
    rows = tornado_rows(points, ["weak", "strong"], outcome)
    assert rows[0][0] == "strong" and rows[0][2] > rows[0][1]
    with house_style():
        fig = sweep_tornado(rows, 0.66, "share", SOURCE)
    check_frame(fig, "tornado")


def test_prim_tradeoff_plots_every_box():
    rows = [
        {"coverage": 1.0 - i / 10, "density": 0.3 + i / 20, "res_dim": float(i // 3)}
        for i in range(8)
    ]
    with house_style():
        fig = prim_tradeoff(rows, SOURCE)
    check_frame(fig, "prim")
    ax = fig.axes[0]
    assert len(ax.collections[0].get_offsets()) == 8


def test_probabilities_never_round_a_possibility_away():
    from sim.report.style import chance, pct

    assert [chance(p) for p in (0.0, 0.003, 0.005, 0.42, 0.9971, 1.0)] == [
        "0%",
        "<1%",
        "<1%",
        "42%",
        ">99%",
        "100%",
    ]
    assert chance(float("nan")) == "n/a" and pct(0.4234, 1) == "42.3%"


def test_event_numbers_share_a_label_only_where_their_labels_would_touch():
    from sim.report.figures.policy import Mark, month_x, number_labels

    def mark(month: int, number: int) -> Mark:
        return Mark("H200", month, month, month, "", "open", number)

    base = 24312  # 2026-01 as a month ordinal
    marks = [mark(base + k, 12 + k) for k in range(5)] + [mark(base + 7, 17), mark(base + 20, 18)]
    wide = number_labels(marks, char_years=0.005)  # a desktop-wide axis: every number alone
    assert [text for _, _, text in wide] == [str(n) for n in range(12, 19)]
    narrow = number_labels(marks, char_years=0.04)  # a phone: 12-16 would run into 17
    assert [text for _, _, text in narrow] == ["12, 13, 14, 15, 16, 17", "18"]
    (_, x, _), _ = narrow
    assert x == pytest.approx(np.mean([month_x(base + k) for k in (0, 1, 2, 3, 4, 7)]))
    for (_, a, ta), (_, b, tb) in zip(narrow, narrow[1:], strict=False):  # no two touch
        assert b - a >= ((len(ta) + len(tb)) / 2 + 1) * 0.04


def test_a_limit_label_starts_with_a_capital_and_keeps_the_rest():
    from sim.report.figures.limits import capital

    assert capital("memory (HBM)") == "Memory (HBM)"
    assert capital("") == ""


def test_the_fan_legend_keys_the_quota_line_only_where_a_quota_level_is_drawn():
    def labels(levels, lever_start):
        return [h.get_label() for h in fan_legend(levels, "announced", [], lever_start)]

    assert "Quota level applies" in labels(["announced", "0.5"], 2026.0)
    assert "Quota level applies" not in labels(["announced"], 2026.0)  # no level line drawn
    assert "Quota level applies" not in labels(["announced", "0.5"], None)  # no lever
