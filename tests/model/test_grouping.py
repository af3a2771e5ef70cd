"""A replication's numbers do not depend on which replications share its run.

Import clearing skips work that no replication of a run needs (a product
nobody may buy or none is on offer, buying ahead, bundling, approvals, a
grey channel's response): each skip decides on ``.any()`` over the
replication axis, so a block of replications can take a path the whole run
does not. These tests run the whole ensemble and blocks of it
(``simulate(..., first=k)``) and compare every replication's national
values and conservation sums bit for bit, on the baseline and with draws
pinned so that each of those paths is active in some replications only.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sim.core.calendar import parse_month
from sim.model import import_market
from sim.model.ensemble import SimulateOptions, simulate
from sim.scenario import load

BASELINE = load(Path(__file__).parents[2] / "scenarios" / "baseline.toml")
LEVELS = ["announced", "0.7"]
COUNT, SEED = 6, 5
BLOCKS = ((0, 1), (1, 3), (3, 6))  # one replication alone, then two blocks


def month(text: str) -> float:
    """A pinned date: the month's number, as a date parameter is drawn."""
    return float(parse_month(text))


def pinned_paths() -> dict[str, np.ndarray]:
    """Draws that make each skipped path differ between the blocks of :data:`BLOCKS`.

    Replication 0 alone: no grey response, no H200 customs release in the
    calendar, no bundle, no approved H200, no buy-ahead window for the H20
    rule (announced as it bites), no H20 stock. The others have them.
    """
    return {
        "grey_market.smuggled.scarcity_response": np.array([0, 0, 2.0, 0, 1.5, 2.9]),
        "events.h200_customs_release.date": np.array(
            [
                month("2030-01"),
                month("2026-08"),
                month("2030-01"),
                month("2026-07"),
                month("2027-03"),
                month("2030-01"),
            ]
        ),
        "events.h200_bundled_with_domestic.value": np.array([0, 1.0, 0, 2.0, 0.5, 0]),
        "events.h200_approved_big_three.value": np.array([0, 5e5, 4e5, 0, 6e5, 4.5e5]),
        "events.h200_more_approvals.value": np.array([0, 0, 1e5, 0, 3e5, 2e5]),
        "events.h20_licence_required.announced": np.array(
            [
                month("2025-04"),
                month("2025-01"),
                month("2025-04"),
                month("2025-02"),
                month("2025-04"),
                month("2025-03"),
            ]
        ),
        "imports.h20.lead_months": np.array([0, 1, 0, 2, 1, 0]),
        "imports.h20.stockpile_units": np.array([0, 2e5, 3e5, 0, 4e5, 0]),
    }


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit (so -0.0 differs from 0.0 and NaN equals NaN)."""
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def assert_blocks_match(scenario, pinned: dict | None) -> None:
    """Every block of :data:`BLOCKS` gives the whole run's replications, bit for bit."""
    whole = simulate(scenario, COUNT, SEED, LEVELS, options=SimulateOptions(pinned=pinned))
    for start, stop in BLOCKS:
        part_pinned = {k: v[start:stop] for k, v in (pinned or {}).items()}
        part = simulate(
            scenario,
            stop - start,
            SEED,
            LEVELS,
            options=SimulateOptions(first=start, pinned=part_pinned),
        )
        assert part.replicates.keys() == whole.replicates.keys()
        for key, values in whole.replicates.items():  # (levels, R, years)
            assert same_bits(part.replicates[key], values[:, start:stop]), (key, start)
        assert part.conservation.keys() == whole.conservation.keys()
        for key, values in whole.conservation.items():  # (levels, R)
            assert same_bits(part.conservation[key], values[..., start:stop]), (key, start)


@pytest.mark.slow
def test_baseline_blocks_equal_the_whole_run():
    assert_blocks_match(BASELINE, None)


@pytest.mark.slow
def test_blocks_equal_the_whole_run_when_skipped_paths_differ_between_blocks(monkeypatch):
    cleared = []
    clear_product = import_market.clear_product

    def counting(*args):
        cleared.append(args[0])
        return clear_product(*args)

    monkeypatch.setattr(import_market, "clear_product", counting)
    pinned = pinned_paths()
    simulate(
        BASELINE,
        1,
        SEED,
        LEVELS,
        options=SimulateOptions(pinned={k: v[:1] for k, v in pinned.items()}),
    )
    alone = len(cleared)
    cleared.clear()
    simulate(BASELINE, COUNT, SEED, LEVELS, options=SimulateOptions(pinned=pinned))
    assert len(cleared) > alone  # replication 0 alone skips products the whole run clears
    assert_blocks_match(BASELINE, pinned)


def uncapped(scenario):
    """``scenario`` with no enforcement cap on the grey market: only a response makes it respond."""
    grey = {name: replace(spec, enforcement_cap={}) for name, spec in scenario.grey_market.items()}
    return replace(scenario, grey_market=grey)


@pytest.mark.slow
def test_a_block_whose_grey_channel_does_not_respond_equals_the_whole_run(monkeypatch):
    """Without a cap, a block with no scarcity response skips the response altogether."""
    scenario = uncapped(BASELINE)
    pinned = {"grey_market.smuggled.scarcity_response": np.array([2.0, 0.0, 0.0, 1.0, 0.0, 0.5])}
    responding = set()
    tell = import_market.tell_scarcity

    def spying(channels, *args):
        responding.update(c.responds for c in channels if c.grey)
        return tell(channels, *args)

    monkeypatch.setattr(import_market, "tell_scarcity", spying)
    assert_blocks_match(scenario, pinned)
    assert responding == {True, False}  # the block (1, 3) does not respond
