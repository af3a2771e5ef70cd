"""Scenario discovery told: the trajectory, each box in plain words, and discover.csv.

Limits are shown as they are stored in discover.csv: a number's limit is the
cut PRIM made (midway between two points), rounded only for display; a
month limit is the first or last month inside the box.
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np

from sim.core.calendar import format_month
from sim.core.metrics import format_plain
from sim.experiments import prim
from sim.experiments.discovered import Discovery, Found, Inputs

LABEL_DROP = {
    "vendors",
    "products",
    "foundries",
    "fabs",
    "segments",
    "imports",
    "events",
    "grey_market",
    "memory",
    "yield_curve",
}
SHOWN_SCORES = 5
COLUMNS = (
    "kind",
    "box",
    "step",
    "coverage",
    "density",
    "mass",
    "points",
    "cases",
    "parameter",
    "low",
    "high",
    "qp_low",
    "qp_high",
    "reproduce_coverage",
    "reproduce_density",
    "reproduce_rule",
    "score",
)


def label(path: str) -> str:
    """Shorten a parameter path for prose: ``ascend 910c yield ceiling``."""
    words = [w for w in path.split(".") if w not in LABEL_DROP]
    return " ".join(words).replace("_", " ")


def limit(inputs: Inputs, j: int, value: float, side: str) -> str:
    """Write a limit as discover.csv stores it: a number, or the first/last month inside."""
    if inputs.kinds[j] == "date":
        return format_month(math.ceil(value) if side == "low" else math.floor(value))
    if inputs.kinds[j] == "bool":
        return "true" if side == "low" else "false"
    return repr(float(value))


def shown(inputs: Inputs, j: int, value: float, side: str) -> str:
    """Show the same limit for reading: 4 significant digits, shares in percent."""
    if inputs.kinds[j] in ("date", "bool"):
        return limit(inputs, j, value, side)
    if inputs.shares[j]:
        return f"{value:.1%}"
    return format_plain(value)


def sides(found: Found, search_low: np.ndarray, search_high: np.ndarray, j: int) -> list[str]:
    """Which limits of axis ``j`` the box restricts."""
    b = found.box
    return [
        s
        for s, mine, whole in (
            ("low", b.low[j], search_low[j]),
            ("high", b.high[j], search_high[j]),
        )
        if mine != whole
    ]


def clause(inputs: Inputs, j: int, found: Found, low: np.ndarray, high: np.ndarray) -> str:
    """Say how the box limits parameter ``j``."""
    name, kind, b = label(inputs.paths[j]), inputs.kinds[j], found.box
    cut = sides(found, low, high, j)
    if kind == "bool":
        return f"{name} is {'true' if 'low' in cut else 'false'}"
    lo, hi = shown(inputs, j, b.low[j], "low"), shown(inputs, j, b.high[j], "high")
    if kind == "date":
        if len(cut) == 2:
            return f"{name} comes from {lo} to {hi}"
        return (
            f"{name} comes in {lo} or later"
            if cut == ["low"]
            else f"{name} comes in {hi} or earlier"
        )
    if len(cut) == 2:
        return f"{name} is between {lo} and {hi}"
    return f"{name} is at least {lo}" if cut == ["low"] else f"{name} is at most {hi}"


def sentence(done: Discovery, number: int, found: Found) -> str:
    """Tell a box in plain words."""
    low, high = done.inputs.x.min(axis=0), done.inputs.x.max(axis=0)
    clauses = [
        clause(done.inputs, j, found, low, high) for j in found.box.restricted(done.inputs.x)
    ]
    joined = clauses[0] if len(clauses) == 1 else ", ".join(clauses[:-1]) + " and " + clauses[-1]
    verb, b = done.options.find, found.box
    where = "" if number == 1 else "Among the points no earlier box holds, "
    text = (
        f"{where}{done.target.words()} is {verb} in {b.density:.0%} of points where {joined} "
        f"(these points hold {b.coverage:.0%} of all points where it is {verb}, and "
        f"{b.mass:.0%} of all points)"
    )
    if not found.beats_base:
        text += (
            f". Warning: that density does not clearly beat the base rate of "
            f"{found.base_rate:.0%} (binomial p = {found.base_p:.2g} > 0.05): no region of "
            "the inputs stands out"
        )
    return text


def trajectory_table(found: Found) -> list[str]:
    """Tabulate the first box's trajectory, one line per step, the chosen one starred."""
    first = found.trajectory[0]
    whole = np.stack([first.low, first.high])  # the limits of all points
    lines = ["  step  coverage  density    mass  restricted"]
    for i, b in enumerate(found.trajectory):
        mark = "*" if i == found.step else " "
        lines.append(
            f"  {i:>3}{mark}  {b.coverage:8.1%} {b.density:8.1%} {b.mass:7.1%}  "
            f"{len(b.restricted(whole))}"
        )
    return lines


def restriction_table(done: Discovery, found: Found) -> list[str]:
    """Each restriction: limit, quasi-p value and how often resampling reproduced it."""
    inputs, x = done.inputs, done.inputs.x
    lines = [
        f"  {'parameter':<52} {'limit':<24} {'quasi-p':>8}  reproduced in resamples "
        "(closest coverage / closest density / by the rule)"
    ]
    for j in found.box.restricted(x):
        for side in sides(found, x.min(axis=0), x.max(axis=0), j):
            value = found.box.low[j] if side == "low" else found.box.high[j]
            text = (">= " if side == "low" else "<= ") + shown(inputs, j, value, side)
            lines.append(
                f"  {inputs.paths[j]:<52} {text:<24} {found.quasi_p[(j, side)]:8.2g}  "
                f"{found.stability[j, 0]:.0%} / {found.stability[j, 1]:.0%} / "
                f"{found.stability[j, 2]:.0%}"
            )
    for (j, side), value in found.dropped:
        lines.append(
            f"  dropped (not significant): {inputs.paths[j]} {side} limit, "
            f"quasi-p {value:.2g} > {prim.SIGNIFICANCE:g}"
        )
    return lines


def score_lines(done: Discovery) -> list[str]:
    """List the top feature scores, with a note when the first is a parameter no box uses."""
    if done.scores is None:
        return []
    order = np.argsort(-done.scores, kind="stable")
    top = ", ".join(f"{done.inputs.paths[j]} {done.scores[j]:.2f}" for j in order[:SHOWN_SCORES])
    lines = [f"Feature scores (extra trees, share of importance): {top}"]
    used = {j for f in done.found for j in f.box.restricted(done.inputs.x)}
    if order[0] not in used:
        # --box N only helps when a trajectory was printed to pick a step from
        hint = (
            "try --box N, or a sweep with more points"
            if done.found
            else ("try a sweep with more points or a looser target")
        )
        lines.append(
            f"note: feature scoring ranks {done.inputs.paths[order[0]]} first, but no "
            "box restricts it: it matters for the target, though not as a range "
            f"PRIM can cut ({hint})"
        )
    return lines


def lines(done: Discovery) -> list[str]:
    """Everything the command prints, in order."""
    cases, verb = done.cases, done.options.find
    out = [
        f"{done.target.words()} (quota {done.options.quota}, {done.options.region}) is {verb} "
        f"in {int(cases.sum())} of {len(cases)} points ({cases.mean():.0%})."
    ]
    if not done.found:
        out.append(
            "No box: the target is "
            + (
                f"{verb} everywhere"
                if cases.all()
                else "not concentrated in any region of the inputs"
                if cases.any()
                else f"never {verb}"
            )
            + "."
        )
    for number, found in enumerate(done.found, 1):
        if number == 1:
            out += [
                "Trajectory of box 1 (* the chosen step; --box N picks step N):",
                *trajectory_table(found),
            ]
        out.append(f"Box {number} (step {found.step}): " + sentence(done, number, found) + ".")
        out += restriction_table(done, found)
    return out + score_lines(done)


def csv_text(done: Discovery) -> str:
    """discover.csv: box rows (one per restricted parameter), trajectories, feature scores."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n", restval="")
    writer.writeheader()
    x = done.inputs.x
    for number, found in enumerate(done.found, 1):
        writer.writerows(box_rows(done.inputs, number, found))
        for step, b in enumerate(found.trajectory):
            writer.writerow(
                {
                    **stats(b),
                    "kind": "trajectory",
                    "box": number,
                    "step": step,
                    "parameter": ";".join(done.inputs.paths[j] for j in b.restricted(x)),
                }
            )
    if done.scores is not None:
        for j in np.argsort(-done.scores, kind="stable"):
            writer.writerow(
                {
                    "kind": "feature",
                    "parameter": done.inputs.paths[j],
                    "score": f"{done.scores[j]:.6g}",
                }
            )
    return out.getvalue()


def stats(b: prim.Box) -> dict:
    """Write a box's statistics as discover.csv cells."""
    return {
        "coverage": f"{b.coverage:.6g}",
        "density": f"{b.density:.6g}",
        "mass": f"{b.mass:.6g}",
        "points": b.n,
        "cases": b.k,
    }


def box_rows(inputs: Inputs, number: int, found: Found) -> list[dict]:
    """One row per restricted parameter of a box (limits, quasi-p values, stability)."""
    rows, x = [], inputs.x
    for j in found.box.restricted(x):
        cut = sides(found, x.min(axis=0), x.max(axis=0), j)
        row = {
            **stats(found.box),
            "kind": "box",
            "box": number,
            "step": found.step,
            "parameter": inputs.paths[j],
            "reproduce_coverage": f"{found.stability[j, 0]:.6g}",
            "reproduce_density": f"{found.stability[j, 1]:.6g}",
            "reproduce_rule": f"{found.stability[j, 2]:.6g}",
        }
        for side in cut:
            value = found.box.low[j] if side == "low" else found.box.high[j]
            row[side] = limit(inputs, j, value, side)
            row[f"qp_{side}"] = f"{found.quasi_p[(j, side)]:.6g}"
        rows.append(row)
    return rows
