"""sim.report.experiments: what the report says about a sweep, a sensitivity study or discover."""

from __future__ import annotations

from pathlib import Path

from sim.report.data import RunData
from sim.report.experiments import SMALL_DISCOVERY, discovery_size, outcome_label, prim_caveat


def test_the_outcome_label_takes_metric_period_and_region_from_the_manifest_when_it_says():
    top = RunData(
        Path("out"), {"metric": "imports_units", "period": "2030-Q2", "region": "beijing"}
    )
    assert outcome_label(top, "2027") == "beijing imports_units in 2030-Q2"
    inner = RunData(Path("out"), {"period": "2030", "sensitivity": {"period": "2029"}})
    assert outcome_label(inner, "2027") == "national domestic_share_units in 2029"
    assert outcome_label(RunData(Path("out"), {}), "2027") == (
        "national domestic_share_units in 2027"
    )


def trajectory(step: float, points: float, cases: float, kind: str = "trajectory") -> dict:
    return {"kind": kind, "step": step, "points": points, "cases": cases}


def test_the_discovery_size_is_read_from_the_first_trajectory_step_only():
    rows = [
        trajectory(0.0, 9_999.0, 9.0, kind="box"),  # another kind of row: not a step
        trajectory(1.0, 120.0, 30.0),
        trajectory(0.0, 150.0, 40.0),
    ]
    assert discovery_size(rows) == (150, 40)
    assert discovery_size([trajectory(0.0, 9_999.0, 9.0, kind="box")]) is None
    assert discovery_size([{"step": 0.0, "points": 80.0}]) == (80, 0)  # no kind: a step


def test_only_a_small_discovery_carries_a_caveat():
    small = prim_caveat([trajectory(0.0, SMALL_DISCOVERY - 1.0, 12.0)])
    assert "CAUTION, small sample" in small and f"only {SMALL_DISCOVERY - 1} points" in small
    assert prim_caveat([trajectory(0.0, float(SMALL_DISCOVERY), 12.0)]) == ""
    assert prim_caveat([]) == ""


def test_the_sweep_tornado_carries_the_report_s_source_line():
    from sim.report.data import SweepData
    from sim.report.document import FigureBlock
    from sim.report.experiments import experiment_sections
    from sim.report.style import house_style

    points = [{"point": float(i), "strong": i / 9, "weak": (i * 7 % 10) / 9} for i in range(10)]
    results = [
        {
            "metric": "domestic_share_units",
            "region": "national",
            "period": "2027",
            "quota": "announced",
            "point": p["point"],
            "p50": 0.5 + 0.3 * p["strong"],
        }
        for p in points
    ]
    data = RunData(
        Path("sweep"),
        {"quota_levels": ["announced"]},
        sweep=SweepData(points, ["strong", "weak"], results),
    )
    blocks = [
        b
        for s in experiment_sections(data, "Source: a sweep", "2027")
        for b in s.blocks
        if isinstance(b, FigureBlock)
    ]
    assert [b.key for b in blocks] == ["tornado"]
    with house_style():
        fig = blocks[0].make(compact=False)
    assert fig.get_supxlabel() == "Source: a sweep"
