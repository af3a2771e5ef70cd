"""Which targets a calibration fits worse, and why: the parameters they share with others.

A target's *miss* is how far the model's median lies outside its acceptance
interval, in half-widths (0 inside). A target fits worse after calibration
when its median leaves the interval, when the target leaves the model's 90%
band, or when its miss grows by more than :data:`WORSE_BY` half-widths. The
reason names what the fit traded it against: the calibrated parameters that
move it (from the screening) and the other targets those parameters also
move, or says that none of its own parameters was calibrated, so it moved
only through parameters fitted to other targets (or by sampling noise).
"""

from __future__ import annotations

import math

import numpy as np

from sim.experiments.calibration.measure import Check
from sim.experiments.calibration.sampling import MOVES

WORSE_BY = 0.1  # half-widths of extra miss that count as a worse fit


def miss(check: Check) -> float:
    """Distance of the model's median outside the acceptance interval, in half-widths."""
    t = check.target
    if not math.isfinite(check.p50):
        return math.inf
    gap = max(t.accept_low - check.p50, 0.0, check.p50 - t.accept_high)
    return gap / t.scale


def worse(before: Check, after: Check) -> str:
    """How the target fits worse after calibration ("" when it does not)."""
    if before.inside and not after.inside:
        return "inside the model's 90% band before, outside after"
    if before.centred and not after.centred:
        return "the model's median was inside the accepted interval before, outside after"
    gained = miss(after) - miss(before)
    if gained > WORSE_BY:
        return (
            f"its median moved further from the accepted interval "
            f"({miss(before):.2f} -> {miss(after):.2f} half-widths)"
        )
    return ""


def reason(
    index: int, names: list[str], params: list[str], effects: np.ndarray, better: set[str]
) -> str:
    """Why target ``index`` (of ``names``) got worse: what it shares with other targets.

    ``effects`` is (targets, params): how far each calibrated parameter moves
    each target, in half-widths (the screening's); ``better`` names the
    targets that fit better after calibration. The parameters that move the
    target most come first, and the targets traded for are those, among the
    better ones, that the same parameters move most.
    """
    moved = effects >= MOVES
    order = np.argsort(-effects[index], kind="stable")
    own = [int(j) for j in order if moved[index, j]]
    if not own:
        return (
            "none of the calibrated parameters moves it (its own inputs are not among "
            "--params): it changed only through parameters fitted to other targets, "
            "or by sampling noise"
        )
    shared = {
        k: effects[k, own].max() for k in range(len(names)) if k != index and moved[k, own].any()
    }
    if not shared:
        return (
            f"it alone is moved by {listed([params[j] for j in own])}: the accepted draws "
            "fit it less well"
        )
    gained = sorted((k for k in shared if names[k] in better), key=lambda k: -shared[k])
    text = (
        f"moved most by {listed([params[j] for j in own])}, which also move {len(shared)} "
        "other targets"
    )
    if gained:
        text += (
            f"; the fit traded it for {listed([names[k] for k in gained])}, which fit better after"
        )
    return text


def listed(items: list[str], most: int = 3) -> str:
    """Name the first ``most`` items and count the rest."""
    head = ", ".join(items[:most])
    return head + (f" and {len(items) - most} more" if len(items) > most else "")


def explanations(
    before: list[Check], after: list[Check], params: list[str], effects: np.ndarray
) -> list[tuple[str, str, str]]:
    """(target, how it is worse, why) for every target that fits worse after calibration."""
    names = [c.target.name for c in before]
    better = {
        c.target.name
        for c, d in zip(before, after, strict=True)
        if miss(d) < miss(c) - 1e-12 or (d.inside and not c.inside)
    }
    out = []
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        how = worse(b, a)
        if how:
            out.append((names[i], how, reason(i, names, params, effects, better)))
    return out
