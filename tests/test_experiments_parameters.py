import pytest

from sim.experiments.parameters import apply, check_point, leaves, lookup, uncertain
from sim.scenario import ScenarioError, load
from sim.scenario.tree import nested

CEILING = "vendors.huawei.products.ascend_910c.yield_curve.ceiling"


def test_lookup_suggests_the_closest_path(baseline):
    with pytest.raises(ScenarioError) as err:
        lookup(baseline, CEILING.replace("yield_curve", "yeild_curve"), "b.toml")
    assert f"did you mean '{CEILING}'" in str(err.value)
    assert str(err.value).startswith("b.toml: ")


def test_lookup_without_a_close_path_points_to_params(baseline):
    with pytest.raises(ScenarioError, match="chipsim params"):
        lookup(baseline, "no.such.thing")


def test_values_outside_the_schema_limits_are_refused(baseline):
    spec = lookup(baseline, "segments.beijing.enforcement")
    spec.check(0.5)
    with pytest.raises(ScenarioError, match=r"outside the allowed range \[0.0, 1.0\]"):
        spec.check(1.5)
    with pytest.raises(ScenarioError, match="whole number"):
        lookup(baseline, "market.backlog_months").check(2.5)


def test_outside_declared_range_is_allowed_but_flagged(baseline):
    spec = lookup(baseline, CEILING)
    assert spec.declared == (0.4, 0.75)
    spec.check(0.9)
    assert spec.outside_declared(0.9) and not spec.outside_declared(0.6)


def test_dates_parse_as_months_and_must_fall_in_the_calendar(baseline):
    spec = lookup(baseline, "foundries.huawei_fabs.fabs.fab2.commission")
    assert spec.kind == "date"
    value = spec.parse("2026-03")
    assert spec.show(value) == "2026-03"
    with pytest.raises(ScenarioError, match="YYYY-MM"):
        spec.parse("March")
    with pytest.raises(ScenarioError, match="outside the calendar"):
        check_point(baseline, {spec.path: spec.parse("2031-01")})


def test_an_event_may_be_dated_outside_the_calendar(baseline):
    """Events fire in the first month, or never: their dates may lie outside (open)."""
    spec = lookup(baseline, "events.h200_customs_release.date")
    check_point(baseline, {spec.path: spec.parse("2031-01")})


def test_applying_a_value_equals_loading_with_an_override(baseline):
    from chipsim_testing import BASELINE

    for path, value in (
        (CEILING, 0.55),
        ("demand.growth.2026", 0.5),
        ("imports.h200.licence", 0.25),
        ("events.h200_allowed.enabled", False),
        ("run.lever_start", "2026-06"),
    ):
        spec = lookup(baseline, path)
        pinned = spec.parse(str(value).lower() if isinstance(value, bool) else str(value))
        assert apply(baseline, {path: pinned}) == load(BASELINE, overrides=nested(path, value))


def test_run_settings_are_not_parameters_and_event_dates_are(baseline):
    paths = {s.path for s in leaves(baseline)}
    assert "run.seed" not in paths and "calendar.start" not in paths
    assert "run.allocation" in paths
    assert "events.h200_customs_release.date" in {s.path for s in uncertain(baseline)}
    assert {s.path for s in uncertain(baseline, ("*.yield_curve.*",))} == {
        s.path for s in uncertain(baseline) if ".yield_curve." in s.path
    }
