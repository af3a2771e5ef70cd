"""No silent settings: every scenario field either changes a run's results or says why not.

The field paths are enumerated from the schema (:mod:`sim.scenario.schema`)
by walking its dataclasses, so a field added later is covered automatically:
each path, written generically (``vendors.*.products.*.hbm_stacks``), must be
either in :data:`PERTURB` (a change to it, made on the shipped baseline with
``dataclasses.replace`` down the tree, must change a small run's results) or
in :data:`NO_EFFECT` with the reason it cannot. A new field in neither table
fails :func:`test_every_field_is_exercised_or_explained`.

Every run here uses the scenario's own run settings (``simulate(scenario)``:
``run.seed``, ``run.replications`` and ``run.quota_levels``), so those are
exercised too; the base scenario sets them small. Each perturbed scenario
is checked to be one the loader would accept (converted back from its plain
tree and validated), so a result change is never the effect of an invalid
input.
"""

from __future__ import annotations

import collections.abc
import types
import typing
from dataclasses import dataclass, fields, is_dataclass, replace
from functools import cache

import numpy as np
import pytest
from chipsim_testing import BASELINE

from sim.core.calendar import format_month, parse_month
from sim.model.ensemble import EnsembleResult, simulate
from sim.scenario import Dist, Scenario, load
from sim.scenario.convert import to_dataclass
from sim.scenario.dump import scenario_hash, to_raw
from sim.scenario.validate import validate

pytestmark = pytest.mark.slow  # measured: see the README's Tests section

REPLICATIONS = 20
LEVELS = ("announced", "1.0")  # a uniform level too: the lever's fields act only there


# --- the schema's field paths -------------------------------------------------------------


def optional_inner(tp):
    """``X | None`` -> ``X``; any other type unchanged."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return inner[0] if len(inner) == 1 else tp
    return tp


def child_type(tp) -> tuple[type | None, bool]:
    """The dataclass a field's type leads into, and whether through a mapping's keys.

    ``(None, False)`` for a leaf: a scalar, a tuple, a :class:`Dist` (a
    parameter is one setting) or a mapping of those (e.g. ``growth."YYYY"``).
    """
    tp = optional_inner(tp)
    if typing.get_origin(tp) in (collections.abc.Mapping, dict):
        value = optional_inner(typing.get_args(tp)[1])
        if is_dataclass(value) and value is not Dist:
            return value, True
        return None, False
    if is_dataclass(tp) and tp is not Dist:
        return tp, False
    return None, False


def field_paths(cls: type = Scenario, prefix: str = "") -> set[str]:
    """Every leaf field of ``cls``, recursively, as generic dotted paths (``*``: any key)."""
    out = set()
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        path = f"{prefix}.{f.name}" if prefix else f.name
        inner, keyed = child_type(hints[f.name])
        if inner is None:
            out.add(path)
        else:
            out |= field_paths(inner, f"{path}.*" if keyed else path)
    return out


def generic(path: str) -> str:
    """A concrete path (``vendors.huawei.mix``) with its mapping keys written ``*``."""
    cls, out, parts = Scenario, [], path.split(".")
    i = 0
    while i < len(parts):
        name = parts[i]
        out.append(name)
        inner, keyed = child_type(typing.get_type_hints(cls)[name])
        if keyed and i + 1 < len(parts):
            out.append("*")
            i += 1
        cls = inner
        i += 1
    return ".".join(out)


# --- editing a scenario tree ---------------------------------------------------------------


def edit(node, path: str, change):
    """Return ``node`` with ``change(old)`` at every place ``path`` matches.

    ``path`` is dotted; ``*`` matches every key of a mapping. Dataclasses are
    rebuilt with ``dataclasses.replace``, mappings as new dicts; unset (None)
    sections on the way are left alone.
    """
    head, _, rest = path.partition(".")
    if isinstance(node, collections.abc.Mapping):
        keys = list(node) if head == "*" else [head]
        return {
            **node,
            **{k: edit(node[k], rest, change) if rest else change(node[k]) for k in keys},
        }
    child = getattr(node, head)
    if rest and child is None:  # an unset section (e.g. no quota path): nothing to change
        return node
    return replace(node, **{head: edit(child, rest, change) if rest else change(child)})


def scale(factor: float):
    """Change: multiply a parameter (or every parameter of a mapping) by ``factor``.

    Location arguments scale; shape arguments (a lognormal's sigma, a beta's
    a and b) stay. Unset (None) values stay unset.
    """

    def change(value):
        if value is None:
            return None
        if isinstance(value, collections.abc.Mapping):
            return {k: change(v) for k, v in value.items()}
        if value.kind == "lognormal":
            return replace(value, args=(value.args[0] * factor, value.args[1]))
        if value.kind == "beta":
            a, b, low, high = value.args
            return replace(value, args=(a, b, low * factor, high * factor))
        return replace(value, args=tuple(x * factor for x in value.args))

    return change


def pin(number: float):
    """Change: pin a parameter at ``number`` (unset values stay unset)."""
    return lambda value: None if value is None else value.with_value(number)


def put(value):
    """Change: set the field to ``value`` whatever it was."""
    return lambda _old: value


def flip(value: bool) -> bool:
    """Change: negate a boolean."""
    return not value


def shift(months: int):
    """Change: move a month (a "YYYY-MM" string or a date parameter) by ``months``."""

    def change(value):
        if value is None:
            return None
        if isinstance(value, str):
            return format_month(parse_month(value) + months)
        return replace(value, args=tuple(x + months for x in value.args))

    return change


def scale_points(factor: float):
    """Change: multiply every share of a quota path's points by ``factor``."""
    return lambda points: {k: v * factor for k, v in points.items()}


def other_basis(basis: str) -> str:
    """Change: a quota path's other basis."""
    return "units" if basis == "compute" else "compute"


@dataclass(frozen=True)
class Perturbation:
    """A change to one field, applied where ``where`` matches (default: the field's path).

    ``given`` prepares the base first, for a field that acts only once another
    is set (e.g. a stockpile's date needs a stockpile); the run compared is
    then ``given(base)`` against the change applied to it.
    """

    change: typing.Callable
    where: str | None = None
    given: tuple[str, typing.Callable] | None = None


def month(label: str) -> Dist:
    """A date parameter fixed at the month ``label`` ("YYYY-MM")."""
    return Dist("fixed", (float(parse_month(label)),), (), True)


# A grey-market stock, for its date to matter.
GREY_STOCK = ("grey_market.*.stockpile_units", pin(50_000.0))
# An announced ban on every product, smuggled ones too: a buy-ahead window, which an
# import's lead time moves (a closing rule's window opens lead_months after its
# announcement; without one, a grey-market product's lead time has nothing to act on).
ANNOUNCED_BAN = ("events.state_funded_foreign_ban.announced", put(month("2025-06")))


def to_h100e(demand):
    """Change: demand given in H100e (700k in the first year) instead of a budget."""
    return replace(demand, base=Dist.fixed(700_000.0), budget_usd=None)


# The baseline gives demand as a budget: ``base`` acts once demand is in H100e.
IN_H100E = ("demand", to_h100e)

# Field path -> the change that must alter the results of the baseline.
PERTURB: dict[str, Perturbation] = {
    "calendar.start": Perturbation(shift(-3)),
    "calendar.end": Perturbation(shift(12)),
    "run.seed": Perturbation(lambda seed: seed + 1),
    "run.replications": Perturbation(lambda n: n + 5),
    "run.quota_levels": Perturbation(put(("announced", "0.7"))),
    "run.allocation": Perturbation(put("quota_first")),
    "run.lever_start": Perturbation(shift(-12)),
    "run.lever_segments": Perturbation(put(("state_funded", "private"))),
    "demand.base": Perturbation(scale(1.5), given=IN_H100E),
    "demand.growth": Perturbation(scale(1.5)),
    "demand.initial_domestic_installed": Perturbation(scale(3.0)),
    "demand.initial_import_installed": Perturbation(scale(3.0)),
    "demand.budget_usd": Perturbation(scale(1.5)),
    "demand.initial_usd_per_h100e": Perturbation(scale(3.0)),
    "foundries.*.capacity": Perturbation(scale(1.5)),
    "foundries.*.ai_share": Perturbation(scale(0.7)),
    "foundries.*.expansion_realised": Perturbation(pin(0.2)),
    "foundries.*.yield_factor": Perturbation(pin(0.5)),
    "foundries.*.closes": Perturbation(shift(-6)),
    "foundries.*.fabs.*.commission": Perturbation(shift(-6)),
    "foundries.*.fabs.*.wafers_per_month": Perturbation(scale(2.0)),
    "foundries.*.fabs.*.ramp_months": Perturbation(scale(3.0)),
    "foundries.*.ceiling": Perturbation(scale(1.5)),
    "foundries.*.lead_months": Perturbation(scale(2.0)),
    "vendors.*.products.*.candidates_per_wafer": Perturbation(scale(1.5)),
    "vendors.*.products.*.yield_curve.start": Perturbation(scale(0.5)),
    "vendors.*.products.*.yield_curve.ceiling": Perturbation(scale(0.8)),
    "vendors.*.products.*.yield_curve.learning_months": Perturbation(scale(2.0)),
    "vendors.*.products.*.hbm_stacks": Perturbation(scale(2.0)),
    "vendors.*.products.*.h100e": Perturbation(scale(1.5)),
    "vendors.*.products.*.h100e_growth": Perturbation(pin(0.5)),
    "vendors.*.products.*.power_kw": Perturbation(scale(2.0)),
    "vendors.*.products.*.price_usd": Perturbation(scale(2.0)),
    "vendors.*.products.*.available_from": Perturbation(
        shift(6), "vendors.huawei.products.ascend_910c.available_from"
    ),
    "vendors.*.products.*.retired_from": Perturbation(shift(6)),
    "vendors.*.products.*.foundries": Perturbation(
        put(("smic", "huawei_fabs")), "vendors.huawei.products.ascend_910b.foundries"
    ),
    "vendors.*.products.*.mix": Perturbation(scale(3.0)),
    "vendors.*.products.*.memory": Perturbation(
        put("hibl"), "vendors.huawei.products.ascend_910c.memory"
    ),
    "vendors.*.products.*.banked_dies_per_chip": Perturbation(scale(0.5)),
    "vendors.*.products.*.lead_months": Perturbation(scale(2.0)),
    "vendors.*.wafer_share": Perturbation(scale(0.5)),
    # stockpile and domestic shares are normalised over vendors: change one vendor's
    "vendors.*.memory.*.stockpile_share": Perturbation(
        pin(0.1), "vendors.huawei.memory.hbm.stockpile_share"
    ),
    "vendors.*.memory.*.domestic_share": Perturbation(
        pin(0.1), "vendors.huawei.memory.hbm.domestic_share"
    ),
    "vendors.*.memory.*.own_stacks": Perturbation(scale(0.3)),
    "vendors.*.memory.*.imported": Perturbation(flip),
    "vendors.*.banked_dies": Perturbation(scale(0.3)),
    "vendors.*.banked_dies_per_month": Perturbation(scale(0.3)),
    "vendors.*.inventory_months": Perturbation(scale(3.0)),
    "memory.controls_from": Perturbation(shift(6)),
    "memory.stockpile_stacks": Perturbation(scale(0.3)),
    "memory.rush_stacks": Perturbation(scale(0.3)),
    "memory.domestic_stacks": Perturbation(scale(0.3)),
    "memory.allocation": Perturbation(put("pro_rata")),
    "memory.ceiling_stacks": Perturbation(scale(1.5)),
    "memory.lead_months": Perturbation(scale(2.0)),
    "packaging.capacity": Perturbation(scale(0.5)),
    "packaging.ceiling": Perturbation(scale(0.5)),
    "packaging.lead_months": Perturbation(scale(2.0)),
    "investment.response": Perturbation(scale(2.0)),
    "investment.smoothing_months": Perturbation(scale(2.0)),
    "memory.ration_months": Perturbation(scale(0.3)),
    "imports.*.units_per_month": Perturbation(scale(0.5)),
    "imports.*.h100e": Perturbation(scale(1.5)),
    "imports.*.power_kw": Perturbation(scale(2.0)),
    "imports.*.price_usd": Perturbation(scale(2.0)),
    "imports.*.lead_months": Perturbation(scale(2.0)),
    "imports.*.licence": Perturbation(put(0.5)),
    "imports.*.guidance": Perturbation(put(0.5)),
    "imports.*.approval": Perturbation(flip),
    "imports.*.stockpile_units": Perturbation(scale(0.3)),
    "imports.*.stockpile_date": Perturbation(shift(3)),
    "grey_market.*.units_per_month": Perturbation(scale(0.5)),
    "grey_market.*.h100e": Perturbation(scale(1.5)),
    "grey_market.*.power_kw": Perturbation(scale(2.0)),
    "grey_market.*.price_usd": Perturbation(scale(2.0)),
    "grey_market.*.lead_months": Perturbation(scale(3.0), given=ANNOUNCED_BAN),
    "grey_market.*.licence": Perturbation(put(0.5)),
    "grey_market.*.approval": Perturbation(flip),
    "grey_market.*.stockpile_units": Perturbation(pin(50_000.0)),
    "grey_market.*.stockpile_date": Perturbation(put("2025-06"), given=GREY_STOCK),
    "grey_market.*.scarcity_response": Perturbation(scale(3.0)),
    "grey_market.*.enforcement_cap": Perturbation(put({"2023": Dist.fixed(1_000.0)})),
    "events.*.date": Perturbation(shift(3)),
    "events.*.product": Perturbation(put("l20"), "events.h20_discouraged.product"),
    "events.*.kind": Perturbation(put("licence"), "events.h20_discouraged.kind"),
    "events.*.value": Perturbation(pin(0.5), "events.h20_discouraged.value"),
    "events.*.announced": Perturbation(shift(-3)),
    "events.*.segments": Perturbation(put(()), "events.state_funded_foreign_ban.segments"),
    "events.*.enabled": Perturbation(put(False), "events.h200_allowed.enabled"),
    # demand shares are normalised over segments: change one segment's
    "segments.*.demand_share": Perturbation(pin(0.9), "segments.private.demand_share"),
    "segments.*.preference": Perturbation(scale(0.5)),
    "segments.*.substitution": Perturbation(pin(0.3)),
    "segments.*.quota.points": Perturbation(scale_points(0.5)),
    "segments.*.quota.basis": Perturbation(other_basis),
    "segments.*.enforcement": Perturbation(pin(0.3)),
    "segments.*.stockpile_months": Perturbation(scale(2.0)),
    "segments.*.offshore_share": Perturbation(pin(1.0), "segments.private.offshore_share"),
    "offshore.capacity": Perturbation(scale(0.3)),
    "market.backlog_months": Perturbation(pin(2.0)),
}

# Field path -> why changing it cannot change a run's results.
NO_EFFECT: dict[str, str] = {
    "name": "an identifier: names the run directory, not an input of the model",
    "description": "free text shown in reports",
    "extends": "consumed by the loader, which merges the parent file in; a loaded scenario "
    "always holds None here",
    "events.*.evidence": "provenance only: ids of the evidence the event cites",
    "segments.*.quota.evidence": "provenance only: ids of the evidence the quota path cites",
    "memory.controls_announced": "dates the pre-control rush for the record and the timeline: "
    "the rush (memory.rush_stacks) is a given total, and crediting "
    "it earlier changes nothing while imported memory is unlimited "
    "before memory.controls_from",
    "imports.*.scarcity_response": "refused unless 0 (the default) by validation: only "
    "grey-market supply answers scarcity",
    "imports.*.enforcement_cap": "refused unless empty (the default) by validation: only "
    "grey-market supply has an enforcement cap",
    "grey_market.*.guidance": "refused unless 1 (the default) by validation: grey-market "
    "products follow bars only",
}


# --- running ----------------------------------------------------------------------------


@cache
def base() -> Scenario:
    """The shipped baseline, run small: REPLICATIONS replications at LEVELS."""
    scenario = load(BASELINE)
    return replace(
        scenario, run=replace(scenario.run, replications=REPLICATIONS, quota_levels=LEVELS)
    )


def checked(scenario: Scenario) -> Scenario:
    """``scenario``, asserted to be one the loader accepts (every bound and reference)."""
    again = to_dataclass(Scenario, to_raw(scenario), "")
    validate(again)
    assert again == scenario, "the scenario does not survive conversion from its plain tree"
    return scenario


_RUNS: dict[str, EnsembleResult] = {}


def outcome(scenario: Scenario) -> EnsembleResult:
    """The scenario's run with its own seed, replications and quota levels (memoised)."""
    key = scenario_hash(scenario)
    if key not in _RUNS:
        _RUNS[key] = simulate(scenario)
    return _RUNS[key]


def differences(a: EnsembleResult, b: EnsembleResult) -> list[str]:
    """Names of the outputs that differ between two runs (empty: the same results).

    Compares the national per-replication arrays (``replicates``), every
    summary row (all regions and periods, quota rows included) and the
    conservation sums.
    """
    out = []
    if (a.levels, a.years) != (b.levels, b.years):
        out.append("levels or years")
    for metric in sorted(a.replicates.keys() | b.replicates.keys()):
        x, y = a.replicates.get(metric), b.replicates.get(metric)
        if x is None or y is None or not np.array_equal(x, y, equal_nan=True):
            out.append(f"replicates.{metric}")
    rows_a = {r[:4]: r.stats for r in a.rows}
    rows_b = {r[:4]: r.stats for r in b.rows}
    if rows_a.keys() != rows_b.keys():
        out.append("summary row keys")
    elif any(not np.array_equal(rows_a[k], rows_b[k], equal_nan=True) for k in rows_a):
        out.append("summary rows")
    for name in sorted(a.conservation.keys() | b.conservation.keys()):
        x, y = a.conservation.get(name), b.conservation.get(name)
        if x is None or y is None or not np.array_equal(x, y):
            out.append(f"conservation.{name}")
    return out


def perturbed(path: str) -> tuple[Scenario, Scenario]:
    """The scenario before and after :data:`PERTURB` ``[path]``, both checked valid."""
    spec = PERTURB[path]
    before = base()
    if spec.given is not None:
        before = checked(edit(before, spec.given[0], spec.given[1]))
    after = edit(before, spec.where or path, spec.change)
    assert after != before, f"the change leaves {spec.where or path} as it was"
    return before, checked(after)


# --- tests --------------------------------------------------------------------------------


def test_every_field_is_exercised_or_explained():
    """Every schema field is perturbed or has a reason; neither table names a stale path."""
    paths = field_paths()
    both = PERTURB.keys() & NO_EFFECT.keys()
    assert not both, f"fields both perturbed and listed without effect: {sorted(both)}"
    missing = paths - PERTURB.keys() - NO_EFFECT.keys()
    assert not missing, (
        f"scenario fields neither perturbed in PERTURB nor explained in "
        f"NO_EFFECT: {sorted(missing)}"
    )
    stale = (PERTURB.keys() | NO_EFFECT.keys()) - paths
    assert not stale, f"paths that are no scenario field: {sorted(stale)}"


def test_perturbations_name_their_field():
    """A perturbation's concrete place lies under the field it is listed for."""
    for path, spec in PERTURB.items():
        assert generic(spec.where or path) == path
        if spec.given is not None:  # a field perturbed itself, or a section (IN_H100E)
            assert generic(spec.given[0]) in PERTURB or spec.given is IN_H100E


def test_base_run_is_reproducible():
    """Equal scenarios give equal results, so any difference below is the field's doing."""
    assert differences(outcome(base()), simulate(base())) == []


@pytest.mark.parametrize("path", sorted(PERTURB))
def test_field_changes_results(path):
    """Changing the field changes the results of a small baseline run."""
    before, after = perturbed(path)
    changed = differences(outcome(before), outcome(after))
    assert changed, (
        f"{path}: the change ({PERTURB[path].where or path}) leaves every output "
        "of the run identical: a silent setting?"
    )


def test_a_grey_market_guidance_is_refused_naming_its_key():
    """A guidance on a smuggled product would be ignored, so the loader refuses it."""
    import pytest

    from sim.scenario.errors import ScenarioError
    from sim.scenario.validate import validate

    grey = next(iter(base().grey_market))
    product = replace(base().grey_market[grey], guidance=0.5)
    scenario = replace(base(), grey_market={**base().grey_market, grey: product})
    with pytest.raises(ScenarioError, match=f"grey_market.{grey}.guidance"):
        validate(scenario)


@pytest.mark.parametrize(
    "key, value",
    [("scarcity_response", Dist.fixed(0.5)), ("enforcement_cap", {"2025": Dist.fixed(10.0)})],
)
def test_a_licensed_products_scarcity_response_or_cap_is_refused_naming_its_key(key, value):
    """Only grey-market supply answers scarcity, so a licensed product refuses both."""
    from sim.scenario.errors import ScenarioError

    name = next(iter(base().imports))
    product = replace(base().imports[name], **{key: value})
    scenario = replace(base(), imports={**base().imports, name: product})
    with pytest.raises(ScenarioError, match=f"imports.{name}.{key}"):
        validate(scenario)
