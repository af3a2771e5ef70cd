"""Which changed parameters account for a difference between two scenarios.

The changed parameter paths of two resolved scenario trees are grouped (by
top-level section, or finer), and the model is rerun from A with groups
switched to B's values, with the same seed: Shapley values over the groups
(every subset; exact, 2^G runs) or one group at a time (G + 2 runs, leaving an
interaction remainder). Contributions are computed per replication, so each
has a confidence interval, and Shapley contributions add up to B - A exactly.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.model.ensemble import Blocking, SimulateOptions, simulate
from sim.report.paired import Interval, mean_interval
from sim.scenario.convert import to_dataclass
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario
from sim.scenario.validate import validate

# Paths that do not change what the model computes, or are compared separately.
IGNORED = (
    "name",
    "description",
    "extends",
    "calendar",
    "run.seed",
    "run.replications",
    "run.quota_levels",
)
SHAPLEY_MAX_GROUPS = 6
OnProgress = Callable[[int, int], None]  # called with (done, total)


def is_leaf(node) -> bool:
    """Parameter tables, events and quota paths (they carry evidence) and plain values."""
    return not isinstance(node, dict) or "evidence" in node


def without_evidence(node):
    """Return a leaf without its evidence ids (citations do not change results)."""
    return {k: v for k, v in node.items() if k != "evidence"} if isinstance(node, dict) else node


def changed_paths(tree_a: dict, tree_b: dict, prefix: str = "") -> list[str]:
    """Dotted paths of leaves that differ, are added or are removed between two trees."""
    out = []
    for key in list(dict.fromkeys([*tree_a, *tree_b])):
        path = f"{prefix}.{key}" if prefix else str(key)
        if any(path == p or path.startswith(p + ".") for p in IGNORED):
            continue
        a, b = tree_a.get(key), tree_b.get(key)
        if isinstance(a, dict) and isinstance(b, dict) and not (is_leaf(a) or is_leaf(b)):
            out += changed_paths(a, b, path)
        elif without_evidence(a) != without_evidence(b):
            out.append(path)
    return out


def group_paths(paths: list[str], depth: int = 1) -> dict[str, list[str]]:
    """Paths grouped by their first ``depth`` parts (1: top-level section)."""
    groups: dict[str, list[str]] = {}
    for path in paths:
        groups.setdefault(".".join(path.split(".")[:depth]), []).append(path)
    return groups


def lookup(tree: dict, path: str):
    """Return the node at a dotted path, or a sentinel when absent."""
    node = tree
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return _ABSENT
        node = node[key]
    return node


_ABSENT = object()


def hybrid_tree(tree_a: dict, tree_b: dict, paths: list[str]) -> dict:
    """Return a copy of tree A with the given paths taken from tree B (added, replaced, removed)."""
    out = copy.deepcopy(tree_a)
    for path in paths:
        *parents, last = path.split(".")
        node = out
        for key in parents:
            node = node.setdefault(key, {})
        value = lookup(tree_b, path)
        if value is _ABSENT:
            node.pop(last, None)
        else:
            node[last] = copy.deepcopy(value)
    return out


def scenario_of(tree: dict, what: str) -> Scenario:
    """Return a validated scenario from a raw tree; ``what`` names it in errors."""
    try:
        scenario = to_dataclass(Scenario, tree, "")
        validate(scenario)
    except ScenarioError as err:
        raise ScenarioError(
            f"{what} is not a valid scenario ({err}); try grouping the changed "
            "parameters differently (--depth)"
        ) from None
    return scenario


@dataclass
class Breakdown:
    """Contributions per group and metric: Interval over replications."""

    method: str
    groups: dict[str, list[str]]
    contributions: dict[str, dict[str, Interval]]  # group -> metric -> interval
    total: dict[str, Interval]  # metric -> B - A from the reruns
    remainder: dict[str, Interval]  # interactions (one-at-a-time only)
    runs: int
    endpoints: dict[str, np.ndarray]  # "a" / "b" -> (metrics, R) rerun values
    alone: dict[str, dict[str, Interval]] = field(default_factory=dict)  # group switched alone


@dataclass(frozen=True, kw_only=True)
class Reruns:
    """How :func:`breakdown` reruns the model, and what it reads from each rerun.

    Each rerun simulates ``reps`` replications on ``seed`` at one quota
    ``level`` and reads ``metrics`` in ``year``. ``method`` is "shapley",
    "one-at-a-time" or "auto" (Shapley up to :data:`SHAPLEY_MAX_GROUPS`
    groups); ``progress(done, total)`` follows the reruns, in block-months of
    the model (it changes no value).
    """

    seed: int
    reps: int
    level: str
    year: int
    metrics: tuple[str, ...]
    method: str = "auto"
    progress: OnProgress | None = field(default=None, compare=False)


def values(scenario: Scenario, reruns: Reruns, progress: OnProgress | None = None) -> np.ndarray:
    """Per-replication values (metrics, R) of one scenario at the reruns' level and year.

    ``progress(done, total)`` follows this simulation (it changes no value).
    """
    result = simulate(
        scenario,
        reruns.reps,
        reruns.seed,
        [reruns.level],
        SimulateOptions(blocking=Blocking(progress=progress)),
    )
    index = result.years.index(reruns.year)
    return np.stack([result.replicates[m][0, :, index].astype(float) for m in reruns.metrics])


def shapley_weights(size: int, groups: int) -> float:
    """Weight of a coalition of ``size`` in a Shapley value over ``groups`` players."""
    return math.factorial(size) * math.factorial(groups - size - 1) / math.factorial(groups)


def planned_runs(names: list[str], method: str) -> int:
    """Return how many reruns a breakdown makes: every subset (Shapley), or none, each, all."""
    if method == "shapley":
        return 2 ** len(names)
    return len({frozenset(), frozenset(names), *(frozenset([g]) for g in names)})


def rerun_progress(progress: OnProgress | None, runs: int, index: int) -> OnProgress | None:
    """Map the ``index``-th rerun's (done, total) onto all ``runs`` reruns, in those units."""
    if progress is None:
        return None
    return lambda done, total: progress(index * total + done, runs * total)


def contributions(names: list[str], f, method: str) -> dict[str, np.ndarray]:
    """Each group's per-replication contribution: its Shapley value, or it switched alone.

    ``f(subset)`` gives the values (metrics, R) with ``subset``'s groups from B.
    """
    empty: frozenset[str] = frozenset()
    if method != "shapley":
        return {g: f(frozenset([g])) - f(empty) for g in names}
    out = {}
    for g in names:
        others = [x for x in names if x != g]
        out[g] = sum(
            shapley_weights(size, len(names)) * (f(frozenset(combo) | {g}) - f(frozenset(combo)))
            for size in range(len(others) + 1)
            for combo in itertools.combinations(others, size)
        )
    return out


def breakdown(
    tree_a: dict, tree_b: dict, groups: dict[str, list[str]], reruns: Reruns
) -> Breakdown:
    """Rerun the model with groups switched from A to B and attribute B - A to the groups."""
    names, metrics, method = list(groups), reruns.metrics, reruns.method
    if method == "auto":
        method = "shapley" if len(names) <= SHAPLEY_MAX_GROUPS else "one-at-a-time"
    cache: dict[frozenset, np.ndarray] = {}
    runs = planned_runs(names, method)

    def f(subset: frozenset) -> np.ndarray:
        if subset not in cache:
            paths = [p for g in names if g in subset for p in groups[g]]
            what = "scenario A with " + (", ".join(sorted(subset)) or "nothing") + " from B"
            cache[subset] = values(
                scenario_of(hybrid_tree(tree_a, tree_b, paths), what),
                reruns,
                rerun_progress(reruns.progress, runs, len(cache)),
            )
        return cache[subset]

    empty: frozenset[str] = frozenset()
    full = frozenset(names)
    per_rep = contributions(names, f, method)
    total = f(full) - f(empty)
    rest = total - sum(per_rep.values()) if names else total
    alone = {
        g: {m: mean_interval((f(frozenset([g])) - f(empty))[i]) for i, m in enumerate(metrics)}
        for g in names
    }
    return Breakdown(
        method,
        groups,
        {g: {m: mean_interval(per_rep[g][i]) for i, m in enumerate(metrics)} for g in names},
        {m: mean_interval(total[i]) for i, m in enumerate(metrics)},
        {m: mean_interval(rest[i]) for i, m in enumerate(metrics)} if method != "shapley" else {},
        len(cache),
        {"a": f(empty), "b": f(full)},
        alone,
    )
