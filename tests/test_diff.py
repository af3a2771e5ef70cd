"""chipsim diff: paired differences recover a planted change, read zero for identical runs,
attribute the change to the right group, and refuse runs that cannot be paired."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from chipsim_testing import BASELINE, SEED
from click.testing import CliRunner

from sim.interfaces.cli import main
from sim.interfaces.runner import RunOptions, execute
from sim.report.diff import compare
from sim.report.drivers import changed_paths, group_paths, hybrid_tree

REPS = 150
LEVELS = ["announced", "1.0"]
# Demand above the baseline's whole range (a first-year budget of USD 12.4bn-15.9bn).
MORE_DEMAND = "demand.budget_usd = { value = 2.4e10 }\n"
H200_BLOCKED = "[events.h200_allowed]\nenabled = false\n"


def run(path, out, reps=REPS, seed=SEED, levels=LEVELS):
    execute(path, RunOptions(replications=reps, seed=seed, levels=levels, out_dir=out))
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("diff")
    variant = base / "variant.toml"
    variant.write_text(f"extends = {str(BASELINE)!r}\n{MORE_DEMAND}{H200_BLOCKED}", "utf-8")
    return {
        "a": run(BASELINE, base / "a"),
        "again": run(BASELINE, base / "again"),
        "fewer": run(BASELINE, base / "fewer", reps=100),
        "b": run(variant, base / "b"),
        "seed": run(BASELINE, base / "seed", seed=SEED + 1),
    }


def stat(result, metric, level="announced"):
    return next(s for s in result.stats if s.metric == metric and s.level == level)


@pytest.mark.slow
def test_planted_demand_increase_raises_unmet_demand(runs):
    result = compare(runs["a"], runs["b"], drivers="none")
    unmet = stat(result, "unmet_demand_compute")
    assert unmet.diff.excludes_zero and unmet.diff.low > 0
    assert unmet.diff.n == REPS
    # pairing removes the shared noise: the paired interval is narrower than an unpaired one
    assert unmet.diff.high - unmet.diff.mean < unmet.unpaired_half


def test_identical_scenarios_differ_by_zero_within_the_interval(runs):
    result = compare(runs["a"], runs["again"])
    assert result.changed == [] and result.drivers is None
    for s in result.stats:
        assert s.diff.mean == 0.0
        assert not s.diff.excludes_zero


def test_runs_of_different_sizes_pair_on_their_common_replications(runs):
    result = compare(runs["a"], runs["fewer"])
    assert result.pairs == 100 and any("paired" in note for note in result.notes)
    assert all(s.diff.mean == 0.0 for s in result.stats)


@pytest.mark.slow
def test_driver_groups_add_up_and_point_at_the_demand_change(runs):
    result = compare(runs["a"], runs["b"])
    assert set(result.changed) == {"demand.budget_usd", "events.h200_allowed"}
    assert set(result.groups) == {"demand", "events"}
    d = result.drivers
    assert d.method == "shapley" and d.runs == 4
    for metric, total in d.total.items():
        parts = sum(d.contributions[g][metric].mean for g in d.groups)
        assert parts == pytest.approx(total.mean, abs=1e-9 * max(1.0, abs(total.mean)))
    unmet = "unmet_demand_compute"
    assert d.contributions["demand"][unmet].low > 0  # more demand: more of it unmet
    stored = stat(result, unmet)
    assert d.total[unmet].mean == pytest.approx(stored.diff.mean, rel=1e-4)  # reruns reproduce
    assert not any("does not reproduce" in n for n in result.notes)


@pytest.mark.slow
def test_one_at_a_time_leaves_an_interaction_remainder(runs):
    result = compare(runs["a"], runs["b"], drivers="one-at-a-time")
    d = result.drivers
    assert d.method == "one-at-a-time" and d.remainder
    metric = "domestic_share_units"
    parts = sum(d.contributions[g][metric].mean for g in d.groups)
    assert parts + d.remainder[metric].mean == pytest.approx(d.total[metric].mean)


def test_changed_paths_ignore_evidence_and_run_settings():
    a = {
        "name": "x",
        "run": {"seed": 1, "allocation": "pro_rata"},
        "demand": {"base": {"value": 1, "evidence": ["A1"]}},
    }
    b = {
        "name": "y",
        "run": {"seed": 2, "allocation": "quota_first"},
        "demand": {"base": {"value": 1, "evidence": ["A2"]}, "new": 3},
    }
    assert changed_paths(a, b) == ["run.allocation", "demand.new"]
    assert group_paths(["a.b.c", "a.d", "e"], 1) == {"a": ["a.b.c", "a.d"], "e": ["e"]}
    mixed = hybrid_tree(a, b, ["demand.new"])
    assert mixed["demand"]["new"] == 3 and mixed["run"] == a["run"]
    assert "new" not in hybrid_tree(b, a, ["demand.new"])["demand"]


@pytest.mark.slow
def test_diff_cli_prints_table_and_writes_html(runs, tmp_path):
    out = tmp_path / "diff.html"
    result = CliRunner().invoke(
        main, ["diff", str(runs["a"]), str(runs["b"]), "--report", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "unmet_demand_compute" in result.output and "demand" in result.output
    html = out.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>") and "https://" not in html
    assert html.count("data:image/png;base64,") == 6  # three figures, wide and compact


def test_diff_refuses_different_seeds(runs):
    result = CliRunner().invoke(main, ["diff", str(runs["a"]), str(runs["seed"])])
    assert result.exit_code == 2
    assert "different seeds" in result.output and "Traceback" not in result.output


def test_diff_refuses_different_calendars(runs, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(runs["again"], other)
    manifest = json.loads((other / "manifest.json").read_text("utf-8"))
    manifest["calendar"]["start"] = "2024-01"
    (other / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    result = CliRunner().invoke(main, ["diff", str(runs["a"]), str(other)])
    assert result.exit_code == 2 and "different calendars" in result.output


def test_diff_refuses_a_directory_that_is_not_a_run(runs, tmp_path):
    result = CliRunner().invoke(main, ["diff", str(runs["a"]), str(tmp_path)])
    assert result.exit_code == 2 and "manifest.json" in result.output


def test_mean_interval_covers_a_known_mean():
    from sim.report.paired import mean_interval

    rng = np.random.default_rng(7)
    hits = sum(
        mean_interval(rng.normal(1.0, 2.0, 50)).low
        <= 1.0
        <= mean_interval(rng.normal(1.0, 2.0, 50)).high
        for _ in range(200)
    )
    assert 170 <= hits <= 200


@pytest.mark.parametrize("where", ["a directory", "below a file"])
def test_diff_output_is_checked_before_any_work(runs, tmp_path, monkeypatch, where):
    import sim.report.diff as diff_module

    def never(*args, **kwargs):
        raise AssertionError("the comparison ran before the output was checked")

    monkeypatch.setattr(diff_module, "compare", never)
    (tmp_path / "file").write_text("x", "utf-8")
    target = tmp_path if where == "a directory" else tmp_path / "file" / "diff.html"
    result = CliRunner().invoke(
        main, ["diff", str(runs["a"]), str(runs["b"]), "--report", "-o", str(target)]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and str(tmp_path) in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # nothing written


def test_summary_text_puts_a_blank_line_between_its_heading_and_the_table(runs):
    from sim.report.diff import summary_text

    lines = summary_text(compare(runs["a"], runs["again"])).split("\n")
    assert lines[0].startswith("Paired comparison, B = ") and lines[2] == ""
    assert lines[3].split()[:3] == ["metric", "mean", "A"]


def test_reruns_that_reproduce_the_stored_values_leave_no_note_even_where_a_share_is_nan():
    from pathlib import Path
    from types import SimpleNamespace

    from sim.report.data import RunData
    from sim.report.diff import reproduction_notes
    from sim.report.paired import HEADLINE_METRICS

    share = np.array([[[0.5, 0.6], [np.nan, 0.7], [0.4, 0.8]]])  # (level, replication, year)
    stored = {
        "quota_levels": np.array(["announced"]),
        "years": np.array([2026, 2027]),
        f"national.{HEADLINE_METRICS[0]}": share,
    }
    a, b = RunData(Path("a"), {}, replicates=stored), RunData(Path("b"), {}, replicates=stored)
    rerun = np.zeros((len(HEADLINE_METRICS), 3))
    rerun[0] = share[0, :, 1]
    same = SimpleNamespace(endpoints={"a": rerun, "b": rerun})
    assert reproduction_notes(a, b, same, "announced", 2027, list(HEADLINE_METRICS)) == []
    nan_too = rerun.copy()
    nan_too[0] = share[0, :, 0]  # the first year's values, NaN included: reproduced
    stored_2026 = reproduction_notes(
        a,
        b,
        SimpleNamespace(endpoints={"a": nan_too, "b": nan_too}),
        "announced",
        2026,
        list(HEADLINE_METRICS),
    )
    assert stored_2026 == []
    changed = nan_too.copy()
    changed[0, 0] += 0.01
    (note,) = reproduction_notes(
        a,
        b,
        SimpleNamespace(endpoints={"a": changed, "b": nan_too}),
        "announced",
        2026,
        list(HEADLINE_METRICS),
    )
    assert note.startswith("Rerunning a today does not reproduce its stored values")


def test_the_changes_table_lists_each_changed_parameter_under_sentence_case_headings(runs):
    from sim.report.diff_doc import changes_table

    result = compare(runs["a"], runs["b"], drivers="none")
    table = changes_table(result)
    assert [row[1] for row in table.rows] == result.changed
    assert table.columns[2:4] == [f"A: {result.a.name}", f"B: {result.b.name}"]
    for heading in table.columns[:2] + table.columns[4:]:  # as every report table's
        assert heading == heading[0].upper() + heading[1:].lower(), heading
