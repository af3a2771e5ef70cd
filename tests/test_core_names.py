"""sim.core.names: one table per kind of id, one rule for the ids without a name."""

from __future__ import annotations

import pytest

from sim.core.metrics import describe
from sim.core.names import (
    COMMON_NOUNS,
    NAMES,
    PRODUCT_NAMES,
    SEGMENT_NAMES,
    VENDOR_NAMES,
    display,
    in_sentence,
)
from sim.scenario import load
from sim.scenario.shipped import find_scenario, shipped_scenarios


def test_an_id_without_a_name_is_spelt_with_spaces_and_a_capital():
    assert display("inner_mongolia") == "Inner mongolia"
    assert display("h200") == "H200" and display("t_head") == "T-Head"
    assert display("h200", SEGMENT_NAMES) == "H200"  # another kind's table: the rule


def test_common_nouns_are_lower_case_inside_a_sentence_and_places_are_not():
    assert in_sentence("other_major") == "other major cities"
    assert in_sentence("beijing") == "Beijing"
    assert in_sentence("xian") == "Xian"
    assert set(COMMON_NOUNS) <= set(SEGMENT_NAMES)


def test_the_kinds_share_no_id_so_one_table_names_them_all():
    kinds = (SEGMENT_NAMES, VENDOR_NAMES, PRODUCT_NAMES)
    assert len(NAMES) == sum(len(kind) for kind in kinds)


def test_a_family_member_is_labelled_by_its_display_name_and_described_by_its_id():
    label, description = describe("vendor_units.t_head")
    assert label.endswith(": T-Head") and description.endswith(": t_head")
    label, _ = describe("counterfactual_effect.us_rules")  # not a named id: as it is
    assert label.endswith(": us_rules")


@pytest.mark.parametrize("name", shipped_scenarios())
def test_every_id_of_a_shipped_scenario_has_a_display_name(name):
    scenario = load(find_scenario(name))
    for kind, ids in (
        (SEGMENT_NAMES, scenario.segments),
        (VENDOR_NAMES, scenario.vendors),
        (PRODUCT_NAMES, {**scenario.imports, **scenario.grey_market}),
    ):
        assert set(ids) <= set(kind), f"{name}: {sorted(set(ids) - set(kind))} have no name"
