"""Calibration end to end: recovery of known parameters, unmovable targets, the shipped baseline."""

from __future__ import annotations

import dataclasses
import json
import shutil
import tomllib

import numpy as np
import pytest
from chipsim_testing import BASELINE, REGISTRY, ROOT, SEED

from sim.experiments.calibration import measure
from sim.experiments.calibration.fit import CalibrationError, Settings, calibrate
from sim.experiments.calibration.posterior import fit
from sim.experiments.calibration.targets import load_targets
from sim.experiments.calibration.writer import (
    calibrated_text,
    toml_key,
    toml_value,
    write_calibrated,
)
from sim.model.ensemble import SimulateOptions, simulate
from sim.scenario import ScenarioError, load
from sim.scenario.dist import Dist
from sim.scenario.dump import dist_raw
from sim.scenario.evidence import load_registry
from sim.scenario.tree import uncertain

PRIORS = ROOT / "scenarios" / "priors.toml"
TARGETS = ROOT / "seeds" / "targets.toml"
TRUTH = {
    "demand.growth.2024": 0.95,
    "demand.growth.2025": 0.8,
    "imports.h20.units_per_month.2024": 100_000.0,
}
OBSERVED = [
    ("demand_2024", "demand_compute", "2024", "A14"),
    ("demand_2025", "demand_compute", "2025", "M1"),
    ("h20_2024", "import_units.h20", "2024", "I3"),
]
SMALL = Settings(draws=20_000, accept=0.005, replications=20, screen=10)


def project(tmp_path):
    """A scratch project: scenarios/ and seeds/ (with the real evidence registry)."""
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "seeds").mkdir()
    shutil.copy(REGISTRY, tmp_path / "seeds" / "evidence.toml")
    return tmp_path


def deterministic_scenario(root, free) -> str:
    """The priors with every uncertain parameter but ``free`` pinned at its median."""
    lines = [f"extends = {json.dumps(str(PRIORS))}"]
    for p in uncertain(load(PRIORS)):
        if p.path not in free:
            fixed = dist_raw(p.value.with_value(p.value.central))
            lines.append(f"{toml_key(p.path)} = {toml_value(fixed)}")
    path = root / "scenarios" / "pinned.toml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def targets_file(root, rows) -> str:
    """A targets file: rows of (name, metric, period, value, tolerance, evidence id)."""
    text = "".join(
        f'[targets.{n}]\nmetric = "{m}"\nperiod = "{p}"\nvalue = {v!r}\n'
        f'tolerance = {t!r}\nevidence = ["{e}"]\n\n'
        for n, m, p, v, t, e in rows
    )
    path = root / "seeds" / "targets.toml"
    path.write_text(text)
    return str(path)


@pytest.mark.slow
def test_parameters_are_recovered_from_targets_the_model_made(tmp_path):
    """Recovery: within 5% of the prior range, with the 90% range shrunk below a third.

    Every other parameter is pinned at its median, so the targets identify the
    three free ones; the model at TRUTH produces the figures, 2% tolerance each.
    """
    root = project(tmp_path)
    scenario_file = deterministic_scenario(root, TRUTH)
    scenario = load(scenario_file)
    pinned = {k: np.full(3, v) for k, v in TRUTH.items()}
    made = simulate(
        scenario,
        3,
        SEED,
        ["announced"],
        options=SimulateOptions(keep=("import_units.h20",), pinned=pinned),
    )
    rows = []
    for name, metric, period, evidence in OBSERVED:
        value = float(measure.term_values(made, metric, period)[0])
        rows.append((name, metric, period, value, 0.02 * value, evidence))
    cal = calibrate(scenario_file, targets_file(root, rows), list(TRUTH), SMALL)
    assert not cal.unmoved and not cal.uninformed
    for m in cal.fitted:
        low, high = m.prior.bounds
        assert abs(m.posterior_band[1] - TRUTH[m.path]) <= 0.05 * (high - low), m.path
        width = m.posterior_band[2] - m.posterior_band[0]
        assert width <= (m.prior_band[2] - m.prior_band[0]) / 3, m.path
    assert all(c.centred for c in cal.after)
    assert cal.adjustment.applied and cal.adjustment.ess > 0
    plain = calibrate(
        scenario_file,
        targets_file(root, rows),
        list(TRUTH),
        dataclasses.replace(SMALL, adjust="none"),
    )
    for adjusted, raw in zip(cal.fitted, plain.fitted, strict=True):
        low, high = raw.prior.bounds  # the adjustment moves draws toward the truth, and narrows
        assert abs(adjusted.posterior_band[1] - TRUTH[raw.path]) <= 0.01 * (high - low)
        assert (
            adjusted.posterior_band[2] - adjusted.posterior_band[0]
            < raw.posterior_band[2] - raw.posterior_band[0]
        ), raw.path


@pytest.mark.slow
def test_a_target_no_parameter_moves_is_reported_not_fitted(tmp_path):
    root = project(tmp_path)
    rows = [
        ("moved", "demand_compute", "2024", 450_000.0, 50_000.0, "A14"),
        ("stuck", "import_units.legacy", "2023", 300_000.0, 50_000.0, "I2"),
    ]
    cal = calibrate(
        PRIORS,
        targets_file(root, rows),
        ["demand.growth.2024"],
        Settings(draws=400, accept=0.05, replications=40, screen=40),
    )
    assert [t.name for t in cal.unmoved] == ["stuck"]
    assert cal.fitted[0].targets == ("moved",)
    text = calibrated_text(cal, root / "scenarios" / "out.toml", PRIORS, "cmd", "t.toml")
    assert "Not fitted (no chosen parameter moves them): stuck" in text


@pytest.mark.slow
def test_nothing_to_fit_is_an_error(tmp_path):
    root = project(tmp_path)
    rows = [("stuck", "import_units.legacy", "2023", 300_000.0, 50_000.0, "I2")]
    with pytest.raises(CalibrationError, match="no chosen parameter moves any target"):
        calibrate(
            PRIORS,
            targets_file(root, rows),
            ["demand.growth.2026"],
            Settings(draws=200, replications=20, screen=20),
        )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (["demand.growth.2031"], "--params: demand.growth.2031: unknown parameter"),
        (["market.backlog_months"], "has no distribution to calibrate"),
        (["foundries.tsmc.closes"], "date parameters cannot be calibrated"),
    ],
)
def test_unusable_parameters_are_refused(params, message):
    with pytest.raises(ScenarioError, match=message):
        calibrate(PRIORS, TARGETS, params, Settings(draws=200, replications=20, screen=20))


@pytest.mark.slow
def test_the_calibrated_file_extends_its_input_and_overrides_only_fitted_parameters(tmp_path):
    root = project(tmp_path)
    rows = [("demand_2024", "demand_compute", "2024", 450_000.0, 50_000.0, "M2")]
    cal = calibrate(
        PRIORS,
        targets_file(root, rows),
        ["demand.growth.2024", "demand.budget_usd"],
        Settings(draws=400, accept=0.05, replications=40, screen=40),
    )
    out = root / "scenarios" / "calibrated.toml"
    write_calibrated(out, calibrated_text(cal, out, PRIORS, "cmd", "t.toml"))
    raw = tomllib.loads(out.read_text())
    assert (out.parent / raw["extends"]).resolve() == PRIORS.resolve()
    assert set(raw) == {"extends", "description", "demand"}
    assert set(raw["demand"]) == {m.path.split(".")[1] for m in cal.fitted}
    loaded = load(out)
    for m in cal.fitted:
        dist = loaded.demand.growth["2024"] if m.path.endswith("2024") else loaded.demand.budget_usd
        assert dist == m.fitted and dist.kind in ("uniform", "triangular")
        assert m.prior.bounds[0] <= dist.bounds[0] <= dist.bounds[1] <= m.prior.bounds[1]
        assert set(m.prior.evidence) | {"M2"} <= set(dist.evidence)
    with pytest.raises(FileExistsError):
        write_calibrated(out, "anything")


def test_a_text_that_does_not_load_is_not_written(tmp_path):
    out = tmp_path / "scenarios" / "broken.toml"
    with pytest.raises(ScenarioError, match="calibrated scenario does not load"):
        write_calibrated(out, f"extends = {json.dumps(str(PRIORS))}\ndemand.budget_usd = -1\n")
    assert not out.exists() and list(out.parent.iterdir()) == []


def test_posterior_fit_keeps_the_prior_support_and_matches_the_draws():
    rng = np.random.default_rng(3)
    levels = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    prior = Dist("triangular", (0.0, 0.5, 1.0), ("A1",))
    for sample, kind in (
        (rng.beta(6.0, 2.0, 5000), "triangular"),
        (rng.normal(0.3, 0.02, 5000), "triangular"),
        (rng.random(5000), "uniform"),
    ):  # flat draws stay flat
        fitted = fit(prior, sample, ("A1", "S1"))
        assert fitted.kind == kind and fitted.evidence == ("A1", "S1")
        assert 0.0 <= fitted.bounds[0] <= fitted.bounds[1] <= 1.0
        np.testing.assert_allclose(fitted.ppf(levels), np.quantile(sample, levels), atol=0.02)
    logn = fit(Dist("lognormal", (100.0, 1.0)), rng.lognormal(np.log(50.0), 0.3, 5000), ())
    assert logn.args[0] == pytest.approx(50.0, rel=0.02)
    assert logn.args[1] == pytest.approx(0.3, rel=0.05)


@pytest.mark.slow
def recorded_fit(text: str) -> dict[str, tuple[bool, bool]]:
    """The header's record of each target after calibrating: (inside the band, median accepted).

    Lines read ``#   NAME PERIOD: figure ...; before -> after in*`` ("OUT" outside
    the 90% band, "*" the median inside the accepted interval).
    """
    fit = {}
    for line in text.splitlines():
        if line.startswith("#   ") and " -> " in line and ": figure " in line:
            name, after = line[4:].split(" ", 1)[0], line.rsplit(" ", 1)[-1]
            fit[name] = (after.rstrip("*") == "in", after.endswith("*"))
    return fit


def test_the_shipped_baseline_fits_its_targets_as_its_header_says():
    """The calibrated baseline reproduces the fit its header records, target by target.

    Where the header says a target lies inside the model's 90% band, or its
    median inside the accepted interval, a fresh run at the calibration's own
    check (4,000 replications, the default seed) agrees, and where it says a
    target is missed, it is missed: the fit is reported, not assumed.
    """
    baseline = load(BASELINE)
    targets = load_targets(TARGETS, baseline, load_registry(REGISTRY))
    recorded = recorded_fit(BASELINE.read_text())
    assert set(recorded) == {t.name for t in targets}
    checks = measure.assess(measure.run(baseline, targets, Settings().replications, SEED), targets)
    assert {c.target.name: (c.inside, c.centred) for c in checks} == recorded


def test_the_shipped_baseline_is_a_calibration_of_the_priors():
    raw = tomllib.loads(BASELINE.read_text())
    assert raw["extends"] == "priors.toml"
    assert "chipsim calibrate scenarios/priors.toml" in BASELINE.read_text()
    baseline = load(BASELINE)
    registry = load_registry(REGISTRY)
    priors = {p.path: p.value for p in uncertain(load(PRIORS))}
    calibrated = [p for p in uncertain(baseline) if p.value != priors.get(p.path)]
    assert calibrated, "the baseline overrides no parameter"
    fitted_to = {e for t in load_targets(TARGETS, baseline, registry) for e in t.evidence}
    for p in calibrated:  # each keeps its prior's evidence and cites the targets it was fitted to
        assert set(priors[p.path].evidence) <= set(p.value.evidence), p.path
        assert set(p.value.evidence) & fitted_to, p.path
        assert set(p.value.evidence) <= set(registry), p.path
        if p.value.kind != "lognormal":  # calibrated values stay inside the evidence range
            low, high = priors[p.path].bounds
            assert low <= p.value.bounds[0] <= p.value.bounds[1] <= high, p.path
