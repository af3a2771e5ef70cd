"""The hindcast figure: data in, a matplotlib Figure out, nothing shown."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from chipsim_testing import ROOT, SEED
from matplotlib.figure import Figure

from sim.experiments.calibration import measure
from sim.experiments.calibration.hindcast import hindcast_data, hindcast_figure, periods_for
from sim.experiments.calibration.targets import load_targets
from sim.scenario import load


@pytest.fixture(scope="module")
def panels():
    scenario = load(ROOT / "scenarios" / "priors.toml")
    targets = load_targets(ROOT / "seeds" / "targets.toml", scenario)
    result = measure.run(scenario, targets, 60, SEED)
    return targets, hindcast_data(result, targets, prior=result)


def test_one_panel_per_metric_and_kind_of_period(panels):
    targets, data = panels
    assert sum(len(p.targets) for p in data) == len(targets)
    keys = [(p.metric, p.periods) for p in data]
    assert len(set(keys)) == len(keys)
    for panel in data:
        assert panel.bands.shape == (len(panel.periods), 3)
        assert np.all(panel.bands[:, 0] <= panel.bands[:, 1])
        assert np.all(panel.bands[:, 1] <= panel.bands[:, 2])
        assert all(t.period in panel.periods for t in panel.targets)


def test_quarterly_targets_get_quarterly_periods(panels):
    targets, _ = panels
    quarterly = next(t for t in targets if "Q" in t.period)
    assert periods_for(quarterly)[:2] == ("2023Q1", "2023Q2")
    assert len(periods_for(quarterly)) == 12


def test_the_figure_is_returned_not_shown(panels):
    _, data = panels
    before = plt.get_fignums()
    fig = hindcast_figure(data)
    assert isinstance(fig, Figure)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == len(data)
    assert plt.get_fignums() == before


def test_the_figure_shows_prior_against_posterior_for_each_fitted_parameter():
    import numpy as np

    from sim.experiments.calibration.hindcast import hindcast_figure
    from sim.experiments.calibration.posterior import marginal
    from sim.scenario.dist import Dist

    rng = np.random.default_rng(0)
    prior = Dist("triangular", (0.0, 0.5, 1.0))
    fitted = [
        marginal(
            "a.b", prior, rng.beta(8, 2, 400), ("t",), (), rng.random(400), rng.beta(6, 3, 400)
        ),
        marginal("c.d", Dist("uniform", (10.0, 2000.0)), rng.uniform(500, 900, 300), ("t",), ()),
    ]
    fig = hindcast_figure([], marginals=fitted)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in axes] == ["a.b", "c.d"]
    labels = {t.get_text() for t in fig.legends[0].get_texts()}
    assert labels == {"prior", "accepted draws", "posterior (regression-adjusted)", "posterior"}
