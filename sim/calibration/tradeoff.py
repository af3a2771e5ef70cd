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

from sim.calibration.measure import Check

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
        return (f"its median moved further from the accepted interval "
                f"({miss(before):.2f} -> {miss(after):.2f} half-widths)")
    return ""


def reason(index: int, names: list[str], params: list[str], moved: np.ndarray,
           better: set[str]) -> str:
    """Why target ``index`` (of ``names``) got worse: what it shares with other targets.

    ``moved`` is (targets, params): which calibrated parameter moves which
    target; ``better`` names the targets that fit better after calibration.
    """
    own = [p for j, p in enumerate(params) if moved[index, j]]
    if not own:
        return ("none of the calibrated parameters moves it (its own inputs are not among "
                "--params): it changed only through parameters fitted to other targets, "
                "or by sampling noise")
    rivals = [n for k, n in enumerate(names)
              if k != index and any(moved[k, j] for j, p in enumerate(params) if p in own)]
    if not rivals:
        return f"it alone is moved by {', '.join(own)}: the accepted draws fit it less well"
    gained = [n for n in rivals if n in better]
    text = f"it shares {', '.join(own)} with {', '.join(rivals)}"
    if gained:
        text += f"; the fit traded it for {', '.join(gained)}, which fit better after"
    return text


def explanations(before: list[Check], after: list[Check], params: list[str],
                 moved: np.ndarray) -> list[tuple[str, str, str]]:
    """(target, how it is worse, why) for every target that fits worse after calibration."""
    names = [c.target.name for c in before]
    better = {c.target.name for c, d in zip(before, after, strict=True)
              if miss(d) < miss(c) - 1e-12 or (d.inside and not c.inside)}
    out = []
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        how = worse(b, a)
        if how:
            out.append((names[i], how, reason(i, names, params, moved, better)))
    return out
