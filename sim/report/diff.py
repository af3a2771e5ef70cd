"""``chipsim diff``: compare two runs made with the same seed, and say what drives the gap."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.report.data import RunData, RunDirError, check_parts, load
from sim.report.drivers import Breakdown, Reruns, breakdown, changed_paths, group_paths
from sim.report.meaning import group_name
from sim.report.paired import HEADLINE_METRICS, PairedStat, format_diff, format_value, paired_table
from sim.report.style import level_label

DRIVER_REPS = 2000


@dataclass
class DiffResult:
    """A paired comparison of run B against run A, with its driver breakdown."""

    a: RunData
    b: RunData
    level: str
    year: int
    pairs: int
    stats: list[PairedStat]
    changed: list[str]
    groups: dict[str, list[str]]
    drivers: Breakdown | None
    notes: list[str]
    names: dict[str, str] = field(default_factory=dict)  # driver group -> what it is, in words

    def group_label(self, group: str) -> str:
        """Return the group's name in scenario terms (its path prefix when none is known)."""
        return self.names.get(group, group)

    def headline_stat(self) -> PairedStat | None:
        """Return the national domestic share of units at the chosen level."""
        return next(
            (s for s in self.stats if s.metric == HEADLINE_METRICS[0] and s.level == self.level),
            None,
        )


def replicates_of(data: RunData) -> dict[str, np.ndarray]:
    """Return the run's replications.npz arrays; refuse a directory without them."""
    if data.replicates is None:
        raise RunDirError(
            "no replications.npz: diff compares two run directories", file=str(data.path)
        )
    return data.replicates


def check_comparable(a: RunData, b: RunData) -> None:
    """Refuse runs whose seeds or calendars differ, or that carry no replications."""
    for data in (a, b):
        replicates_of(data)
    seeds = (a.manifest.get("seed"), b.manifest.get("seed"))
    if seeds[0] != seeds[1]:
        raise RunDirError(
            f"the runs were made with different seeds ({a.path}: {seeds[0]}, "
            f"{b.path}: {seeds[1]}); a paired comparison needs the same seed: "
            f"rerun one with --seed {seeds[0]}"
        )
    cals = (a.manifest.get("calendar"), b.manifest.get("calendar"))
    if cals[0] != cals[1]:
        raise RunDirError(
            f"the runs cover different calendars ({a.path}: {cals[0]}, "
            f"{b.path}: {cals[1]}); compare runs over the same months"
        )


def auto_depth(paths: list[str]) -> int:
    """Return the shallowest grouping depth that splits the changes into more than one group."""
    depth = 1
    longest = max((len(p.split(".")) for p in paths), default=1)
    while len(group_paths(paths, depth)) == 1 and depth < longest and len(paths) > 1:
        depth += 1
    return depth


def choose(a: RunData, b: RunData, level: str | None, year: int | None) -> tuple[str, int]:
    """Return the quota level and year to compare, checked against both runs."""
    ra, rb = replicates_of(a), replicates_of(b)
    common = [str(x) for x in ra["quota_levels"] if str(x) in {str(y) for y in rb["quota_levels"]}]
    years = [int(y) for y in ra["years"]]
    if not common:
        raise RunDirError("the runs share no quota level")
    chosen_level = level or ("announced" if "announced" in common else common[0])
    if chosen_level not in common:
        raise RunDirError(
            f"quota level {chosen_level!r} is not in both runs (common: {', '.join(common)})",
            "--level",
        )
    chosen_year = years[-1] if year is None else year
    if chosen_year not in years:
        raise RunDirError(
            f"year {chosen_year} is not in the runs ({years[0]}-{years[-1]})", "--year"
        )
    return chosen_level, chosen_year


def compare(
    run_a,
    run_b,
    level: str | None = None,
    year: int | None = None,
    depth: int | None = None,
    drivers: str = "auto",
    driver_reps: int | None = None,
    progress=None,
) -> DiffResult:
    """Paired differences for every headline metric, then the driver breakdown.

    ``progress(done, total)``, when given, follows the driver reruns.
    """
    a, b = load(run_a, check=False), load(run_b, check=False)
    check_comparable(a, b)  # runs that cannot be paired are refused as such first
    check_parts(a)  # then a part that disagrees with its manifest (DamagedFile)
    check_parts(b)
    assert a.replicates is not None and b.replicates is not None  # check_comparable
    level, year = choose(a, b, level, year)
    levels = [
        str(x)
        for x in a.replicates["quota_levels"]
        if str(x) in {str(y) for y in b.replicates["quota_levels"]}
    ]
    stats = paired_table(a.replicates, b.replicates, levels, year)
    pairs = min(
        a.replicates["national.domestic_share_units"].shape[1],
        b.replicates["national.domestic_share_units"].shape[1],
    )
    notes = []
    if a.manifest.get("replications") != b.manifest.get("replications"):
        notes.append(
            f"The runs have different replication counts; the first {pairs} of each "
            "are paired (a replication's draws do not depend on the run's size)."
        )
    tree_a, tree_b = a.manifest.get("scenario", {}), b.manifest.get("scenario", {})
    changed = changed_paths(tree_a, tree_b)
    groups = group_paths(changed, depth or auto_depth(changed))
    found = None
    if changed and drivers != "none":
        metrics = [m for m in HEADLINE_METRICS if f"national.{m}" in a.replicates]
        reruns = Reruns(
            seed=int(a.manifest["seed"]),
            reps=min(pairs, driver_reps or DRIVER_REPS),
            level=level,
            year=year,
            metrics=tuple(metrics),
            method="auto" if drivers == "auto" else drivers,
            progress=progress,
        )
        found = breakdown(tree_a, tree_b, groups, reruns)
        notes += reproduction_notes(a, b, found, level, year, metrics)
    elif not changed:
        notes.append("The two scenarios are identical (apart from names and evidence ids).")
    scenario = a.scenario() or b.scenario()
    names = {g: group_name(g, paths, scenario) for g, paths in groups.items()}
    if found is not None:
        notes += interaction_notes(found, names)
    return DiffResult(a, b, level, year, pairs, stats, changed, groups, found, notes, names)


def interaction_notes(found: Breakdown, names: dict[str, str]) -> list[str]:
    """Explain a Shapley split when groups change the share differently together than alone."""
    metric = HEADLINE_METRICS[0]
    if found.method != "shapley" or len(found.groups) < 2 or not found.alone:
        return []
    alone = {g: found.alone[g][metric].mean for g in found.groups}
    together = found.total[metric].mean
    joint = together - sum(alone.values())
    if abs(joint) < 0.001:  # below a tenth of a point: the groups act independently
        return []
    parts = [f"{names.get(g, g)} {format_diff(metric, v)}" for g, v in alone.items()]
    shapley = {g: found.contributions[g][metric].mean for g in found.groups}
    shares = ", ".join(f"{names.get(g, g)} {format_diff(metric, v)}" for g, v in shapley.items())
    return [
        "Switched alone (everything else as in A), the groups would change the share by: "
        + "; ".join(parts)
        + f". Switched together they change it by "
        f"{format_diff(metric, together)}: {format_diff(metric, joint)} arises only when "
        "they act together (a change that matters only once another is in place). Shapley "
        "values share "
        "that joint part out between the groups involved (equally, for two groups), so a "
        "group's Shapley value can differ from, or even have the other sign to, its effect "
        f"alone. Shapley values: {shares}."
    ]


def reproduction_notes(
    a: RunData, b: RunData, found: Breakdown, level: str, year: int, metrics: list[str]
) -> list[str]:
    """Return a warning when the reruns do not reproduce the stored runs (model code changed)."""
    index = metrics.index(HEADLINE_METRICS[0])
    for name, data in (("a", a), ("b", b)):
        replicates = replicates_of(data)
        levels = [str(x) for x in replicates["quota_levels"]]
        years = [int(y) for y in replicates["years"]]
        stored = replicates[f"national.{HEADLINE_METRICS[0]}"][
            levels.index(level), : found.endpoints[name].shape[1], years.index(year)
        ]
        if not np.allclose(stored, found.endpoints[name][index], atol=1e-5, equal_nan=True):
            return [
                f"Rerunning {data.path} today does not reproduce its stored values: the "
                "model changed since; the driver breakdown uses the current model."
            ]
    return []


def summary_text(result: DiffResult) -> str:
    """Return the terminal table: differences at the chosen level, then the drivers."""
    a, b = result.a.name, result.b.name
    lines = [
        f"Paired comparison, B = {result.b.path} ({b}) minus A = {result.a.path} ({a})",
        f"{level_label(result.level)}, {result.year}; seed {result.a.manifest.get('seed')}; "
        f"{result.pairs:,} paired replications; every number is a mean over them, with "
        "its 95% confidence interval.",
        "",
        f"{'metric':<26}{'mean A':>11}{'mean B':>11}{'mean B - A':>14}  95% CI",
    ]
    for s in result.stats:
        if s.level != result.level:
            continue
        flag = "  *" if s.diff.excludes_zero else ""
        lines.append(
            f"{s.metric:<26}{format_value(s.metric, s.mean_a):>11}"
            f"{format_value(s.metric, s.mean_b):>11}"
            f"{format_diff(s.metric, s.diff.mean):>14}  "
            f"[{format_diff(s.metric, s.diff.low)}, "
            f"{format_diff(s.metric, s.diff.high)}]{flag}"
        )
    lines.append("(* the interval excludes zero)")
    lines += drivers_text(result)
    return "\n".join(lines + [""] + [f"Note: {n}" for n in result.notes])


def drivers_text(result: DiffResult) -> list[str]:
    """Driver lines for the headline share: contribution and interval per group."""
    if result.drivers is None:
        return []
    d, metric = result.drivers, HEADLINE_METRICS[0]
    runs = "every subset of groups" if d.method == "shapley" else "one group at a time"
    lines = [
        "",
        f"Drivers of the {metric} difference ({d.method}, {runs}; {d.runs} model runs, "
        f"{d.total[metric].n:,} replications; mean contribution and 95% CI):",
    ]
    for group in d.groups:
        c = d.contributions[group][metric]
        lines.append(
            f"  {group:<34}{format_diff(metric, c.mean):>12}  "
            f"[{format_diff(metric, c.low)}, {format_diff(metric, c.high)}]  "
            f"{result.group_label(group)}"
        )
    if d.remainder:
        r = d.remainder[metric]
        lines.append(f"  {'interactions (remainder)':<34}{format_diff(metric, r.mean):>12}")
    t = d.total[metric]
    lines.append(
        f"  {'total (reruns)':<34}{format_diff(metric, t.mean):>12}  "
        f"[{format_diff(metric, t.low)}, {format_diff(metric, t.high)}]"
    )
    return lines
