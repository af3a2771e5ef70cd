"""sim.model.effects: paired differences of each level from the announced quotas."""

from __future__ import annotations

import numpy as np

from sim.model.effects import effect_rows


def replicates(imports, domestic, unmet):
    # (levels, R, years) with one year
    return {
        "imports_units": np.array(imports, float)[..., None],
        "domestic_units": np.array(domestic, float)[..., None],
        "unmet_demand_compute": np.array(unmet, float)[..., None],
    }


def test_effects_are_paired_differences_from_the_announced_level():
    reps = replicates(
        imports=[[100, 80], [70, 80]], domestic=[[10, 20], [40, 20]], unmet=[[5, 5], [9, 5]]
    )
    rows = {(r.quota, r.metric): r.stats for r in effect_rows(["announced", "1.0"], [2027], reps)}
    np.testing.assert_allclose(rows[("1.0", "level_effect.imports_displaced")][[0, 3]], [15, 15])
    np.testing.assert_allclose(rows[("1.0", "level_effect.domestic_added")][0], 15)
    np.testing.assert_allclose(rows[("1.0", "level_effect.unmet_added")][[0, 5]], [2, 3.8])
    assert (rows[("announced", "level_effect.domestic_added")] == 0).all()


def test_nothing_is_emitted_without_an_announced_level():
    reps = replicates(imports=[[1.0]], domestic=[[1.0]], unmet=[[1.0]])
    assert effect_rows(["0.5"], [2027], reps) == []
