"""sim.results.why: the numbers behind the sentence on why quota levels differ."""

from __future__ import annotations

import math

from sim.model.stats import STAT_NAMES
from sim.results.why import paired_change, reach_text, unmet_change


def row(mean: float) -> list[float]:
    return [mean if name == "mean" else math.nan for name in STAT_NAMES]


def index(with_effects: bool) -> dict:
    """Means as a summary file prints them (six digits), and the paired effects."""
    out = {
        ("0.5", "domestic_units", "national", "2027"): row(1_613_230.0),
        ("1.0", "domestic_units", "national", "2027"): row(1_613_200.0),
        ("0.5", "imports_units", "national", "2027"): row(811_100.0),
        ("1.0", "imports_units", "national", "2027"): row(787_800.0),
        ("0.5", "unmet_demand_compute", "national", "2027"): row(2_220_000.0),
        ("1.0", "unmet_demand_compute", "national", "2027"): row(2_210_000.0),
    }
    if with_effects:  # level minus announced; imports_displaced counts imports that fell
        for level, added, displaced, unmet in (
            ("0.5", 24.0, -14_958.0, 9_569.0),
            ("1.0", -15.0, 12_239.0, -758.0),
        ):
            out[(level, "level_effect.domestic_added", "national", "2027")] = row(added)
            out[(level, "level_effect.imports_displaced", "national", "2027")] = row(displaced)
            out[(level, "level_effect.unmet_added", "national", "2027")] = row(unmet)
    return out


def test_changes_come_from_the_paired_effects_exact_to_the_chip():
    rows = index(with_effects=True)
    assert paired_change(rows, "domestic_units", "0.5", "1.0", "2027") == -39.0
    assert paired_change(rows, "imports_units", "0.5", "1.0", "2027") == -27_197.0
    assert unmet_change(rows, "0.5", "1.0", "2027") == -10_327.0
    # against the announced quotas, whose effect is zero by construction
    assert paired_change(rows, "domestic_units", "announced", "1.0", "2027") == -15.0


def test_without_effect_rows_the_change_is_the_difference_of_the_means():
    rows = index(with_effects=False)
    assert math.isnan(paired_change(rows, "domestic_units", "0.5", "1.0", "2027"))
    assert math.isnan(paired_change(rows, "power_mw", "0.5", "1.0", "2027"))  # no effect kept
    assert unmet_change(rows, "0.5", "1.0", "2027") == -10_000.0


def test_reach_names_the_segments_a_uniform_level_binds_and_their_share_of_segment_demand():
    rows = {
        ("0.5", "demand_compute", "national", "2027"): row(1_000.0),  # not a segment
        ("0.5", "demand_compute", "beijing", "2027"): row(100.0),
        ("0.5", "demand_compute", "shanghai", "2027"): row(300.0),
        ("0.5", "demand_compute", "beijing", "2026"): row(900.0),
    }  # another year
    assert reach_text(rows, "2027", ("beijing",)) == (
        "A uniform quota level binds Beijing (25% of 2027 demand), not Shanghai."
    )
    assert reach_text(rows, "2027", None) == ""  # reach unknown
    assert (
        reach_text({k: v for k, v in rows.items() if k[2] == "national"}, "2027", ("beijing",))
        == ""
    )  # no segment rows


def test_reach_writes_common_noun_segments_in_lower_case_and_unnamed_ids_spelt_out():
    rows = {
        ("0.5", "demand_compute", "beijing", "2027"): row(100.0),
        ("0.5", "demand_compute", "private", "2027"): row(200.0),
        ("0.5", "demand_compute", "inner_mongolia", "2027"): row(100.0),
    }
    assert reach_text(rows, "2027", ("beijing", "inner_mongolia")) == (
        "A uniform quota level binds Beijing and Inner mongolia (50% of 2027 demand), "
        "not private hyperscalers."
    )
