"""Write a calibrated scenario: it extends the input and overrides only fitted parameters.

Each override is one dotted-key line at the top level of the file, preceded
by comments giving its prior, its accepted range and the targets it was
fitted to; its evidence keeps the prior's ids and adds the targets' ids. The
text is loaded back (through its ``extends``) before it replaces anything.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from sim.experiments.calibration.fit import FEW_ACCEPTED, Calibration
from sim.experiments.calibration.posterior import Marginal
from sim.experiments.calibration.table import adjustment_words, cell, observed
from sim.results.atomic import write_text
from sim.scenario import ScenarioError, load
from sim.scenario.dump import dist_raw

BARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def toml_key(path: str) -> str:
    """Write a dotted key, quoting parts that are not plain names (years)."""
    return ".".join(p if BARE.match(p) else json.dumps(p) for p in path.split("."))


def toml_value(value) -> str:
    """Write an inline TOML value: string, number, array or inline table."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number(float(value))
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"


def number(x: float) -> str:
    """Whole numbers without a decimal point, others to 6 significant digits."""
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    text = f"{x:.6g}"
    return text if any(c in text for c in ".en") else text + ".0"


def show(x: float) -> str:
    """Format a number for a comment."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def parameter_block(m: Marginal) -> list[str]:
    """Comment lines and the override line of one fitted parameter."""
    lo, mid, hi = m.posterior_band
    plo, pmid, phi = m.prior_band
    lines = [
        f"# {m.path}",
        f"#   prior {m.prior.describe()}: median {show(pmid)}, 90% {show(plo)} to {show(phi)}",
        f"#   {'posterior (regression-adjusted)' if m.adjusted else 'accepted draws'}: "
        f"median {show(mid)}, 90% {show(lo)} to {show(hi)}"
        + (f" (pressed against the {m.pressed} bound)" if m.pressed else ""),
        f"#   fitted to targets: {', '.join(m.targets)}",
        f"{toml_key(m.path)} = {toml_value(dist_raw(m.fitted))}",
    ]
    return lines


def header(cal: Calibration, command: str, targets_file: str) -> list[str]:
    """Write the opening comments: how the file was made and how well it fits."""
    inside = (sum(c.inside for c in cal.before), sum(c.inside for c in cal.after))
    centred = (sum(c.centred for c in cal.before), sum(c.centred for c in cal.after))
    lines = [
        "# Calibrated scenario written by `chipsim calibrate`. Do not edit by hand;",
        "# re-run the command when the model, the priors or the targets change:",
        f"#   {command}",
        f"# Targets: {targets_file}. Method: rejection ABC over a Latin hypercube on",
        f"# the priors ({cal.draws} draws, {cal.accepted} accepted, distance threshold "
        f"{cal.epsilon:.3g}, seed {cal.seed}; {adjustment_words(cal)});",
        "# see docs/calibration.md.",
        f"# Targets inside the model's 90% band: {inside[0]}/{len(cal.targets)} before, "
        f"{inside[1]}/{len(cal.targets)} after; medians inside the accepted interval: "
        f"{centred[0]} before, {centred[1]} after.",
    ]
    if cal.accepted < FEW_ACCEPTED:
        lines.append(
            f"# CAUTION: only {cal.accepted} draws were accepted (fewer than "
            f"{FEW_ACCEPTED}): the fitted ranges are rough."
        )
    lines += target_lines(cal)
    if cal.unmoved:
        lines.append(
            "# Not fitted (no chosen parameter moves them): "
            + ", ".join(t.name for t in cal.unmoved)
        )
    if cal.uninformed:
        lines.append("# Left at their priors (they move no target): " + ", ".join(cal.uninformed))
    return lines


def target_lines(cal: Calibration) -> list[str]:
    """Comment lines: every target before and after, and why any fits worse."""
    lines = ["# Every target, model p50 (p05-p95) before -> after calibration:"]
    for before, after in zip(cal.before, cal.after, strict=True):
        t = before.target
        lines.append(
            f"#   {t.name} {t.period}: figure {observed(t)}; {cell(before)} -> {cell(after)}"
        )
    for name, how, why in cal.worse:
        lines.append(f"# WORSE after calibration: {name}: {how}; why: {why}")
    return lines


def calibrated_text(
    cal: Calibration, out: str | Path, source: str | Path, command: str, targets_file: str
) -> str:
    """Write the calibrated scenario file's text."""
    parent = os.path.relpath(Path(source).resolve(), Path(out).resolve().parent)
    description = f"{cal.scenario.name} calibrated to {targets_file}: {cal.scenario.description}"
    lines = header(cal, command, targets_file) + [
        "",
        f"extends = {toml_value(Path(parent).as_posix())}",
        f"description = {toml_value(description)}",
    ]
    for m in cal.fitted:
        lines += [""] + parameter_block(m)
    return "\n".join(lines) + "\n"


def write_calibrated(out: str | Path, text: str, force: bool = False) -> None:
    """Check that ``text`` loads as a scenario beside ``out``, then write it atomically."""
    out = Path(out)
    if out.exists() and not force:
        raise FileExistsError(str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{out.stem}-check-", suffix=".toml", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        load(tmp)
    except ScenarioError as err:
        raise ScenarioError(
            f"calibrated scenario does not load: {err.message}", err.path, str(out)
        ) from None
    finally:
        os.unlink(tmp)
    write_text(out, text)
