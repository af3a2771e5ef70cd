"""sim.scenario.validate: cross-field checks, each refusal naming the key path it is about."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sim.scenario.dist import Dist
from sim.scenario.errors import ScenarioError
from sim.scenario.validate import MAX_NAME_BYTES, default_name, validate


def _refused(scenario, path, says):
    with pytest.raises(ScenarioError) as caught:
        validate(scenario)
    assert caught.value.path == path
    assert says in caught.value.message


def test_the_baseline_passes(baseline):
    validate(baseline)


@pytest.mark.parametrize(
    ("stem", "name"),
    [
        ("baseline (copy)", "baseline copy"),
        ("--x", "x"),
        ("***", "scenario"),
        ("\u6f22" * 150, "\u6f22" * 66),
    ],
)
def test_default_name_is_made_to_fit(stem, name):
    assert default_name(stem) == name
    assert len(default_name(stem).encode()) <= MAX_NAME_BYTES


def test_calendar_refusals(baseline):
    _refused(
        replace(baseline, calendar=replace(baseline.calendar, end="2022-12")),
        "calendar.end",
        "ends before it starts",
    )
    _refused(
        replace(baseline, calendar=replace(baseline.calendar, end="2073-12")),
        "calendar.end",
        "(at most 600)",
    )
    _refused(
        replace(baseline, calendar=replace(baseline.calendar, end="2026-12")),
        "demand.growth.2027",
        "year 2027 is outside the calendar (2023-2026)",
    )


def test_names_and_ids(baseline):
    _refused(replace(baseline, name="a/b"), "name", "expected letters")
    _refused(replace(baseline, name=" padded"), "name", "expected letters")
    segments = {**baseline.segments, "national": baseline.segments["beijing"]}
    _refused(replace(baseline, segments=segments), "segments.national", "reserved")
    grey = {"a100": baseline.grey_market["smuggled"]}
    _refused(replace(baseline, grey_market=grey), "grey_market.a100", "already an import")


def test_references_suggest_close_names(baseline):
    vendor = baseline.vendors["huawei"]
    shares = {**vendor.wafer_share, "smicc": Dist.fixed(0.1)}
    vendors = {**baseline.vendors, "huawei": replace(vendor, wafer_share=shares)}
    _refused(
        replace(baseline, vendors=vendors),
        "vendors.huawei.wafer_share.smicc",
        "unknown foundry 'smicc' (did you mean 'smic'?)",
    )
    run = replace(baseline.run, lever_segments=("beijing", "beijing"))
    _refused(replace(baseline, run=run), "run.lever_segments", "each segment listed once")
    run = replace(baseline.run, allocation="random")
    _refused(replace(baseline, run=run), "run.allocation", "unknown allocation rule 'random'")


def test_event_references(baseline):
    name, event = next(iter(baseline.events.items()))
    events = {**baseline.events, name: replace(event, product="a1000")}
    _refused(
        replace(baseline, events=events), f"events.{name}.product", "unknown import product 'a1000'"
    )
    events = {**baseline.events, name: replace(event, segments=("mars",))}
    _refused(replace(baseline, events=events), f"events.{name}.segments", "unknown segment")


def test_wafer_shares_and_demand(baseline):
    vendor = baseline.vendors["cambricon"]
    shares = {foundry: Dist.fixed(1.0) for foundry in vendor.wafer_share}
    vendors = {**baseline.vendors, "cambricon": replace(vendor, wafer_share=shares)}
    foundry = next(iter(set(shares) & set(baseline.vendors["huawei"].wafer_share)))
    _refused(replace(baseline, vendors=vendors), f"foundries.{foundry}", "(at most 1)")
    demand = replace(baseline.demand, base=Dist.fixed(1.0))
    _refused(replace(baseline, demand=demand), "demand.budget_usd", "exactly one of")
