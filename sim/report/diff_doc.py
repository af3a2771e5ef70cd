"""The diff as a report Document: headline, paired differences, drivers, both projections."""

from __future__ import annotations

import json
from functools import partial

from sim.report.build import facts
from sim.report.diff import DiffResult
from sim.report.document import Document, FigureBlock, Section, Table
from sim.report.drivers import lookup
from sim.report.figures.diff import driver_bars, overlay_fan, paired_forest
from sim.report.paired import HEADLINE_METRICS, format_diff, format_value
from sim.report.style import level_label


def headline(result: DiffResult) -> str:
    """One sentence: how the national share moves from A to B, with its interval."""
    s = result.headline_stat()
    if s is None:
        return f"{result.b.name} compared with {result.a.name}"
    return (f"{result.b.name} vs {result.a.name}: the {result.year} domestic share changes by "
            f"{format_diff(s.metric, s.diff.mean)} (95% CI {format_diff(s.metric, s.diff.low)} "
            f"to {format_diff(s.metric, s.diff.high)}) under "
            + ("announced quotas" if result.level == "announced"
               else f"a {level_label(result.level)}"))


def differences_table(result: DiffResult) -> Table:
    """Every headline metric at every common level."""
    rows = [[s.metric, level_label(s.level), format_value(s.metric, s.mean_a),
             format_value(s.metric, s.mean_b), format_diff(s.metric, s.diff.mean),
             f"{format_diff(s.metric, s.diff.low)} to {format_diff(s.metric, s.diff.high)}",
             format_diff(s.metric, s.unpaired_half, sign=False)] for s in result.stats]
    return Table("differences", f"Paired differences, {result.year}",
                 ["Metric", "Quota level", f"A: {result.a.name}", f"B: {result.b.name}",
                  "B - A", "95% CI (paired)", "± if unpaired"], rows,
                 note=f"Means over {result.pairs:,} paired replications (same seed: common "
                      "random numbers). The last column is the half-width the interval would "
                      "have had for two independent runs.")


def changes_table(result: DiffResult) -> Table:
    """Each changed parameter path with both values and its group."""
    tree_a = result.a.manifest.get("scenario", {})
    tree_b = result.b.manifest.get("scenario", {})
    group_of = {p: g for g, paths in result.groups.items() for p in paths}
    rows = [[p, *shown_change(lookup(tree_a, p), lookup(tree_b, p)), group_of.get(p, "")]
            for p in result.changed]
    return Table("changes", "Changed parameters", ["Parameter", f"A: {result.a.name}",
                                                   f"B: {result.b.name}", "Group"], rows,
                 note="Evidence ids are ignored; names, seed, replications and quota levels "
                      "are not model inputs.")


def shown_change(a, b) -> tuple[str, str]:
    """Both sides of a change; for two tables only the keys that differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = [k for k in dict.fromkeys([*a, *b]) if k != "evidence" and a.get(k) != b.get(k)]
        return (", ".join(f"{k}: {show(a.get(k))}" for k in keys),
                ", ".join(f"{k}: {show(b.get(k))}" for k in keys))
    return show(a), show(b)


def show(node) -> str:
    """Return a raw tree node as compact text ("absent" when missing)."""
    if not isinstance(node, (dict, list, str, int, float, bool)) and node is not None:
        return "absent"
    if isinstance(node, dict):
        node = {k: v for k, v in node.items() if k != "evidence"}
    return json.dumps(node, sort_keys=True) if not isinstance(node, str) else node


def diff_source(result: DiffResult) -> str:
    """Provenance of both runs in one line."""
    def one(data) -> str:
        return f"{data.name} ({str(data.manifest.get('scenario_hash', ''))[:12]})"
    version = result.a.manifest.get("versions", {}).get("chipsim", "")
    return (f"Source: chipsim {version} · A: {one(result.a)} · B: {one(result.b)} · "
            f"{result.pairs:,} paired replications · seed {result.a.manifest.get('seed')}")


def diff_document(result: DiffResult) -> Document:
    """Return the comparison as a Document for the HTML renderer."""
    names = (result.a.name, result.b.name)
    if names[0] == names[1]:
        names = (f"A ({names[0]})", f"B ({names[1]})")
    source = diff_source(result)
    blocks = [FigureBlock("paired", "Paired differences of the shares",
                          partial(paired_forest, result.stats, names, source),
                          " ".join(result.notes) or "Points are mean paired differences; bars "
                          "are 95% intervals. Grey: the interval includes zero.",
                          "Paired differences with confidence intervals"),
              differences_table(result)]
    sections = [Section("paired", "Differences", blocks)]
    if result.drivers is not None:
        metric = HEADLINE_METRICS[0]
        sections.append(Section("drivers", "Drivers", [FigureBlock(
            "drivers", "Which changes account for the difference",
            partial(driver_bars, result.drivers, metric, source), drivers_reading(result),
            "Contribution of each group of changed parameters"), changes_table(result)]))
    if result.a.summary is not None and result.b.summary is not None:
        sections.append(Section("projections", "Both projections", [FigureBlock(
            "overlay", "Domestic share by month, both runs",
            partial(overlay_fan, (result.a.summary, result.b.summary), result.level, names,
                    source), "Solid band and line: A; hatched band and dashed line: B.",
            "Monthly domestic share of both runs")]))
    return Document(title=f"chipsim diff: {result.b.name} vs {result.a.name}",
                    subtitle=f"B = {result.b.path}, A = {result.a.path}",
                    headline=headline(result),
                    headline_note=f"{result.pairs:,} paired replications, seed "
                                  f"{result.a.manifest.get('seed')}; 95% confidence intervals.",
                    facts=[(f"A: {k}", v) for k, v in facts(result.a)]
                    + [(f"B: {k}", v) for k, v in facts(result.b)], sections=sections,
                    appendix=json.dumps({"a": result.a.manifest, "b": result.b.manifest},
                                        indent=2, sort_keys=True))


def drivers_reading(result: DiffResult) -> str:
    """Rank groups by the size of their contribution to the headline share."""
    d, metric = result.drivers, HEADLINE_METRICS[0]
    ranked = sorted(d.groups, key=lambda g: -abs(d.contributions[g][metric].mean))
    parts = [f"{g} {format_diff(metric, d.contributions[g][metric].mean)}" for g in ranked]
    how = ("Shapley values over every subset of groups (they add up to the total)"
           if d.method == "shapley" else "switching one group at a time (the remainder is "
           "interaction)")
    return (f"The model was rerun from A with groups of changed parameters switched to B's "
            f"values, {how}; {d.runs} runs of {d.total[metric].n:,} replications. Contributions "
            f"to the {result.year} share: " + ", ".join(parts) + f"; total "
            f"{format_diff(metric, d.total[metric].mean)}.")
