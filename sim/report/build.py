"""Assemble a report Document from an output directory's data."""

from __future__ import annotations

import json
from functools import partial

import numpy as np

from sim.calendar import parse_month
from sim.report import readings
from sim.report.assumptions import assumption_table, source_table
from sim.report.data import RunData
from sim.report.document import Document, FigureBlock, Section
from sim.report.experiments import experiment_sections, sweep_headline
from sim.report.figures.market import compliance_heatmap, supply_demand
from sim.report.figures.policy import policy_timeline
from sim.report.figures.share import fan_chart, share_ecdf
from sim.report.style import level_label
from sim.report.timeline import timeline_reading


def source_line(data: RunData) -> str:
    """Return the provenance line printed under every figure."""
    m = data.manifest
    parts = [f"Source: chipsim {m.get('versions', {}).get('chipsim', '')}".rstrip(),
             f"scenario '{data.name}'"]
    if m.get("scenario_hash"):
        parts[-1] += f" ({m['scenario_hash'][:12]})"
    if m.get("replications"):
        parts.append(f"{m['replications']:,} replications per point" if data.sweep
                     else f"{m['replications']:,} replications")
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
    """Projection, quotas, supply and the timeline, for a run directory."""
    summary = data.summary
    levels = list(data.manifest.get("quota_levels") or summary.levels)
    years = sorted({k[3] for k in summary.index if k[3].isdigit()})
    year = years[-1]
    scenario = data.scenario()
    lever = scenario.run.lever_start if scenario else None
    lever_x = parse_month(lever) / 12 if lever else None
    blocks = [FigureBlock("fan", "Domestic share by month, every quota level",
                          partial(fan_chart, summary, levels, data.targets, source, lever_x),
                          readings.fan_reading(summary, levels, data.targets, years),
                          "Fan charts of the monthly domestic share per quota level")]
    values = ecdf_values(data, int(year))
    if values:
        blocks.append(FigureBlock("ecdf", f"The {year} share: distribution and targets",
                                  partial(share_ecdf, values, int(year), source),
                                  readings.ecdf_reading(values, int(year)),
                                  f"Cumulative distribution of the {year} share per level"))
    sections = [Section("projection", "Projection", blocks)]
    if summary.regions("quota_compliance"):
        sections.append(Section("quotas", "Quota compliance", [FigureBlock(
            "compliance", "Who meets their quota",
            partial(compliance_heatmap, summary, levels, source),
            readings.compliance_reading(summary, levels),
            "Heatmap of the probability each segment meets its quota by year")]))
    sections.append(Section("supply", "Supply and demand", [FigureBlock(
        "supply", "Where the chips come from", partial(supply_demand, summary, levels[0], source),
        readings.supply_reading(summary, levels[0], year),
        "Stacked quarterly deliveries by vendor and product; demand and unmet demand")]))
    if scenario is not None and "announced" in levels:
        projection = summary.series(readings.UNITS, "announced", kind="month")
        sections.append(Section("timeline", "Policy timeline", [FigureBlock(
            "timeline", "Import decisions, fabs and quota deadlines",
            partial(policy_timeline, scenario, projection, source),
            timeline_reading(scenario, summary),
            "Timeline of import events, fab commissioning and quota deadlines")]))
    return sections


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
        return []
    return [Section("assumptions", "Assumptions and sources",
                    [assumption_table(scenario), source_table(scenario, data.registry)])]


def facts(data: RunData) -> list[tuple[str, str]]:
    """Key manifest entries as (label, text) pairs."""
    m = data.manifest
    cal = m.get("calendar", {})
    items = [("Scenario", f"{data.name} ({m.get('scenario_file', '')})"),
             ("Scenario hash", str(m.get("scenario_hash", ""))),
             ("Seed", str(m.get("seed", ""))),
             ("Replications", f"{m['replications']:,}" if m.get("replications") else ""),
             ("Quota levels", ", ".join(level_label(x) for x in m.get("quota_levels", []))),
             ("Calendar", f"{cal.get('start', '')} to {cal.get('end', '')}"),
             ("Contents", ", ".join(data.kinds)),
             ("Versions", ", ".join(f"{k} {v}" for k, v in m.get("versions", {}).items())),
             ("Git commit", str(m.get("git_commit") or "none")),
             ("Wall time", f"{m['wall_time_s']:.2f} s" if "wall_time_s" in m else ""),
             ("Directory", str(data.path))]
    return [(k, v) for k, v in items if v]


def build_report(data: RunData) -> Document:
    """Return the full report for a run, sweep or sensitivity directory."""
    source = source_line(data)
    sections: list[Section] = []
    if data.summary is not None:
        levels = list(data.manifest.get("quota_levels") or data.summary.levels)
        year = final_year(data)
        head = readings.headline(data.summary, levels[0], year)
        note = (f"National domestic share of AI accelerators delivered to Chinese datacenters "
                f"in {year}, by units; median of {data.manifest.get('replications', 0):,} "
                f"replications, 90% band = 5th to 95th percentile. Compute-weighted: "
                f"{readings.band(data.summary, 'domestic_share_compute', levels[0], year)}.")
        sections += run_sections(data, source)
    else:
        head, note = sweep_headline(data, final_year(data))
    sections += experiment_sections(data, source, final_year(data))
    sections += assumption_sections(data)
    kind = "" if data.summary is not None else (
        "sweep " if data.sweep is not None else "sensitivity ")
    return Document(title=f"chipsim {kind}report: {data.name}",
                    subtitle=str(data.manifest.get("description") or data.manifest.get(
                        "scenario", {}).get("description", "")),
                    headline=head, headline_note=note, facts=facts(data), sections=sections,
                    appendix=json.dumps(data.manifest, indent=2, sort_keys=True))

