"""sim.evidence: every shipped parameter cites registry evidence (issue 2, section 2)."""

from __future__ import annotations

import pytest
from chipsim_testing import BASELINE, REGISTRY, SCENARIOS

from sim.evidence import citation_problems, load_registry, registry_path
from sim.scenario import ScenarioError, load
from sim.scenario.tree import parameters

SHIPPED = sorted(SCENARIOS.glob("*.toml"))


@pytest.fixture(scope="module")
def registry():
    return load_registry(REGISTRY)


@pytest.fixture(scope="module")
def new_problems(registry, baseline):
    """Problems of a variant that the baseline does not have (the variants extend it)."""
    known = set(citation_problems(baseline, registry))
    return lambda scenario: [p for p in citation_problems(scenario, registry) if p not in known]


def test_registry_entries_are_complete(registry):
    assert len(registry) > 50
    for ident, entry in registry.items():
        assert entry.id == ident and entry.claim.strip() and entry.source.strip()
        has_figure = entry.value is not None or (entry.low is not None and entry.high is not None)
        assert has_figure or entry.note.strip(), f"{ident} gives no value, range or note"
        if entry.low is not None and entry.high is not None:
            assert entry.low <= entry.high, ident


def test_shipped_scenarios_exist():
    assert "baseline.toml" in {p.name for p in SHIPPED}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_parameter_cites_registered_evidence(path, registry):
    scenario = load(path)
    params = parameters(scenario)
    assert len(params) > 100
    uncited = [p.path for p in params if not p.evidence and not p.default]
    unknown = [(p.path, i) for p in params for i in p.evidence if i not in registry]
    assert not uncited, f"{path.name}: {len(uncited)} parameters cite nothing: {uncited}"
    assert not unknown, f"{path.name}: unknown evidence ids: {unknown}"
    assert citation_problems(scenario, registry) == []


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_registry_is_found_beside_the_scenarios(path):
    assert registry_path(path).resolve() == REGISTRY.resolve()


def test_untouched_schema_defaults_are_exempt_but_written_values_are_not(
        write_scenario, new_problems):
    scenario = load(write_scenario("[vendors.cambricon]\nbanked_dies = 5000\n"))
    assert new_problems(scenario) == ["vendors.cambricon.banked_dies: cites no evidence"]
    defaults = {p.path for p in parameters(load(BASELINE)) if p.default}
    assert "vendors.cambricon.banked_dies" in defaults


def test_unknown_id_is_reported(write_scenario, new_problems):
    scenario = load(write_scenario(
        '[demand]\nbase = { value = 300000, evidence = ["NOPE1", "S1"] }\n'))
    assert new_problems(scenario) == [
        "demand.base: cites unknown evidence id 'NOPE1'"]


def test_parameter_citing_nothing_is_reported(write_scenario, new_problems):
    scenario = load(write_scenario(
        '[segments.beijing]\nsubstitution = { value = 0.8, evidence = [] }\n'))
    assert new_problems(scenario) == [
        "segments.beijing.substitution: cites no evidence"]


def test_uncited_event_and_quota_path_are_reported(write_scenario, new_problems):
    scenario = load(write_scenario(
        '[events.new_ban]\ndate = "2026-07"\nproduct = "h20"\nkind = "licence"\nvalue = 0.0\n'
        '[segments.private.quota]\npoints = { "2027-12" = 0.3 }\n'))
    problems = new_problems(scenario)
    assert "events.new_ban: cites no evidence" in problems
    assert "segments.private.quota: cites no evidence" in problems
    assert len(problems) == 2


def test_disabled_event_needs_no_citation(write_scenario, new_problems):
    scenario = load(write_scenario(
        '[events.new_ban]\ndate = "2026-07"\nproduct = "h20"\nkind = "licence"\n'
        "value = 0.0\nenabled = false\n"))
    assert new_problems(scenario) == []


def test_plain_override_keeps_the_citation_it_replaces(write_scenario, new_problems):
    scenario = load(write_scenario("[market]\nbacklog_months = 3\n"))
    assert scenario.market.backlog_months.evidence
    assert new_problems(scenario) == []


def test_malformed_registry_is_a_scenario_error(tmp_path):
    path = tmp_path / "evidence.toml"
    path.write_text('[evidence.S1]\nclaim = "x"\n', encoding="utf-8")  # fields missing
    with pytest.raises(ScenarioError, match="cannot read the evidence registry"):
        load_registry(path)
