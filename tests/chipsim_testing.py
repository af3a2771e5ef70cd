"""Helpers for the core-model tests: paths, settings, variants, per-replication extremes.

Kept out of conftest.py so test modules can import them by name.

Model property tests use :data:`MODEL`: few examples, derandomized so CI is
reproducible. ``CHIPSIM_EXPLORE=1 pytest tests/test_model_*.py`` searches
harder (200 fresh random examples per test, about 15 minutes).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, settings

from sim.model.ensemble import EnsembleResult
from sim.model.model import Model, ModelOptions
from sim.model.recorder import RecordOptions
from sim.model.stats import summarise
from sim.scenario import Scenario
from sim.scenario.dist import KINDS, Dist

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "baseline.toml"
PRIORS = SCENARIOS / "priors.toml"  # what the calibrated baseline extends
REGISTRY = ROOT / "seeds" / "evidence.toml"
SEED = 20251121  # the baseline's default seed
SMALL = 200  # replications of the shared small run

_EXPLORE = os.environ.get("CHIPSIM_EXPLORE") == "1"
MODEL = settings(
    max_examples=200 if _EXPLORE else 10,
    derandomize=not _EXPLORE,
    deadline=None,
    print_blob=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass
class Observed:
    """A run whose summary rows carry the replication minimum and maximum.

    ``row(...)`` gives mean, min, p25, p50, p75 and max over the replications
    (undefined values left out, NaN when none is defined), so a test can check
    a bound or an equality in every replication, not just between quantiles.
    """

    result: EnsembleResult
    rows: dict[tuple[str, str, str, str], dict[str, float]]

    def row(self, level: str, metric: str, period: str, region: str = "national") -> dict:
        """Statistics of one summary row."""
        return self.rows[(level, metric, region, period)]

    def select(self, metric: str) -> list[tuple[tuple[str, str, str, str], dict]]:
        """Every (key, statistics) of ``metric``; key = (level, metric, region, period)."""
        return [(k, v) for k, v in self.rows.items() if k[1] == metric]


def _with_extremes(summarise):
    """``summarise`` with the p05 and p95 columns replaced by the minimum and maximum."""
    calls = []

    def wrapped(values):
        stats = np.array(summarise(values), dtype=float)
        values = np.asarray(values, dtype=float)
        defined = ~np.isnan(values)
        some = defined.any(axis=-1)
        stats[..., 1] = np.where(some, np.where(defined, values, np.inf).min(axis=-1), np.nan)
        stats[..., 5] = np.where(some, np.where(defined, values, -np.inf).max(axis=-1), np.nan)
        calls.append(values.shape)
        return stats

    return wrapped, calls


def observe(
    scenario: Scenario, replications: int, seed: int, levels: list[str] | None = None
) -> Observed:
    """Simulate with every summary row reporting min and max over replications.

    Summary rows carry quantiles only; invariants "in every replication" need the
    extremes, so the recorder is given a summarise that also returns them (the
    simulation itself is untouched).
    """
    wrapped, calls = _with_extremes(summarise)
    options = ModelOptions(record=RecordOptions(summarise=wrapped))
    result = Model(scenario, replications, seed, levels, options).run()
    assert calls, "the recorder did not call the summarise it was given"
    names = ("mean", "min", "p25", "p50", "p75", "max")
    rows = {
        (q, m, r, p): dict(zip(names, (float(x) for x in s), strict=True))
        for q, m, r, p, s in result.rows
    }
    return Observed(result, rows)


LOCATION = {"value", "low", "mode", "high", "median"}  # arguments in the value's unit


def scaled(dist: Dist, factor: float = 1.0, add: float = 0.0, cap: float | None = None) -> dict:
    """The raw TOML table of ``dist`` with every location argument x -> x * factor + add.

    Shape arguments (sigma, a, b) are kept; ``cap`` clips the result (e.g. 1 for a
    share). A log-normal scaled to zero becomes a fixed zero. Evidence is kept.
    """
    names = KINDS[dist.kind]
    values = {}
    for name, x in zip(names, dist.args, strict=True):
        value = x * factor + add if name in LOCATION else x
        values[name] = min(value, cap) if cap is not None and name in LOCATION else value
    if dist.kind == "lognormal" and values["median"] <= 0:
        return {"value": 0.0, "evidence": list(dist.evidence)}
    head = {} if dist.is_fixed else {"dist": dist.kind}
    return head | values | {"evidence": list(dist.evidence)}


def import_overrides(scenario: Scenario, factor: float) -> dict:
    """Every import and grey-market product's monthly volume and stockpile times ``factor``."""
    out: dict = {}
    for section in ("imports", "grey_market"):
        for name, product in getattr(scenario, section).items():
            out.setdefault(section, {})[name] = {
                "units_per_month": {
                    y: scaled(d, factor) for y, d in product.units_per_month.items()
                },
                "stockpile_units": scaled(product.stockpile_units, factor),
            }
    return out


def yield_overrides(scenario: Scenario, gains: dict[str, tuple[float, float]]) -> dict:
    """Raise the yield start and ceiling of products by ``{product: (d_start, d_ceiling)}``."""
    vendors: dict = {}
    for vname, vendor in scenario.vendors.items():
        for pname, product in vendor.products.items():
            if pname not in gains:
                continue
            d_start, d_ceiling = gains[pname]
            curve = product.yield_curve
            vendors.setdefault(vname, {"products": {}})["products"][pname] = {
                "yield_curve": {
                    "start": scaled(curve.start, add=d_start, cap=1.0),
                    "ceiling": scaled(curve.ceiling, add=d_ceiling, cap=1.0),
                }
            }
    return {"vendors": vendors}


def median_by_year(result: EnsembleResult, metric: str, level: int = 0) -> np.ndarray:
    """National median of ``metric`` per year at quota level index ``level``."""
    return np.median(result.replicates[metric][level], axis=0)


def combine(*overrides: dict) -> dict:
    """Deep-merge raw override trees, later ones winning on conflicts."""
    out: dict = {}
    for tree in overrides:
        for key, value in tree.items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = combine(out[key], value)
            else:
                out[key] = value
    return out
