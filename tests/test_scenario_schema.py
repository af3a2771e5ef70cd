"""sim.scenario.schema: the scenario tree's metadata, defaults and the lever's reach."""

from __future__ import annotations

import typing
from dataclasses import MISSING, fields, is_dataclass, replace

import pytest

from sim.scenario import load, schema
from sim.scenario.dist import Dist
from sim.scenario.errors import ScenarioError


def _dataclasses(cls, seen=None):
    """Every dataclass reachable from ``cls`` through its fields' types."""
    seen = seen if seen is not None else {}
    if cls in seen or cls is Dist:
        return seen
    seen[cls] = None
    for hint in typing.get_type_hints(cls).values():
        for arg in (
            hint,
            *typing.get_args(hint),
            *(a for x in typing.get_args(hint) for a in typing.get_args(x)),
        ):
            if is_dataclass(arg):
                _dataclasses(arg, seen)
    return seen


def test_every_field_of_every_section_documents_its_unit():
    classes = list(_dataclasses(schema.Scenario))
    assert schema.Segment in classes and schema.Event in classes and len(classes) > 10
    for cls in classes:
        for f in fields(cls):
            assert f.metadata.get("unit"), f"{cls.__name__}.{f.name} has no unit"


def test_spec_and_bound_sets():
    assert schema.spec("MW", min=0) == {"unit": "MW", "min": 0}
    assert schema.SHARE == {"min": 0.0, "max": 1.0}
    assert set(schema.SHARE_KINDS) < set(schema.EVENT_KINDS)


def test_run_defaults():
    run = schema.RunSpec()
    assert run.quota_levels[0] == "announced" and run.replications >= 1
    assert run.lever_segments is None
    segment_fields = {f.name: f for f in fields(schema.Segment)}
    required = [
        n
        for n, f in segment_fields.items()
        if f.default is MISSING and f.default_factory is MISSING
    ]
    assert required == ["demand_share", "preference", "substitution"]


def test_lever_reach_defaults_to_segments_with_an_announced_quota(baseline):
    unset = replace(baseline, run=replace(baseline.run, lever_segments=None))
    quota = tuple(n for n, s in baseline.segments.items() if s.quota is not None)
    assert unset.lever_reach() == quota and quota
    assert baseline.lever_reach() == baseline.run.lever_segments  # filled in at load
    chosen = replace(baseline, run=replace(baseline.run, lever_segments=("private",)))
    assert chosen.lever_reach() == ("private",)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("[segments.beijing]\nenforcement = 1.5\n", "segments.beijing.enforcement"),
        ("[market]\nbacklog_months = 2.5\n", "market.backlog_months"),
        ("[run]\nreplications = 0\n", "run.replications"),
    ],
)
def test_field_metadata_bounds_are_enforced_at_load(write_scenario, text, path):
    with pytest.raises(ScenarioError) as caught:
        load(write_scenario(text))
    assert caught.value.path == path
