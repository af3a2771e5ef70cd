"""Text tables for the terminal: targets before and after, and the fitted ranges."""

from __future__ import annotations

import math

from sim.experiments.calibration.fit import FEW_ACCEPTED, Calibration
from sim.experiments.calibration.measure import Check
from sim.experiments.calibration.posterior import Marginal
from sim.experiments.calibration.targets import Target
from sim.experiments.calibration.tradeoff import worse


def fmt(x: float) -> str:
    """Compact number: 0.372, 215k, 1.52M; "n/a" when undefined."""
    if x is None or not math.isfinite(x):
        return "n/a"
    if abs(x) >= 1e9:
        return f"{x / 1e9:.2f}bn"
    if abs(x) >= 1e6:
        return f"{x / 1e6:.2f}M"
    if abs(x) >= 1e3:
        return f"{x / 1e3:.0f}k"
    return f"{x:.3g}"


def observed(target: Target) -> str:
    """Format the figure, its published range and its acceptance interval."""
    figure = (
        fmt(target.value)
        if target.low == target.high
        else (f"{fmt(target.value)} ({fmt(target.low)}-{fmt(target.high)})")
    )
    return f"{figure} [{fmt(target.accept_low)}-{fmt(target.accept_high)}]"


def cell(check: Check) -> str:
    """Format ``p50 (p05-p95)`` with a mark.

    The mark is "in" when the target falls inside the band (else "OUT"), with a
    "*" when the median lies inside the acceptance interval.
    """
    mark = ("in" if check.inside else "OUT") + ("*" if check.centred else "")
    return f"{fmt(check.p50)} ({fmt(check.p05)}-{fmt(check.p95)}) {mark}"


def targets_table(before: list[Check], after: list[Check] | None = None) -> str:
    """Every target against the model, before and (optionally) after calibration.

    After calibration a target that fits worse is marked WORSE (the warnings
    say how and why: :mod:`sim.experiments.calibration.tradeoff`).
    """
    head = (
        f"{'target':<26} {'period':<7} {'figure (range) [accepted]':<30} "
        f"{'before: p50 (p05-p95)':<29}"
    )
    lines = [head + ("after: p50 (p05-p95)" if after else "")]
    for i, check in enumerate(before):
        t = check.target
        line = f"{t.name:<26} {t.period:<7} {observed(t):<30} {cell(check):<29}"
        if after:
            line += f"{cell(after[i]):<29}" + (" WORSE" if worse(check, after[i]) else "")
        lines.append(line.rstrip())
    return "\n".join(lines)


def inside_line(before: list[Check], after: list[Check] | None = None) -> str:
    """How many targets fall inside the model's 90% band (and medians inside intervals)."""

    def count(checks: list[Check]) -> str:
        return (
            f"{sum(c.inside for c in checks)}/{len(checks)} inside the 90% band, "
            f"{sum(c.centred for c in checks)}/{len(checks)} medians accepted"
        )

    text = f"Targets: {count(before)}"
    return text + (f" before; {count(after)} after calibration" if after is not None else "")


def marginal_line(m: Marginal) -> str:
    """One fitted parameter: prior and accepted 90% ranges with medians."""
    plo, pmid, phi = m.prior_band
    lo, mid, hi = m.posterior_band
    flag = f"  [pressed against the {m.pressed} bound]" if m.pressed else ""
    return (
        f"{m.path:<44} {fmt(pmid):>7} ({fmt(plo)}-{fmt(phi)})".ljust(70)
        + f"{fmt(mid):>7} ({fmt(lo)}-{fmt(hi)}){flag}"
    )


def report(cal: Calibration) -> str:
    """Format the whole terminal report of a calibration."""
    lines = [targets_table(cal.before, cal.after), "", inside_line(cal.before, cal.after), ""]
    for t in cal.unmoved:
        lines.append(
            f"NOT FITTED: no chosen parameter moves target {t.name} "
            f"({t.metric}, {t.period}); it is reported but cannot be calibrated."
        )
    for path in cal.uninformed:
        lines.append(f"Left at its prior: {path} moves no target.")
    lines += [
        "",
        f"Fitted parameters ({cal.accepted} of {cal.draws} draws accepted, "
        f"distance threshold {cal.epsilon:.3g}; {adjustment_words(cal)}){few_words(cal)}:",
        f"{'parameter':<44} {'prior median (90%)':<25}posterior median (90%)",
    ]
    lines += [marginal_line(m) for m in cal.fitted]
    lines += ["", "Fitted to:"] + [f"  {m.path}: {', '.join(m.targets)}" for m in cal.fitted]
    return "\n".join(lines)


def few_words(cal: Calibration) -> str:
    """Return a caveat when few draws were accepted ("" otherwise)."""
    if cal.accepted >= FEW_ACCEPTED:
        return ""
    return (
        f" — CAUTION: only {cal.accepted} draws accepted (fewer than {FEW_ACCEPTED}), so "
        "these ranges are rough; raise --n or --accept"
    )


def adjustment_words(cal: Calibration) -> str:
    """Say how the accepted draws became the posterior, with their effective sample size."""
    found = cal.adjustment
    if found is None:
        return "plain rejection"
    if found.applied:
        return (
            f"regression-adjusted (local-linear, Epanechnikov weights), effective sample "
            f"size {found.ess:.0f}"
        )
    return f"plain rejection: {found.reason}; effective sample size {found.ess:.0f}"
