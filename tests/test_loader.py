"""sim.scenario.load: ``extends``, overrides, and every bad input of issue 2, section 7.

Each bad input must raise ScenarioError whose one-line message names the file,
the key path (where there is one) and what was expected.
"""

from __future__ import annotations

import pytest
from chipsim_testing import BASELINE, PRIORS, SCENARIOS

from sim.scenario import ScenarioError, load
from sim.scenario.dump import scenario_hash, to_raw
from sim.scenario.tree import nested, parameters, uncertain


def load_error(path, overrides=None) -> ScenarioError:
    """The ScenarioError raised by loading ``path``; its message is one line."""
    with pytest.raises(ScenarioError) as caught:
        load(path, overrides)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return caught.value


# ----------------------------------------------------------------- good input ----


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_scenario_loads(path):
    scenario = load(path)
    assert scenario.name and scenario.segments and uncertain(scenario)


def test_extending_the_baseline_changes_only_what_the_child_sets(baseline, write_scenario):
    child = load(write_scenario('name = "child"\n[demand]\nbudget_usd = 1.2e10\n'))
    assert child.name == "child"
    assert child.demand.budget_usd.is_fixed and child.demand.budget_usd.args == (1.2e10,)
    assert child.demand.base is None
    # A plain value replacing a cited parameter keeps the citation.
    assert child.demand.budget_usd.evidence == baseline.demand.budget_usd.evidence
    assert child.demand.budget_usd.evidence  # the baseline's budget cites evidence
    assert child.demand.initial_usd_per_h100e == baseline.demand.initial_usd_per_h100e
    assert child.demand.growth == baseline.demand.growth
    assert child.segments == baseline.segments


def test_demand_is_given_as_h100e_or_as_a_budget_exactly_once(write_scenario):
    # both in one file: refused, naming the key to remove
    err = load_error(write_scenario("[demand]\nbase = 1\nbudget_usd = 1e10\n"))
    assert err.path == "demand.budget_usd" and "exactly one" in str(err)
    # an override giving one replaces the other (the baseline gives a budget)
    assert load(BASELINE).demand.budget_usd is not None
    replaced = load(BASELINE, {"demand": {"base": 400000}}).demand
    assert replaced.budget_usd is None and replaced.base.args == (400000.0,)
    # neither: refused, naming base
    from sim.scenario.convert import to_dataclass
    from sim.scenario.schema import Scenario
    from sim.scenario.validate import validate

    raw = to_raw(load(BASELINE))
    del raw["demand"]["budget_usd"]
    assert "base" not in raw["demand"]
    with pytest.raises(ScenarioError, match="exactly one") as caught:
        validate(to_dataclass(Scenario, raw, ""))
    assert caught.value.path == "demand.base"
    # a budget needs the price buyers expect at first
    raw["demand"]["budget_usd"] = 1e10
    del raw["demand"]["initial_usd_per_h100e"]
    with pytest.raises(ScenarioError) as caught:
        validate(to_dataclass(Scenario, raw, ""))
    assert caught.value.path == "demand.initial_usd_per_h100e"


def test_a_child_giving_one_form_of_demand_replaces_its_parents_other(write_scenario):
    priors = load(PRIORS)
    assert priors.demand.budget_usd is not None and priors.demand.base is None
    child = load(write_scenario("[demand]\nbase = 400000\n", extends=PRIORS))
    assert child.demand.base.args == (400000.0,) and child.demand.budget_usd is None
    again = load(
        write_scenario(
            "[demand]\nbudget_usd = 1e10\n", name="again", extends=child_path(write_scenario)
        )
    )
    assert again.demand.budget_usd.args == (1e10,) and again.demand.base is None
    assert again.demand.initial_usd_per_h100e == priors.demand.initial_usd_per_h100e


def child_path(write_scenario):
    """A scenario giving demand in H100e over the priors' budget."""
    return write_scenario("[demand]\nbase = 400000\n", name="h100e", extends=PRIORS)


def test_name_defaults_to_the_file_stem_not_the_parent_name(write_scenario):
    assert load(write_scenario("", name="my-variant")).name == "my-variant"


def test_relative_extends_resolves_beside_the_child(tmp_path):
    (tmp_path / "parent.toml").write_text(PRIORS.read_text("utf-8"), encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "child.toml").write_text('extends = "../parent.toml"\n', encoding="utf-8")
    assert load(tmp_path / "sub" / "child.toml").name == "child"


def test_overrides_are_merged_over_the_file(baseline):
    varied = load(BASELINE, nested("demand.growth.2026", 0.5))
    assert varied.demand.growth["2026"].args == (0.5,)
    assert varied.demand.growth["2027"] == baseline.demand.growth["2027"]


def test_dumped_tree_loads_back_to_the_same_scenario(baseline):
    again = load(BASELINE, to_raw(baseline))
    assert again == baseline and scenario_hash(again) == scenario_hash(baseline)


def test_parameter_paths_are_dotted_key_paths(baseline):
    paths = {p.path for p in parameters(baseline)}
    assert {
        "vendors.huawei.products.ascend_910c.yield_curve.ceiling",
        "demand.growth.2026",
        "events.h200_customs_release",
    } <= paths


# ------------------------------------------------------------------ bad files ----


def test_toml_syntax_error_names_file_and_line(write_scenario):
    path = write_scenario('name = "x"\n\n[demand\nbase = 1\n', extends=None)
    err = load_error(path)
    assert str(path) in str(err) and "TOML syntax error" in str(err) and "line 3" in str(err)


def test_toml_syntax_error_at_end_of_file_still_names_a_line(write_scenario):
    err = load_error(write_scenario('name = "x"\nlevels = [0.5,\n', extends=None))
    assert "line 2" in str(err)


def test_syntax_error_in_the_extended_file_names_that_file(tmp_path):
    (tmp_path / "parent.toml").write_text("a = = 1\n", encoding="utf-8")
    (tmp_path / "child.toml").write_text('extends = "parent.toml"\n', encoding="utf-8")
    err = load_error(tmp_path / "child.toml")
    assert "parent.toml" in str(err) and "line 1" in str(err)


@pytest.mark.parametrize(
    "data, expected",
    [
        (bytes(range(256)), "not a UTF-8 text file"),
        (b'name = "x"\x00\n', "not a text file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a UTF-8 text file"),
    ],
)
def test_a_file_that_is_not_text_is_refused(tmp_path, data, expected):
    path = tmp_path / "binary.toml"
    path.write_bytes(data)
    err = load_error(path)
    assert str(path) in str(err) and expected in str(err)


def test_missing_scenario_file(tmp_path):
    err = load_error(tmp_path / "nowhere.toml")
    assert str(tmp_path / "nowhere.toml") in str(err) and "file not found" in str(err)


def test_a_directory_is_not_a_scenario(tmp_path):
    (tmp_path / "dir.toml").mkdir()
    assert "cannot read" in str(load_error(tmp_path / "dir.toml"))


def test_missing_extends_target(write_scenario):
    path = write_scenario("", extends="no-such-parent.toml")
    err = load_error(path)
    assert str(path) in str(err) and err.path == "extends"
    assert "'no-such-parent.toml' not found" in str(err)


def test_extends_cycle_between_two_files(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n', encoding="utf-8")
    err = load_error(tmp_path / "a.toml")
    assert err.path == "extends" and "cycle" in str(err)
    assert "a.toml -> b.toml -> a.toml" in str(err)


def test_a_file_extending_itself_is_a_cycle(write_scenario):
    path = write_scenario("", name="loop", extends="loop.toml")
    assert "cycle (loop.toml -> loop.toml)" in str(load_error(path))


def test_extends_must_be_a_string(write_scenario):
    err = load_error(write_scenario("extends = 3\n", extends=None))
    assert err.path == "extends" and "expected a file path string" in str(err)


# ---------------------------------------------------------- bad keys and values ----

# (TOML body extending the baseline, key path named, words of the expectation)
BAD_VALUES = {
    "unknown key": ("[demand]\nbsae = 1\n", "demand.bsae", "did you mean 'base'?"),
    "unknown section": ("[segmets.beijing]\n", "segmets", "did you mean 'segments'?"),
    "unknown key in a distribution": (
        '[demand]\nbase = { dist = "uniform", low = 1, hihg = 2 }\n',
        "demand.base.hihg",
        "did you mean 'high'?",
    ),
    "unknown distribution": (
        '[demand]\nbase = { dist = "gaussian", mean = 1 }\n',
        "demand.base.dist",
        "unknown distribution 'gaussian'",
    ),
    "string for an integer": (
        '[run]\nreplications = "many"\n',
        "run.replications",
        "expected an integer, got a string",
    ),
    "float for an integer": ("[run]\nseed = 1.5\n", "run.seed", "expected an integer"),
    "string for a number": (
        '[demand]\nbase = "big"\n',
        "demand.base",
        "expected a number, got a string",
    ),
    "boolean for a number": (
        "[demand]\nbase = true\n",
        "demand.base",
        "expected a number, got a boolean",
    ),
    "number for a table": ("demand = 5\n", "demand", "expected a table, got an integer"),
    "number for a boolean": (
        "[events.h200_allowed]\nenabled = 1\n",
        "events.h200_allowed.enabled",
        "expected true or false",
    ),
    "quota above 1": (
        '[segments.beijing.quota.points]\n"2027-12" = 1.5\n',
        "segments.beijing.quota.points.2027-12",
        "outside the allowed range [0.0, 1.0]",
    ),
    "quota level above 1": (
        "[run]\nquota_levels = [0.5, 1.5]\n",
        "run.quota_levels[1]",
        'expected "announced" or a share in [0, 1]',
    ),
    "negative capacity": (
        '[foundries.smic.capacity]\n"2025" = -5\n',
        "foundries.smic.capacity.2025",
        "outside the allowed range [0.0, inf]",
    ),
    "negative capacity in a range": (
        '[foundries.smic.capacity]\n"2025" = { dist = "uniform", low = -5, high = 10 }\n',
        "foundries.smic.capacity.2025",
        "outside the allowed range",
    ),
    "share above 1 in a range": (
        '[foundries.smic.ai_share]\n"2026" = { dist = "triangular", low = 0.2, mode = 0.5, '
        "high = 1.2 }\n",
        "foundries.smic.ai_share.2026",
        "outside the allowed range [0.0, 1.0]",
    ),
    "uniform low above high": (
        '[demand]\nbase = { dist = "uniform", low = 5, high = 1 }\n',
        "demand.base",
        "low (5) exceeds high (1)",
    ),
    "triangular low above high": (
        '[demand]\nbase = { dist = "triangular", low = 5, mode = 4, high = 1 }\n',
        "demand.base",
        "low (5) exceeds high (1)",
    ),
    "date range low above high": (
        '[events.h200_customs_release]\ndate = { dist = "uniform", low = "2026-06", '
        'high = "2026-01" }\n',
        "events.h200_customs_release.date",
        "exceeds high",
    ),
    "mode outside the range": (
        '[demand]\nbase = { dist = "triangular", low = 1, mode = 9, high = 5 }\n',
        "demand.base.mode",
        "mode must lie between low and high",
    ),
    "fab date after the calendar": (
        '[foundries.huawei_fabs.fabs.fab1]\ncommission = "2030-01"\n',
        "foundries.huawei_fabs.fabs.fab1.commission",
        "outside the calendar (2023-01 to 2027-12)",
    ),
    "uncertain date reaching past the calendar": (
        '[foundries.huawei_fabs.fabs.fab2]\ncommission = { dist = "uniform", low = "2026-01", '
        'high = "2029-06" }\n',
        "foundries.huawei_fabs.fabs.fab2.commission",
        "outside the calendar",
    ),
    "month before the calendar": (
        '[vendors.huawei.products.ascend_910b]\navailable_from = "2022-05"\n',
        "vendors.huawei.products.ascend_910b.available_from",
        "2022-05 is outside the calendar",
    ),
    "quota point outside the calendar": (
        '[segments.beijing.quota.points]\n"2031-01" = 1.0\n',
        "segments.beijing.quota.points.2031-01",
        "outside the calendar",
    ),
    "year key outside the calendar": (
        '[foundries.smic.capacity]\n"2035" = 1\n',
        "foundries.smic.capacity.2035",
        "year 2035 is outside the calendar (2023-2027)",
    ),
    "malformed month": (
        '[memory]\ncontrols_from = "2025-13"\n',
        "memory.controls_from",
        "expected a month written YYYY-MM",
    ),
    "malformed year key": (
        '[demand.growth]\n"26" = 0.5\n',
        "demand.growth.26",
        'expected a year key like "2025"',
    ),
    "calendar ending before it starts": (
        '[calendar]\nend = "2022-12"\n',
        "calendar.end",
        "calendar ends before it starts",
    ),
    "unknown import product in an event": (
        '[events.h200_allowed]\nproduct = "h2000"\n',
        "events.h200_allowed.product",
        "did you mean 'h200'?",
    ),
    "unknown foundry": (
        "[vendors.cambricon.wafer_share]\nsmicc = 0.1\n",
        "vendors.cambricon.wafer_share.smicc",
        "did you mean 'smic'?",
    ),
    "unknown memory pool": (
        '[vendors.huawei.products.ascend_910c]\nmemory = "hbn"\n',
        "vendors.huawei.products.ascend_910c.memory",
        "did you mean 'hbm'?",
    ),
    "grey-market product under guidance": (
        '[events.grey_guidance]\ndate = "2025-01"\nproduct = "smuggled"\nkind = "guidance"\n'
        "value = 0.5\n",
        "events.grey_guidance.kind",
        "subject to bars only",
    ),
    "share rule above one": (
        "[events.h20_launch]\nvalue = 1.5\n",
        "events.h20_launch.value",
        "share in [0, 1]",
    ),
    "unknown allocation rule": (
        '[run]\nallocation = "prorata"\n',
        "run.allocation",
        "did you mean 'pro_rata'?",
    ),
    "non-integer backlog": (
        "[market]\nbacklog_months = 2.5\n",
        "market.backlog_months",
        "expected a fixed whole number",
    ),
}


@pytest.mark.parametrize("body, key, expected", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_bad_value_names_file_key_and_expectation(write_scenario, body, key, expected):
    path = write_scenario(body)
    err = load_error(path)
    # A plain value replacing a baseline distribution is read as its ``value`` key,
    # so the path may end in ".value" (e.g. demand.base.value).
    assert err.file == str(path) and err.path in (key, f"{key}.value")
    assert str(err) == f"{path}: {err.path}: {err.message}"
    assert expected in err.message


def test_bad_override_is_reported_against_the_scenario_file():
    err = load_error(BASELINE, nested("segments.beijing.enforcement", 1.5))
    assert err.file == str(BASELINE) and err.path == "segments.beijing.enforcement"


def test_an_event_dated_after_the_calendar_is_accepted(write_scenario):
    """It never fires (sim.model.timeline); the H200 release may come after 2027."""
    scenario = load(write_scenario('[events.h200_allowed]\ndate = "2030-01"\n'))
    assert scenario.events["h200_allowed"].date.central == 2030 * 12
