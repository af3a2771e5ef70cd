"""Calibrate a scenario to its targets by rejection ABC over a Latin hypercube.

1. Screen: each chosen parameter is moved from its prior's 5th to 95th
   percentile (common random numbers); a target no parameter moves by a tenth
   of its half-width is reported and left out of the fit, and a parameter that
   moves no fitted target is left at its prior.
2. Sample: ``draws`` replications, the fitted parameters set by a Latin
   hypercube on their priors, every other parameter drawn from its own prior
   (so its uncertainty is integrated over, not fitted).
3. Accept the ``accept`` fraction of replications closest to the targets
   (``distance``); their parameter values are the posterior sample.
4. Adjust the accepted draws by Beaumont's local-linear regression on the
   targets, with Epanechnikov weights (``adjust``; ``--adjust none`` keeps
   plain rejection), and report their effective sample size.
5. Fit each parameter's marginal (``posterior``) and check the calibrated
   scenario, as it will be written, against every target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.experiments.calibration import adjust, distance, measure, posterior, sampling, tradeoff
from sim.experiments.calibration.measure import Check
from sim.experiments.calibration.posterior import Marginal
from sim.experiments.calibration.targets import Target, load_targets
from sim.model.ensemble import EnsembleResult
from sim.model.rng import Streams
from sim.scenario import Scenario, ScenarioError, load
from sim.scenario.convert import did_you_mean
from sim.scenario.dist import Dist
from sim.scenario.dump import dist_raw
from sim.scenario.evidence import load_registry, registry_path
from sim.scenario.loader import merge
from sim.scenario.settings import resolve
from sim.scenario.tree import nested, parameters

DEFAULT_PARAMS = (  # the most influential uncertain inputs on the targets (docs/calibration.md)
    "demand.budget_usd",
    "demand.growth.2024",
    "demand.growth.2025",
    "imports.legacy.units_per_month.2023",
    "imports.h20.units_per_month.2024",
    # not imports.l20.*: bounded by revenue (A48), no longer IDC's total's free variable
    "grey_market.smuggled.units_per_month.2024",
    # not grey_market.smuggled.units_per_month.2025: its lognormal tail would become the
    # new free variable for IDC's total; the enforcement cap (A47) bounds what it can do
    "grey_market.smuggled.scarcity_response",
    "memory.ration_months",  # the pace of the stockpile (A41): 2025's record speaks to it
    "foundries.smic.ai_share.2025",
    "foundries.smic.expansion_realised",
    "foundries.smic.capacity.2026",
    "vendors.huawei.banked_dies_per_month",
    "vendors.huawei.wafer_share.smic",
    "vendors.huawei.products.ascend_910c.price_usd",
    "vendors.cambricon.wafer_share.smic",
    "vendors.others.wafer_share.smic",
    "vendors.kunlunxin.wafer_share.smic",
    "vendors.t_head.wafer_share.smic",
    "vendors.others.products.other.candidates_per_wafer",
    "segments.private.preference.2024",
    "segments.state_funded.demand_share",
)
LHS_STREAM = "calibration.latin_hypercube"
ADJUSTMENTS = ("linear", "none")
FEW_ACCEPTED = 100  # fewer accepted draws than this make a rough posterior (warned)


class CalibrationError(ValueError):
    """The chosen parameters and targets leave nothing to fit."""


@dataclass(frozen=True)
class Settings:
    """Sizes of the calibration's runs."""

    draws: int = 100_000  # ABC replications (one parameter draw each)
    accept: float = 0.01  # share of draws accepted
    replications: int = 4_000  # per before/after check
    screen: int = 400  # replications per sensitivity run
    chunk: int = 10_000  # replications simulated at once (bounds memory)
    seed: int | None = None  # None: the scenario's run.seed
    adjust: str = "linear"  # regression adjustment of the accepted draws, or "none"


@dataclass
class Calibration:
    """Everything a calibration found, ready to print and write."""

    scenario: Scenario
    calibrated: Scenario
    targets: list[Target]
    params: list[str]
    effects: np.ndarray  # (targets, params), in target half-widths
    fitted: list[Marginal]
    before: list[Check]
    after: list[Check]
    accepted: int
    draws: int
    epsilon: float
    seed: int
    overrides: dict = field(default_factory=dict)
    runs: tuple[EnsembleResult, ...] = ()  # the before and after runs (for the hindcast)
    adjustment: adjust.Adjustment | None = None

    @property
    def warnings(self) -> list[str]:
        """Few accepted draws, and every target the calibration fits worse than the prior."""
        out = []
        if self.accepted < FEW_ACCEPTED:
            out.append(
                f"warning: only {self.accepted} draws accepted (fewer than "
                f"{FEW_ACCEPTED}): the posterior is rough; raise --n (or --accept)"
            )
        for name, how, why in self.worse:
            out.append(f"warning: {name} fits worse after calibration: {how}; why: {why}")
        return out

    @property
    def worse(self) -> list[tuple[str, str, str]]:
        """(target, how it fits worse, why) for each target worse after calibration."""
        return tradeoff.explanations(self.before, self.after, self.params, self.effects)

    @property
    def moved(self) -> np.ndarray:
        """True where a parameter moves a target, (targets, params)."""
        return self.effects >= sampling.MOVES

    @property
    def unmoved(self) -> list[Target]:
        """Targets no chosen parameter moves (reported, not fitted)."""
        return [t for t, row in zip(self.targets, self.moved, strict=True) if not row.any()]

    @property
    def uninformed(self) -> list[str]:
        """Chosen parameters that move no target (left at their priors)."""
        fitted = {m.path for m in self.fitted}
        return [p for p in self.params if p not in fitted]


def choose(scenario: Scenario, paths: list[str] | tuple[str, ...]) -> dict[str, Dist]:
    """Return the priors of the chosen parameter paths; refuse unusable ones."""
    known = {p.path: p.value for p in parameters(scenario)}
    priors = {}
    for path in paths:
        value = known.get(path)
        if value is None:
            raise ScenarioError("unknown parameter" + did_you_mean(path, known), path, "--params")
        if not isinstance(value, Dist) or value.is_fixed:
            raise ScenarioError(
                "has no distribution to calibrate (a fixed value)", path, "--params"
            )
        if value.is_date:
            raise ScenarioError("date parameters cannot be calibrated", path, "--params")
        priors[path] = value
    if not priors:
        raise ScenarioError("no parameters chosen", file="--params")
    return priors


def calibrate(
    scenario_file: str | Path,
    targets_file: str | Path,
    params: list[str] | tuple[str, ...] = DEFAULT_PARAMS,
    settings: Settings = Settings(),
    progress=None,
    stage=None,
) -> Calibration:
    """Fit ``params`` of the scenario to the targets; nothing is written here.

    ``progress(total, unit)``, when given, makes an ``experiments.progress.Progress``
    as each long step starts (the screening, over parameters; the ABC draws,
    over ``settings.draws``); ``stage(text)``, when given, is told each step first.
    """
    say = stage or (lambda text: None)
    scenario = load(scenario_file)
    targets = load_targets(targets_file, scenario, load_registry(registry_path(scenario_file)))
    priors = choose(scenario, params)
    seed = resolve(scenario, seed=settings.seed).seed
    say(
        f"checking the scenario against {len(targets)} targets "
        f"({settings.replications:,} replications)"
    )
    before_run = measure.run(scenario, targets, settings.replications, seed)
    say(f"screening which of {len(priors)} parameters move which targets")
    effects = sampling.effects(
        scenario,
        targets,
        priors,
        settings.screen,
        seed,
        progress(len(priors), "parameters") if progress else None,
    )
    fit_targets, links = screen(targets, list(priors), effects)
    say(f"simulating {settings.draws:,} parameter draws")
    abc = rejection_abc(
        scenario,
        fit_targets,
        {p: priors[p] for p in links},
        settings,
        seed,
        progress(settings.draws, "draws") if progress else None,
    )
    accepted, epsilon = abc.accepted, abc.epsilon
    weighed = adjust.weigh(abc.dist[accepted], epsilon, len(fit_targets), settings.adjust)
    fitted = [
        fit_marginal(p, priors[p], abc, weighed, fit_targets, names) for p, names in links.items()
    ]
    overrides = override_tree(fitted)
    calibrated = load(scenario_file, overrides)
    say(f"checking the calibrated scenario ({settings.replications:,} replications)")
    after_run = measure.run(calibrated, targets, settings.replications, seed)
    return Calibration(
        scenario,
        calibrated,
        targets,
        list(priors),
        effects,
        fitted,
        measure.assess(before_run, targets),
        measure.assess(after_run, targets),
        len(accepted),
        settings.draws,
        epsilon,
        seed,
        overrides,
        (before_run, after_run),
        weighed,
    )


def fit_marginal(
    path: str,
    prior: Dist,
    abc: Abc,
    weighed: adjust.Adjustment,
    targets: list[Target],
    names: tuple[str, ...],
) -> Marginal:
    """One parameter's posterior: its accepted draws, regression-adjusted when possible."""
    theta = abc.draws[path][abc.accepted]
    if not weighed.applied:
        return posterior.marginal(path, prior, theta, names, evidence_of(targets, names))
    s = adjust.summaries(abc.values[:, abc.accepted], targets)
    moved = adjust.local_linear(prior, theta, s, weighed.weights)
    return posterior.marginal(
        path, prior, moved, names, evidence_of(targets, names), weighed.weights, theta
    )


def screen(
    targets: list[Target], params: list[str], effects: np.ndarray
) -> tuple[list[Target], dict[str, tuple[str, ...]]]:
    """Targets some parameter moves, and each moving parameter's targets."""
    moved = effects >= sampling.MOVES
    if not moved.any():
        raise CalibrationError(
            "no chosen parameter moves any target ("
            + ", ".join(t.name for t in targets)
            + "); choose other --params"
        )
    fit_targets = [t for t, row in zip(targets, moved, strict=True) if row.any()]
    links = {}
    for j, path in enumerate(params):
        names = tuple(t.name for t, m in zip(targets, moved[:, j], strict=True) if m)
        if names:
            links[path] = names
    return fit_targets, links


@dataclass(frozen=True)
class Abc:
    """Rejection ABC's draws, every draw's target values and distance, the accepted draws."""

    draws: dict[str, np.ndarray]
    values: np.ndarray  # (targets, draws)
    dist: np.ndarray
    accepted: np.ndarray
    epsilon: float


def rejection_abc(
    scenario: Scenario,
    targets: list[Target],
    priors: dict[str, Dist],
    settings: Settings,
    seed: int,
    progress=None,
) -> Abc:
    """Latin-hypercube draws, their target values and distances, the accepted ones."""
    rng = Streams(seed).generator(LHS_STREAM)
    draws = sampling.latin_hypercube(priors, settings.draws, rng)
    parts = []
    try:
        for first in range(0, settings.draws, settings.chunk):
            count = min(settings.chunk, settings.draws - first)
            pinned = {p: v[first : first + count] for p, v in draws.items()}
            result = measure.run(scenario, targets, count, seed, first, pinned)
            parts.append(measure.matrix(result, targets))
            if progress is not None:
                progress.update(count)
    finally:
        if progress is not None:
            progress.close()
    values = np.concatenate(parts, axis=1)
    dist = distance.distance(values, targets)
    accepted, epsilon = distance.accept(dist, settings.accept)
    if len(accepted) < 2:
        raise CalibrationError("too few draws came near the targets; raise --n")
    return Abc(draws, values, dist, accepted, epsilon)


def evidence_of(targets: list[Target], names: tuple[str, ...]) -> tuple[str, ...]:
    """Evidence ids of the named targets, in order, without repeats."""
    ids = [e for t in targets if t.name in names for e in t.evidence]
    return tuple(dict.fromkeys(ids))


def override_tree(fitted: list[Marginal]) -> dict:
    """Build the raw scenario tree that replaces each fitted parameter's distribution."""
    tree: dict = {}
    for m in fitted:
        tree = merge(tree, nested(m.path, dist_raw(m.fitted)))
    return tree
