"""Assemble a report Document from an output directory's data."""

from __future__ import annotations

import json
from functools import partial

import numpy as np

from sim.core.calendar import parse_month
from sim.model.segments import QUOTA_DEADLINE
from sim.report import readings
from sim.report.assumptions import assumption_table, source_table
from sim.report.changes import jump_reading
from sim.report.data import RunData
from sim.report.document import Document, FigureBlock, Section, TextBlock
from sim.report.experiments import experiment_sections, sweep_headline
from sim.report.figures.levels import level_differences
from sim.report.figures.limits import limits_chart
from sim.report.figures.market import compliance_heatmap, supply_demand
from sim.report.figures.policy import policy_timeline
from sim.report.figures.share import ecdf_groups, fan_chart, share_ecdf
from sim.report.levels import (
    differences_reading,
    headline,
    levels_table,
    limits_reading,
    paired_differences,
    reach_sentence,
    reference_level,
    under,
)
from sim.report.style import level_label
from sim.report.timeline import timeline_reading
from sim.report.yearly import region_section, run_summary, unmet_section, year_section
from sim.results.binds import ranking
from sim.results.why import why_levels

LIMITS_KEY = "limits"  # the figure block of what limits deliveries
SHOWN_YEARS = 2  # the last years the limits figure draws


def source_line(data: RunData) -> str:
    """Return the provenance line printed under every figure."""
    m = data.manifest
    parts = [
        f"Source: chipsim {m.get('versions', {}).get('chipsim', '')}".rstrip(),
        f"scenario '{data.name}'",
    ]
    if m.get("scenario_hash"):
        parts[-1] += f" ({m['scenario_hash'][:12]})"
    if m.get("replications"):
        reps = f"{m['replications']:,} replication{'s' if m['replications'] != 1 else ''}"
        parts.append(f"{reps} per point" if data.sweep or data.sensitivity else reps)
    if m.get("seed") is not None:
        parts.append(f"seed {m['seed']}")
    labels = [t.label for t in data.targets if t.metric.startswith("domestic_share")]
    if labels and data.summary is not None:
        parts.append("observed figures: " + "; ".join(labels) + " (seeds/evidence.toml)")
    return " · ".join(parts)


def final_year(data: RunData) -> str:
    """Return the last calendar year of the run."""
    end = data.manifest.get("calendar", {}).get("end", "2027-12")
    return end[:4]


def run_sections(data: RunData, source: str) -> list[Section]:
    """Build the sections: each level, distribution, quotas, supply, timeline, all fans."""
    summary = run_summary(data)
    levels = list(data.manifest.get("quota_levels") or summary.levels)
    years = sorted({k[3] for k in summary.index if k[3].isdigit()})
    scenario = data.scenario()
    lever = scenario.run.lever_start if scenario else None
    lever_x = parse_month(lever) / 12 if lever else None
    sections = [
        year_section(data, levels, years),
        levels_section(data, levels, years, source, lever),
        region_section(data, levels, years, source),
        distribution_section(data, years[-1], source),
    ]
    if summary.regions("quota_compliance"):
        sections.append(
            Section(
                "quotas",
                "Quota compliance",
                [
                    FigureBlock(
                        "compliance",
                        "Who meets their quota",
                        partial(compliance_heatmap, summary, levels, source),
                        readings.compliance_reading(summary, levels),
                        "Heatmap of the probability each segment meets its quota by year",
                    )
                ],
            )
        )
    sections.append(
        Section(
            "supply",
            "Supply and demand",
            [
                FigureBlock(
                    "supply",
                    "Where the chips come from",
                    partial(supply_demand, summary, levels[0], source),
                    readings.supply_reading(summary, levels[0], years[-1]),
                    "Stacked quarterly deliveries by vendor and product; demand, unmet demand "
                    "(offshore and abandoned) and orders waiting",
                )
            ],
        )
    )
    sections.append(unmet_section(data, levels, years, source))
    if scenario is not None and "announced" in levels:
        projection = summary.series(readings.UNITS, "announced", kind="month")
        sections.append(
            Section(
                "timeline",
                "Policy timeline",
                [
                    FigureBlock(
                        "timeline",
                        "Import decisions, fabs and quota deadlines",
                        partial(policy_timeline, scenario, projection, source),
                        timeline_reading(scenario, summary),
                        "Timeline of import events, fab commissioning and quota deadlines",
                    )
                ],
            )
        )
    sections.append(
        Section(
            "appendix-fans",
            "Appendix: every level's monthly path",
            [
                FigureBlock(
                    "fan",
                    "Domestic share by month, every quota level",
                    partial(fan_chart, summary, levels, data.targets, source, lever_x),
                    " ".join(
                        filter(
                            None,
                            [
                                readings.fan_reading(summary, levels, data.targets, years),
                                jump_reading(summary, scenario, reference_level(levels)),
                            ],
                        )
                    ),
                    "Fan charts of the monthly domestic share per quota level",
                )
            ],
        )
    )
    return [s for s in sections if s is not None]


def levels_section(
    data: RunData, levels: list[str], years: list[str], source: str, lever: str | None
) -> Section:
    """Build the table of levels, what limits deliveries, and the levels' paired differences."""
    summary, effects, scenario = run_summary(data), data.effects, data.scenario()
    blocks: list = [
        levels_table(summary, levels, years[-1], data.manifest.get("replications"), effects),
        limits_block(data, levels, years, source),
    ]
    diffs = paired_differences(data.replicates, levels)
    if diffs is not None and diffs.stats:
        why = why_levels(summary.index, years[-1], levels, effects=effects)
        blocks.append(
            FigureBlock(
                "levels",
                "How far apart the levels are",
                partial(
                    level_differences,
                    summary,
                    diffs,
                    source,
                    parse_month(lever) / 12 if lever else None,
                ),
                differences_reading(diffs, summary, years[-1], lever, why),
                "The reference path with its bands and each level's paired difference from it",
            )
        )
    where = (
        reach_sentence(scenario, summary, reference_level(levels), years[-1])
        if scenario is not None
        else ""
    )
    return Section(
        "levels", "What each quota level does", blocks, intro=level_meaning(lever, levels, where)
    )


LIMITS_TITLE = "What limits deliveries"


def limits_block(
    data: RunData, levels: list[str], years: list[str], source: str
) -> FigureBlock | TextBlock:
    """Draw each limit's elasticity of delivered compute; a short text without effects.csv."""
    effects = data.effects
    if not effects:
        return TextBlock(
            LIMITS_KEY,
            LIMITS_TITLE,
            (
                "This run has no counterfactual effects (effects.csv), so what limits deliveries "
                "is not measured. chipsim explain RUN_DIR adds them: each limit is relaxed by a "
                "small amount on the same draws and the change in compute delivered is measured."
            ),
        )
    level = reference_level(levels, effects)
    measured = [y for y in years if y in effects.periods()] or effects.periods()
    shown = measured[-SHOWN_YEARS:]
    if not any(ranking(effects, level, y) for y in shown):
        return TextBlock(
            LIMITS_KEY,
            LIMITS_TITLE,
            (
                f"This run's effects.csv holds no limit's effect on the compute delivered "
                f"{under(level)} in {' or '.join(shown)}, so what limits deliveries is not "
                "measured; chipsim explain RUN_DIR measures every limit."
            ),
        )
    return FigureBlock(
        LIMITS_KEY,
        LIMITS_TITLE,
        partial(limits_chart, effects, level, shown, source),
        limits_reading(effects, level, shown, [lv for lv in levels if lv in effects.levels()]),
        "Horizontal bars of each limit's elasticity of delivered compute with 90% intervals, "
        "by year, and the threshold from which a limit binds",
    )


def level_meaning(lever: str | None, levels: list[str], reach: str = "") -> str:
    """Say what a uniform quota level is, so "50% quota" cannot be misread.

    ``reach``: the sentence saying which segments the level binds (appended).
    """
    numeric = [lv for lv in levels if lv != "announced"]
    if not numeric:
        return ""
    named = ", ".join(level_label(lv).replace(" quota", "") for lv in numeric)
    when = lever or "the scenario's lever start"
    phase = (
        f"phased in linearly from {when} and in full force from {QUOTA_DEADLINE}"
        if lever is None or lever < QUOTA_DEADLINE
        else f"in full force from {when}"
    )
    lowest = level_label(min(numeric, key=float)).replace(" quota", "")
    return (
        f"A quota level ({named}) replaces the announced quota of every quota-bound "
        "segment by that one share of its new chips (of its new compute where its quota "
        f"counts compute), {phase}; before {when} every level follows the announced "
        f"quotas. A level below a segment's announced quota lowers it: the {lowest} "
        "level asks less of a segment whose announced quota is higher."
        + (f" {reach}" if reach else "")
    )


def distribution_section(data: RunData, year: str, source: str) -> Section:
    """Show the last year's distribution per level: a figure if curves differ, else a sentence."""
    values = ecdf_values(data, int(year))
    title = f"The {year} share: distribution and targets"
    if not values:
        return Section(
            "distribution",
            title,
            [],
            intro="This run holds no per-replication "
            "values (replications.npz), so the distribution is not drawn.",
        )
    if len(ecdf_groups(values)) == 1:
        return Section(
            "distribution", title, [], intro=readings.ecdf_coincide_reading(values, int(year))
        )
    return Section(
        "distribution",
        title,
        [
            FigureBlock(
                "ecdf",
                title,
                partial(share_ecdf, values, int(year), source),
                readings.ecdf_reading(values, int(year)),
                f"Cumulative distribution of the {year} share per level",
            )
        ],
    )


def ecdf_values(data: RunData, year: int) -> dict[str, np.ndarray]:
    """Per-level per-replication national shares in ``year`` from replications.npz."""
    reps = data.replicates or {}
    if f"national.{readings.UNITS}" not in reps or "years" not in reps:
        return {}
    years = [int(y) for y in reps["years"]]
    if year not in years:
        return {}
    shares = reps[f"national.{readings.UNITS}"][:, :, years.index(year)]
    return {str(level): shares[i].astype(float) for i, level in enumerate(reps["quota_levels"])}


def assumption_sections(data: RunData) -> list[Section]:
    """Parameters with values and evidence, and the sources they cite."""
    scenario = data.scenario()
    if scenario is None:
        return [
            Section(
                "assumptions-and-sources",
                "Assumptions and sources",
                [],
                intro=(
                    "This directory's manifest.json does not hold a valid resolved scenario (it "
                    "was written by an older chipsim, or edited), so its parameters cannot be "
                    "listed; the scenario file it names is "
                    f"{data.manifest.get('scenario_file') or 'unknown'}."
                ),
            )
        ]
    return [
        Section(
            "assumptions-and-sources",
            "Assumptions and sources",
            [assumption_table(scenario), source_table(scenario, data.registry)],
        )
    ]


def calendar_text(data: RunData) -> str:
    """Return "2023-01 to 2027-12" from the manifest, else its scenario's ("" if neither says)."""
    cal = data.manifest.get("calendar")
    if not isinstance(cal, dict) or not (cal.get("start") and cal.get("end")):
        scenario = data.scenario()
        if scenario is None:
            return ""
        cal = {"start": scenario.calendar.start, "end": scenario.calendar.end}
    return f"{cal['start']} to {cal['end']}"


def git_text(m: dict) -> str:
    """Give the commit, flagged when the tree was dirty; "none" without one."""
    commit = m.get("git_commit")
    if not commit:
        return "none (not run from a git work tree)" if "git_dirty" in m else "none"
    return str(commit) + (" (with uncommitted changes)" if m.get("git_dirty") else "")


def facts(data: RunData) -> list[tuple[str, str]]:
    """Key manifest entries as (label, text) pairs (absent entries left out)."""
    m = data.manifest
    python = " ".join(str(m[k]) for k in ("python_implementation", "python") if m.get(k))
    items = [
        ("Scenario", f"{data.name} ({m.get('scenario_file', '')})"),
        ("Scenario hash", str(m.get("scenario_hash", ""))),
        ("Seed", str(m.get("seed", ""))),
        ("Replications", f"{m['replications']:,}" if m.get("replications") else ""),
        ("Quota levels", ", ".join(level_label(x) for x in m.get("quota_levels", []))),
        ("Calendar", calendar_text(data)),
        ("Contents", ", ".join(data.kinds)),
        ("Command", str(m.get("command_line") or m.get("command") or "")),
        ("Python", python + (f" on {m['platform']}" if m.get("platform") else "")),
        ("Versions", ", ".join(f"{k} {v}" for k, v in m.get("versions", {}).items())),
        ("Git commit", git_text(m)),
        ("Wall time", f"{m['wall_time_s']:.2f} s" if "wall_time_s" in m else ""),
        ("Directory", str(data.path)),
    ]
    return [(k, v) for k, v in items if v]


def build_report(data: RunData) -> Document:
    """Return the full report for a run, sweep or sensitivity directory."""
    source = source_line(data)
    sections: list[Section] = []
    if data.summary is not None:
        levels = list(data.manifest.get("quota_levels") or data.summary.levels)
        year = final_year(data)
        head = headline(data.summary, levels, year)
        note = (
            f"National domestic share of AI accelerators delivered to Chinese datacenters "
            f"in {year}, by units; median of {data.manifest.get('replications', 0):,} "
            f"replications, 90% band = 5th to 95th percentile. Compute-weighted: "
            f"{readings.band(data.summary, 'domestic_share_compute', levels[0], year)}."
        )
        sections += run_sections(data, source)
    else:
        head, note = sweep_headline(data, final_year(data))
    sections += experiment_sections(data, source, final_year(data))
    sections += assumption_sections(data)
    kind = (
        "" if data.summary is not None else ("sweep " if data.sweep is not None else "sensitivity ")
    )
    return Document(
        title=f"chipsim {kind}report: {data.name}",
        subtitle=str(
            data.manifest.get("description")
            or data.manifest.get("scenario", {}).get("description", "")
        ),
        headline=head,
        headline_note=note,
        facts=facts(data),
        sections=sections,
        appendix=json.dumps(data.manifest, indent=2, sort_keys=True),
    )
