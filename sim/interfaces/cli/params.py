"""``chipsim params``: every parameter with its value or distribution and its evidence."""

from __future__ import annotations

import click

from sim.interfaces.cli.options import input_error, scenario_argument
from sim.scenario import ScenarioError, load
from sim.scenario.evidence import citation_problems, load_registry, registry_path
from sim.scenario.tree import parameters


@click.command()
@scenario_argument
@click.option(
    "--sources",
    is_flag=True,
    help="Also print each evidence entry's source: publisher, date, title, relay.",
)
def params(scenario, sources):
    """List SCENARIO's parameters, values and evidence ids."""
    try:
        loaded = load(scenario)
        registry = load_registry(registry_path(scenario))
    except ScenarioError as err:
        raise input_error(err) from None
    for param in parameters(loaded):
        cited = "default: mechanism off" if param.default else ", ".join(param.evidence)
        click.echo(f"{param.path:<58} {param.describe():<40} [{cited}]")
        if sources:
            for ident in param.evidence:
                entry = registry.get(ident)
                lines = entry.citation_lines() if entry else ["NOT IN REGISTRY"]
                click.echo(f"{'':<60}{ident}: {lines[0]}")
                for line in lines[1:]:
                    click.echo(f"{'':<{62 + len(ident)}}{line}")
    for problem in citation_problems(loaded, registry):
        click.echo(f"warning: {problem}", err=True)
