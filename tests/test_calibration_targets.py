"""The targets file: the shipped one loads; every malformed one is refused by name."""

from __future__ import annotations

import pytest
from chipsim_testing import REGISTRY, ROOT

from sim.experiments.calibration.targets import default_targets, load_targets, parse_target
from sim.scenario import ScenarioError, load
from sim.scenario.evidence import load_registry

TARGETS = ROOT / "seeds" / "targets.toml"
PRIORS = ROOT / "scenarios" / "priors.toml"

GOOD = """
[targets.t]
metric = "domestic_share_units"
period = "2024"
value = 0.37
tolerance = 0.05
evidence = ["S1"]
"""


@pytest.fixture(scope="module")
def priors():
    return load(PRIORS)


@pytest.fixture(scope="module")
def registry():
    return load_registry(REGISTRY)


def test_shipped_targets_load_and_cover_the_seed_and_supply_figures(priors, registry):
    targets = load_targets(TARGETS, priors, registry)
    cited = {e for t in targets for e in t.evidence}
    assert {"S1", "S2", "S3", "S4", "F1", "F3", "I3", "I12", "W6", "M1"} <= cited
    for t in targets:
        assert t.accept_low <= t.low <= t.value <= t.high <= t.accept_high
        assert t.scale > 0 and t.note


def test_default_targets_file_sits_beside_the_scenarios_folder():
    assert default_targets(PRIORS) == TARGETS


def test_a_sum_over_a_year_and_a_ratio_parse(tmp_path, priors):
    path = tmp_path / "t.toml"
    path.write_text(
        GOOD.replace(
            '"domestic_share_units"',
            '"vendor_units.huawei + '
            'vendor_units.cambricon"\nper = "domestic_units + imports_units"',
        )
    )
    (target,) = load_targets(path, priors)
    assert target.terms == ("vendor_units.huawei", "vendor_units.cambricon")
    assert target.per == ("domestic_units", "imports_units")
    assert target.metric == (
        "(vendor_units.huawei + vendor_units.cambricon) / (domestic_units + imports_units)"
    )


def test_a_range_without_value_takes_its_midpoint(tmp_path, priors):
    path = tmp_path / "t.toml"
    path.write_text(
        GOOD.replace("value = 0.37", "low = 0.3\nhigh = 0.4").replace(
            "tolerance = 0.05", "tolerance = 0"
        )
    )
    (target,) = load_targets(path, priors)
    assert target.value == pytest.approx(0.35)
    assert (target.accept_low, target.accept_high) == (0.3, 0.4)


BAD = [
    ("[targets.t\n", "TOML syntax error"),
    ('title = "x"\n' + GOOD, "title: unknown key"),
    ("[other]\n", "other: unknown key"),
    (GOOD.replace("metric", "metrik"), "targets.t.metrik: unknown key (did you mean 'metric'?)"),
    (GOOD.replace("tolerance = 0.05\n", ""), "targets.t.tolerance: missing required key"),
    (
        GOOD.replace("domestic_share_units", "domestic_share_unit"),
        "targets.t.metric: unknown metric 'domestic_share_unit' (did you mean",
    ),
    (
        GOOD.replace('"domestic_share_units"', '"domestic_share_units + domestic_units"'),
        "targets.t.metric: a share cannot be summed",
    ),
    (
        GOOD.replace('"2024"', '"2024Q2"'),
        "targets.t.metric: domestic_share_units has no quarterly values",
    ),
    (GOOD.replace('"2024"', '"2024-06"'), "targets.t.period: expected a period like"),
    (GOOD.replace('"2024"', '"2031"'), "targets.t.period: period 2031 is outside the calendar"),
    (GOOD.replace('"2024"', "2024"), "targets.t.period: expected a string"),
    (GOOD.replace("value = 0.37", "low = 0.5\nhigh = 0.4"), "targets.t.low: low (0.5) exceeds"),
    (
        GOOD.replace("value = 0.37", "value = 0.37\nlow = 0.1\nhigh = 0.2"),
        "targets.t.value: value 0.37 lies outside",
    ),
    (GOOD.replace("value = 0.37", "low = 0.1"), "targets.t.high: a range needs both"),
    (GOOD.replace("value = 0.37", ""), "targets.t.value: expected a value or a low/high range"),
    (GOOD.replace("value = 0.37", 'value = "high"'), "targets.t.value: expected a number"),
    (GOOD.replace("tolerance = 0.05", "tolerance = 0"), "targets.t.tolerance: tolerance must"),
    (GOOD.replace("tolerance = 0.05", "tolerance = -1"), "targets.t.tolerance: tolerance must"),
    (GOOD.replace('["S1"]', '["S99"]'), "targets.t.evidence: unknown evidence id 'S99'"),
    (GOOD.replace('["S1"]', "[]"), "targets.t.evidence: expected a non-empty array"),
    (GOOD + 'region = "beijing"\n', 'targets.t.region: only "national" targets'),
    ("[targets]\n", "targets: expected a table of targets"),
    ("targets = 3\n", "targets: expected a table of targets"),
    ("[targets]\nt = 3\n", "targets.t: expected a table"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_malformed_targets_name_the_file_and_key(tmp_path, priors, registry, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_targets(path, priors, registry)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_unknown_vendor_or_product_is_refused(tmp_path, priors):
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace('"domestic_share_units"', '"vendor_units.nvidia"'))
    with pytest.raises(ScenarioError, match="unknown metric 'vendor_units.nvidia'"):
        load_targets(path, priors)


def test_a_missing_or_binary_file_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        load_targets(tmp_path / "none.toml")
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\x00\xff\x00")
    with pytest.raises(ScenarioError, match="not a"):
        load_targets(binary)


def test_wafer_starts_take_a_quarter_not_a_year():
    names = (set(), {"wafer_starts"})
    raw = {
        "metric": "wafer_starts",
        "period": "2026",
        "value": 18_000,
        "tolerance": 2_000,
        "evidence": ["F18"],
    }
    with pytest.raises(ScenarioError, match="rate"):
        parse_target("w", raw, names, None, None)
    t = parse_target("w", {**raw, "period": "2026Q1"}, names, None, None)
    assert t.terms == ("wafer_starts",) and t.period == "2026Q1"
