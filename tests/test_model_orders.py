"""Demand that clears (issue 18): orders are filled, served offshore, abandoned or still wait.

Laws over whole runs, in every level and replication: the order book balances
(placed = filled + offshore + abandoned + waiting), unmet demand is offshore
plus abandoned, the mechanism switched off leaves no offshore compute, a
budget at one USD per H100e is demand in H100e, and a larger budget never
lowers delivered compute (on means).
"""

from __future__ import annotations

import numpy as np
import pytest
from chipsim_testing import MODEL, PRIORS, scaled
from hypothesis import given
from hypothesis import strategies as st

from sim.model.ensemble import simulate
from sim.model.model import Model
from sim.scenario import load

R = 30
TINY = "tests/model/tiny.toml"
ORDERS = ("orders_placed", "orders_filled", "orders_offshore", "orders_abandoned", "orders_waiting")


def priors_with(factor: float = 1.0, backlog: int = 6, allocation: str = "pro_rata"):
    """The priors (a budget, offshore shares and capacity) with the budget times ``factor``."""
    priors = load(PRIORS)
    return load(
        PRIORS,
        {
            "demand": {"budget_usd": scaled(priors.demand.budget_usd, factor)},
            "market": {"backlog_months": backlog},
            "run": {"allocation": allocation},
        },
    )


@pytest.mark.slow
@MODEL
@given(
    seed=st.integers(0, 2**32 - 1),
    factor=st.sampled_from([0.3, 1.0, 3.0]),
    backlog=st.integers(1, 12),
    allocation=st.sampled_from(["pro_rata", "quota_first"]),
)
def test_orders_are_filled_offshore_abandoned_or_waiting_in_every_replication(
    seed, factor, backlog, allocation
):
    result = simulate(priors_with(factor, backlog, allocation), R, seed)
    c = result.conservation
    placed, filled, offshore, abandoned, waiting = (c[k] for k in ORDERS)
    scale = float(placed.max())
    assert scale > 0
    for part in (filled, offshore, abandoned, waiting):
        assert np.all(part >= -1e-9 * scale)
    np.testing.assert_allclose(
        placed, filled + offshore + abandoned + waiting, rtol=1e-9, atol=1e-9 * scale
    )
    rep = result.replicates
    np.testing.assert_allclose(
        rep["unmet_demand_compute"],
        rep["offshore_compute"] + rep["abandoned_demand_compute"],
        rtol=1e-9,
        atol=1e-6,
    )
    np.testing.assert_allclose(offshore, rep["offshore_compute"].sum(-1), rtol=1e-9, atol=1e-6)
    # what waits at the end of the last year is the deferred stock reported for it
    np.testing.assert_allclose(
        waiting, rep["deferred_demand_compute"][..., -1], rtol=1e-9, atol=1e-6
    )


def test_without_offshore_shares_every_unmet_order_is_abandoned():
    scenario = load(TINY)
    result = simulate(scenario, 8, 3)
    rep = result.replicates
    assert np.all(rep["offshore_compute"] == 0.0)
    np.testing.assert_array_equal(rep["abandoned_demand_compute"], rep["unmet_demand_compute"])
    assert rep["unmet_demand_compute"].sum() > 0


def test_a_budget_at_one_usd_per_h100e_is_demand_in_h100e():
    # tiny's chips carry no price, so buyers keep expecting the first month's price
    h100e = load(TINY)
    budget = load_budget(TINY, 1200.0, 1.0)
    a, b = simulate(h100e, 6, 5), simulate(budget, 6, 5)
    for metric, values in a.replicates.items():
        np.testing.assert_allclose(b.replicates[metric], values, rtol=1e-12, err_msg=metric)


def load_budget(path: str, usd: float, price: float):
    """``path`` with demand given as a budget of ``usd`` a year at first ``price`` per H100e."""
    import tomllib
    from pathlib import Path

    from sim.scenario.convert import to_dataclass
    from sim.scenario.schema import Scenario
    from sim.scenario.validate import validate

    raw = tomllib.loads(Path(path).read_text())
    raw["demand"] = {"budget_usd": usd, "initial_usd_per_h100e": price}
    scenario = to_dataclass(Scenario, raw, "")
    validate(scenario)
    return scenario


def test_a_larger_budget_never_lowers_delivered_compute_to_date_on_means():
    """Compute delivered from the start to each year's end, on means, at each level.

    Not year by year: more orders in 2024-2025 draw the memory stockpile down
    sooner (vendors use it as fast as dies allow), so 2026-2027 can deliver
    a little less than with the smaller budget.
    """
    levels = ["announced", "1.0"]
    plain = Model(priors_with(1.0), 40, 7, levels).run().replicates
    more = Model(priors_with(1.1), 40, 7, levels).run().replicates
    delivered = plain["delivered_compute"].mean(1).cumsum(-1)
    extra = more["delivered_compute"].mean(1).cumsum(-1)
    assert np.all(extra >= delivered * (1 - 1e-9))
    assert np.all(more["demand_compute"].mean(1) > plain["demand_compute"].mean(1))
