"""Counterfactuals built the plain way, in the scenario tree.

sim.experiments.explain is checked against them.

The explain package changes draws; these helpers change the scenario's own
distributions instead (every memory and wafer input here is fixed, uniform or
triangular, whose draws scale with their arguments), so a direct run of the
result is an independent check of what a relaxation measured.
"""

from __future__ import annotations

import dataclasses


def times(dist, factor):
    """A distribution whose draws are ``factor`` times the original's.

    Fixed, uniform and triangular draws scale with every argument; a lognormal's
    with its median alone.
    """
    if dist.kind == "lognormal":
        return dataclasses.replace(dist, args=(dist.args[0] * factor, *dist.args[1:]))
    return dataclasses.replace(dist, args=tuple(a * factor for a in dist.args))


def scaled_memory(scenario, factor):
    """The scenario with every memory quantity (stockpile, rush, CXMT and its ceiling, HiBL)
    times ``factor``."""
    memory = scenario.memory
    memory = dataclasses.replace(
        memory,
        stockpile_stacks=times(memory.stockpile_stacks, factor),
        rush_stacks=times(memory.rush_stacks, factor),
        domestic_stacks={k: times(v, factor) for k, v in memory.domestic_stacks.items()},
        ceiling_stacks={k: times(v, factor) for k, v in memory.ceiling_stacks.items()},
    )
    vendors = {}
    for name, vendor in scenario.vendors.items():
        pools = {
            k: dataclasses.replace(
                p, own_stacks={y: times(d, factor) for y, d in p.own_stacks.items()}
            )
            for k, p in vendor.memory.items()
        }
        vendors[name] = dataclasses.replace(vendor, memory=pools)
    return dataclasses.replace(scenario, memory=memory, vendors=vendors)


def scaled_wafers(scenario, factor):
    """The scenario with every foundry's capacity plan, fab output and ceiling times ``factor``."""
    foundries = {}
    for name, f in scenario.foundries.items():
        fabs = {
            k: dataclasses.replace(fab, wafers_per_month=times(fab.wafers_per_month, factor))
            for k, fab in f.fabs.items()
        }
        foundries[name] = dataclasses.replace(
            f,
            capacity={y: times(d, factor) for y, d in f.capacity.items()},
            fabs=fabs,
            ceiling={y: times(d, factor) for y, d in f.ceiling.items()},
        )
    return dataclasses.replace(scenario, foundries=foundries)


def scaled_packaging(scenario, factor):
    """The scenario with national packaging capacity and its ceiling times ``factor``."""
    packaging = scenario.packaging
    return dataclasses.replace(
        scenario,
        packaging=dataclasses.replace(
            packaging,
            capacity={y: times(d, factor) for y, d in packaging.capacity.items()},
            ceiling={y: times(d, factor) for y, d in packaging.ceiling.items()},
        ),
    )


def without_bars(scenario):
    """The scenario with its bar events switched off, as a user would in a TOML file."""
    events = {
        n: dataclasses.replace(e, enabled=False) if e.kind == "bar" else e
        for n, e in scenario.events.items()
    }
    return dataclasses.replace(scenario, events=events)


def scaled_imports(scenario, factor):
    """Every import's and grey-market product's flow and China stock times ``factor``."""

    def grown(product):
        return dataclasses.replace(
            product,
            stockpile_units=times(product.stockpile_units, factor),
            units_per_month={y: times(d, factor) for y, d in product.units_per_month.items()},
        )

    return dataclasses.replace(
        scenario,
        imports={n: grown(p) for n, p in scenario.imports.items()},
        grey_market={n: grown(p) for n, p in scenario.grey_market.items()},
    )


def scaled_demand(scenario, factor):
    """National demand times ``factor`` in every year: the budget when given, else H100e."""
    if scenario.demand.budget_usd is not None:
        demand = dataclasses.replace(
            scenario.demand, budget_usd=times(scenario.demand.budget_usd, factor)
        )
    else:
        demand = dataclasses.replace(scenario.demand, base=times(scenario.demand.base, factor))
    return dataclasses.replace(scenario, demand=demand)


def rules_toward_none(kinds, amount):
    """A builder moving every event of ``kinds`` ``amount`` of the way to no rule.

    Each kind's relaxation is affine and increasing in the value, so applying it
    to a fixed or uniform distribution's arguments transforms every draw alike.
    """
    from sim.model.constraints import toward_no_rule

    def build(scenario, _factor=None):
        events = {}
        for name, e in scenario.events.items():
            if e.enabled and e.kind in kinds:
                assert e.value.kind in ("fixed", "uniform"), e.value
                args = tuple(float(toward_no_rule(e.kind, a, amount)) for a in e.value.args)
                e = dataclasses.replace(e, value=dataclasses.replace(e.value, args=args))
            events[name] = e
        return dataclasses.replace(scenario, events=events)

    return build
