"""The diff as a report Document: headline, paired differences, drivers, both projections."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from sim.core.metrics import metric as metric_entry
from sim.report.build import facts
from sim.report.diff import DiffResult
from sim.report.document import Block, Document, FigureBlock, Section, Table
from sim.report.drivers import Breakdown
from sim.report.figures.diff import driver_bars, overlay_fan, paired_forest
from sim.report.meaning import change_text, path_name, resolve, section_name
from sim.report.paired import HEADLINE_METRICS, format_diff, format_value
from sim.report.style import level_label
from sim.scenario.schema import Event


def headline(result: DiffResult) -> str:
    """One sentence: how the national share moves from A to B, with its interval."""
    s = result.headline_stat()
    if s is None:
        return f"{result.b.name} compared with {result.a.name}"
    return (
        f"{result.b.name} vs {result.a.name}: the {result.year} domestic share changes by "
        f"{format_diff(s.metric, s.diff.mean)} on average (95% CI "
        f"{format_diff(s.metric, s.diff.low)} "
        f"to {format_diff(s.metric, s.diff.high)}) under "
        + ("announced quotas" if result.level == "announced" else f"a {level_label(result.level)}")
    )


def differences_table(result: DiffResult) -> Table:
    """Every headline metric at every common level."""
    rows = [
        [
            metric_entry(s.metric).label,
            level_label(s.level),
            format_value(s.metric, s.mean_a),
            format_value(s.metric, s.mean_b),
            format_diff(s.metric, s.diff.mean),
            f"{format_diff(s.metric, s.diff.low)} to {format_diff(s.metric, s.diff.high)}",
            format_diff(s.metric, s.unpaired_half, sign=False),
        ]
        for s in result.stats
    ]
    return Table(
        "differences",
        f"Paired differences, {result.year}",
        [
            "Metric",
            "Quota level",
            f"A: {result.a.name} (mean)",
            f"B: {result.b.name} (mean)",
            "B − A (mean)",
            "95% CI (paired)",
            "± if unpaired",
        ],
        rows,
        note=f"Means over {result.pairs:,} paired replications (same seed: common "
        "random numbers). The last column is the half-width the interval would "
        "have had for two independent runs.",
    )


def changes_table(result: DiffResult) -> Table:
    """Each changed parameter in words, with both values and the driver group it belongs to."""
    sa, sb = result.a.scenario(), result.b.scenario()
    group_of = {p: g for g, paths in result.groups.items() for p in paths}
    rows = []
    for path in result.changed:
        a, b = resolve(sa, path), resolve(sb, path)
        a_text, b_text = change_text(a, b)
        what = (
            f"{section_name(path.split('.')[0])}: event {path.split('.')[-1]}"
            if isinstance(a, Event) or isinstance(b, Event)
            else path_name(path, sa or sb)
        )
        rows.append([what, path, a_text, b_text, result.group_label(group_of.get(path, ""))])
    return Table(
        "changes",
        "Changed parameters",
        ["What it is", "Parameter", f"A: {result.a.name}", f"B: {result.b.name}", "Driver group"],
        rows,
        note="Evidence ids are ignored; names, seed, replications and quota levels "
        "are not model inputs. Distributions are written as in the assumptions "
        "table, with the range they span.",
    )


def diff_source(result: DiffResult) -> str:
    """Provenance of both runs in one line."""

    def one(data) -> str:
        return f"{data.name} ({str(data.manifest.get('scenario_hash', ''))[:12]})"

    version = result.a.manifest.get("versions", {}).get("chipsim", "")
    return (
        f"Source: chipsim {version} · A: {one(result.a)} · B: {one(result.b)} · "
        f"{result.pairs:,} paired replications · seed {result.a.manifest.get('seed')}"
    )


def diff_document(result: DiffResult) -> Document:
    """Return the comparison as a Document for the HTML renderer."""
    names = (result.a.name, result.b.name)
    if names[0] == names[1]:
        names = (f"A ({names[0]})", f"B ({names[1]})")
    source = diff_source(result)
    blocks: list[Block] = [
        FigureBlock(
            "paired",
            "Paired differences of the shares",
            partial(paired_forest, result.stats, names, source),
            " ".join(
                [
                    "Points are mean paired differences; bars are 95% "
                    "intervals. Grey: the interval includes zero.",
                    *(n for n in result.notes if not n.startswith("Switched alone")),
                ]
            ),
            "Paired differences with confidence intervals",
        ),
        differences_table(result),
    ]
    sections = [Section("paired", "Differences", blocks)]
    if result.drivers is not None:
        metric = HEADLINE_METRICS[0]
        sections.append(
            Section(
                "drivers",
                "Drivers",
                [
                    FigureBlock(
                        "drivers",
                        "Which changes account for the difference",
                        partial(driver_bars, result.drivers, metric, source, result.names),
                        drivers_reading(result, result.drivers),
                        "Contribution of each group of changed parameters",
                    ),
                    changes_table(result),
                ],
            )
        )
    if result.a.summary is not None and result.b.summary is not None:
        sections.append(
            Section(
                "projections",
                "Both projections",
                [
                    FigureBlock(
                        "overlay",
                        "Domestic share by month, both runs",
                        partial(
                            overlay_fan,
                            (result.a.summary, result.b.summary),
                            result.level,
                            names,
                            source,
                        ),
                        "Solid band and line: A; hatched band and dashed line: B.",
                        "Monthly domestic share of both runs",
                    )
                ],
            )
        )
    return Document(
        title=f"chipsim diff: {result.b.name} vs {result.a.name}",
        subtitle=f"B = {result.b.path}, A = {result.a.path}",
        headline=headline(result),
        headline_note=f"{result.pairs:,} paired replications, seed "
        f"{result.a.manifest.get('seed')}; 95% confidence intervals.",
        facts=[(f"A: {k}", v) for k, v in facts(result.a)]
        + [(f"B: {k}", v) for k, v in facts(result.b)],
        sections=sections,
        appendix=json.dumps(
            {"a": result.a.manifest, "b": result.b.manifest}, indent=2, sort_keys=True
        ),
    )


def drivers_reading(result: DiffResult, d: Breakdown) -> str:
    """Rank groups by the size of their contribution to the headline share (``d``: its drivers)."""
    metric = HEADLINE_METRICS[0]
    ranked = sorted(d.groups, key=lambda g: -abs(d.contributions[g][metric].mean))
    parts = [
        f"{result.group_label(g)} {format_diff(metric, d.contributions[g][metric].mean)}"
        for g in ranked
    ]
    how = (
        "Shapley values over every subset of groups (they add up to the total)"
        if d.method == "shapley"
        else "switching one group at a time (the remainder is interaction)"
    )
    return (
        f"The model was rerun from A with groups of changed parameters switched to B's "
        f"values, {how}; {d.runs} runs of {d.total[metric].n:,} replications. Mean "
        f"contributions to the {result.year} share: " + "; ".join(parts) + f"; total "
        f"{format_diff(metric, d.total[metric].mean)}."
        + "".join(" " + n for n in result.notes if n.startswith("Switched alone"))
    )


def write_diff_report(result: DiffResult, target: str | Path, progress: bool = False) -> Path:
    """Write the comparison as one self-contained HTML file (atomically); returns its path.

    ``progress``: show the figures being drawn on stderr, as ``chipsim report`` does.
    """
    from sim.report.html import render_html
    from sim.report.writer import meter
    from sim.results.atomic import write_text

    target, doc = Path(target), diff_document(result)
    bar = meter(doc, ["html"], progress)
    try:
        write_text(target, render_html(doc, tick=bar.update))
    finally:
        bar.close()
    return target
