"""The assumptions table: every parameter with its value or range, evidence and sources."""

from __future__ import annotations

import re

from sim.core.calendar import format_month
from sim.report.document import Table
from sim.scenario.dist import KINDS, Dist
from sim.scenario.evidence import Evidence
from sim.scenario.schema import Scenario
from sim.scenario.tree import Parameter, parameters


def value_range(value) -> tuple[str, str]:
    """Return the parameter's value (or distribution) and, for a distribution, its range."""
    if isinstance(value, Dist):

        def show(x: float) -> str:
            if value.is_date:
                return format_month(int(x))
            return f"{x:,.0f}".replace(",", "\u202f") if abs(x) >= 1000 else f"{x:.4g}"

        if value.is_fixed:
            return show(value.args[0]), ""
        args = [arg_text(n, x, show) for n, x in zip(KINDS[value.kind], value.args, strict=True)]
        text = f"{value.kind}({', '.join(args)})"
        low, high = value.bounds
        bound = "1-99% band " if value.kind == "lognormal" else ""
        return text, f"{bound}{show(low)} – {show(high)}"
    return Parameter("", value, (), "").describe(), ""


def arg_text(name: str, x: float, show) -> str:
    """One distribution argument: shape parameters plain, locations like values."""
    return f"{name}={x:g}" if name in ("a", "b", "sigma") else show(x)


def assumption_table(scenario: Scenario) -> Table:
    """One row per parameter: path, value, range, unit and evidence ids."""
    rows = []
    for param in parameters(scenario):
        value, span = value_range(param.value)
        rows.append([param.path, value, span, param.unit, ", ".join(param.evidence)])
    return Table(
        "assumptions",
        "Assumptions: every parameter",
        ["Parameter", "Value or distribution", "Range", "Unit", "Evidence"],
        rows,
        note=f"{len(rows)} parameters of scenario '{scenario.name}'. Evidence ids "
        "refer to the sources table below (seeds/evidence.toml).",
    )


def id_key(ident: str) -> tuple:
    """Natural order for evidence ids: S2 before S10."""
    match = re.match(r"([A-Za-z]+)(\d*)(.*)", ident)
    prefix, number, rest = match.groups() if match else (ident, "", "")
    return (prefix, int(number) if number else 0, rest)


def source_table(scenario: Scenario, registry: dict[str, Evidence]) -> Table:
    """Every evidence id the scenario cites: what it says, its figure and its citation.

    The Source cell holds the citation (publisher, date, title or [description],
    author, link), then one line per relaying or further publication.
    """
    cited = sorted({i for p in parameters(scenario) for i in p.evidence}, key=id_key)
    rows, missing = [], []
    for ident in cited:
        entry = registry.get(ident)
        if entry is None:
            missing.append(ident)
            rows.append([ident, "not in the registry", "", "", ""])
            continue
        figure = entry.figure()
        unit = f" {entry.unit}" if entry.unit and figure else ""
        rows.append(
            [ident, entry.claim, f"{figure}{unit}", entry.year, "\n".join(entry.citation_lines())]
        )
    note = (
        "Each source gives the publisher, the date and the title as published in quotation "
        "marks, or, where the title is not known, a short description in square brackets; "
        "\u201cvia\u201d names the publication that relayed it. Assumptions (ids A…) are "
        "chipsim's own judgements where no published figure exists; their source says what "
        "they rest on."
    )
    if not registry:
        note += " The evidence registry (seeds/evidence.toml) was not found or could not be read."
    elif missing:
        note += f" Not in the registry: {', '.join(missing)}."
    return Table(
        "sources",
        "Sources: the evidence each parameter cites",
        ["Id", "What it says", "Figure", "Year", "Source"],
        rows,
        note=note,
        anchors=[f"ev-{ident}" for ident in cited],
    )
