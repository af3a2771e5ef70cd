"""Where a sensitivity analysis is too weak to read: its warnings, as data, in one set of words.

:func:`diagnose` judges a study's index rows (sensitivity.csv's rows, or the
analysis' own) and returns :class:`Flag` values, each a code and one sentence.
The command line prints those sentences, the report quotes them and the
directory keeps them (sensitivity_warnings.csv; a ``warnings`` column of
sensitivity.csv holds each parameter's codes), so every reader meets the same
words. Values are judged as sensitivity.csv writes them (6 significant
digits), so a warning computed from the analysis and one computed from the
file agree to the letter.

The rules (95% intervals are SALib's bootstrap half-widths, ``*_conf``):

- ``s1_above_st`` (Sobol): S1 - ST > sqrt(S1_conf^2 + ST_conf^2), the
  half-width of the difference of two independent estimates, and by at least
  MATERIAL. A first-order index cannot exceed its total index.
- ``s1_sum_above_1`` (Sobol): the first-order indices add up to more than 1;
  the sentence gives the sum's half-width sqrt(sum of S1_conf^2) (the
  estimates taken as independent). Shares of variance cannot add up past 1.
- ``negative_index`` (Sobol): S1 + S1_conf < 0 and S1 <= -MATERIAL (or the
  same of ST). Shares of variance are at least 0.

MATERIAL (0.01, 1% of the output's variance) keeps the per-factor rules to
errors that could change a reading: with hundreds of factors, some 5% of
negligible ones fall outside a 95% interval by chance alone.
- ``wide_interval`` (both): among the LEADING factors by the ranking key (ST,
  or mu*) that reach MINOR times the largest, an interval wider than the
  index: the factor cannot be told from zero.
- ``small_n`` (both): the intervals are wider than the target, and the N at
  which they would not be. Intervals shrink as 1/sqrt(N), so N must grow by
  (width / target)^2: for Sobol the widest S1 or ST interval to
  +/-TARGET_WIDTH (rounded up to a power of 2); for Morris every leading
  factor's mu* interval to half its mu*.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from sim.experiments import methods

S1_ABOVE_ST = "s1_above_st"
S1_SUM = "s1_sum_above_1"
NEGATIVE = "negative_index"
WIDE = "wide_interval"
SMALL_N = "small_n"
CODES = (S1_ABOVE_ST, S1_SUM, NEGATIVE, WIDE, SMALL_N)

TARGET_WIDTH = 0.05  # Sobol: 95% intervals of +/-0.05 (5% of the variance) tell factors apart
MORRIS_TARGET = 0.5  # Morris: an interval of half mu* tells an effect from zero
LEADING = 3  # factors whose intervals must be narrower than their indices ...
MATERIAL = 0.01  # Sobol: smaller violations (1% of the variance) change no reading
MINOR = 0.1  # ... unless their index is below this share of the largest (they hardly matter)
NAMED = 3  # parameters a sentence names before "and N more"
WARNINGS_FILE = "sensitivity_warnings.csv"
WARNINGS_COLUMNS = ("code", "parameters", "sentence")
CODES_COLUMN = "warnings"  # sensitivity.csv: each parameter's codes ("flags" is df.flags in pandas)


@dataclass(frozen=True)
class Flag:
    """One warning: a code from CODES, the parameters it concerns, and its sentence."""

    code: str
    sentence: str
    parameters: tuple[str, ...] = ()


def as_written(value) -> float:
    """Return ``value`` as sensitivity.csv holds it (6 significant digits; NaN if not a number)."""
    try:
        return float(f"{float(value):.6g}")
    except (TypeError, ValueError):
        return math.nan


def _rows(method: methods.Method, rows: list[dict]) -> list[dict]:
    """Return the rows' parameter and method columns, at the CSV's precision."""
    return [
        {"parameter": str(r.get("parameter")), **{c: as_written(r.get(c)) for c in method.columns}}
        for r in rows
    ]


def diagnose(method_name: str, rows: list[dict], n: int | None) -> list[Flag]:
    """Return the warnings for a study's index rows (``n``: its N; None when unknown).

    The order is fixed: S1 above ST, the sum of S1, negative indices, wide
    intervals, and last the suggested N (when ``n`` is known).
    """
    method = methods.method(method_name)
    rows = _rows(method, rows)
    found = [
        _s1_above_st(method, rows),
        _s1_sum(method, rows),
        _negative(method, rows),
        _wide(method, rows),
        _small_n(method, rows, n) if n else None,
    ]
    return [flag for flag in found if flag is not None]


def _finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)


def _value(row: dict, column: str) -> str:
    """Say an index with its interval: ``0.503 ± 0.12``."""
    return f"{row[column]:.3g} ± {row[column + '_conf']:.2g}"


def _names(items: list[str]) -> str:
    """List at most NAMED items, then "and N more"."""
    shown = ", ".join(items[:NAMED])
    return shown + (f" and {len(items) - NAMED} more" if len(items) > NAMED else "")


def _s1_above_st(method: methods.Method, rows: list[dict]) -> Flag | None:
    if not method.additive:
        return None
    hits = [
        r
        for r in rows
        if _finite(r["S1"], r["ST"], r["S1_conf"], r["ST_conf"])
        and r["S1"] - r["ST"] > max(math.hypot(r["S1_conf"], r["ST_conf"]), MATERIAL)
    ]
    if not hits:
        return None
    hits.sort(key=lambda r: (r["ST"] - r["S1"], r["parameter"]))
    told = [f"{r['parameter']} (S1 {_value(r, 'S1')} against ST {_value(r, 'ST')})" for r in hits]
    return Flag(
        S1_ABOVE_ST,
        f"The first-order index exceeds the total index by more than their "
        f"intervals allow for {_names(told)}; a first-order index cannot exceed its "
        "total index, so these estimates are sampling noise at this N.",
        tuple(r["parameter"] for r in hits),
    )


def _s1_sum(method: methods.Method, rows: list[dict]) -> Flag | None:
    if not method.additive:
        return None
    kept = [r for r in rows if _finite(r["S1"], r["S1_conf"])]
    total = math.fsum(r["S1"] for r in kept)
    if total <= 1.0:
        return None
    width = math.sqrt(math.fsum(r["S1_conf"] ** 2 for r in kept))
    return Flag(
        S1_SUM,
        f"The first-order indices add up to {total:.2f} (95% interval "
        f"±{width:.2f}, taking the estimates as independent), more than the 1 that "
        "shares of variance can add up to; the excess is sampling noise.",
    )


def _negative(method: methods.Method, rows: list[dict]) -> Flag | None:
    if not method.additive:
        return None
    hits, told = [], []
    for r in sorted(rows, key=lambda r: (min(r["S1"], r["ST"]), r["parameter"])):
        below = [
            f"{c} {_value(r, c)}"
            for c in ("S1", "ST")
            if _finite(r[c], r[c + "_conf"]) and r[c] + r[c + "_conf"] < 0 and r[c] <= -MATERIAL
        ]
        if below:
            hits.append(r["parameter"])
            told.append(f"{r['parameter']} ({', '.join(below)})")
    if not hits:
        return None
    return Flag(
        NEGATIVE,
        f"An index is negative beyond its interval for {_names(told)}; "
        "shares of variance are at least 0, so these estimates are sampling noise at "
        "this N.",
        tuple(hits),
    )


def ranked(rows: list[dict], method: str) -> list[dict]:
    """Rows by importance (the method's key: total index, or mu*), largest first."""
    key = methods.method(method).key
    return sorted(rows, key=lambda r: (-_ranking(r[key]), r["parameter"]))


def _ranking(x: float) -> float:
    """Return a key's value for sorting: NaN and infinities rank last."""
    return x if math.isfinite(x) else -math.inf


def leading(method: methods.Method, rows: list[dict]) -> list[dict]:
    """Return the LEADING factors by the method's key that reach MINOR times the largest."""
    order = [r for r in ranked(rows, method.name) if math.isfinite(r[method.key])]
    if not order:
        return []
    floor = MINOR * max(order[0][method.key], 0.0)
    return [r for r in order[:LEADING] if r[method.key] >= floor]


def _wide(method: methods.Method, rows: list[dict]) -> Flag | None:
    key, conf = method.key, f"{method.key}_conf"
    hits = [r for r in leading(method, rows) if _finite(r[conf]) and r[conf] > r[key]]
    if not hits:
        return None
    name = method.bars[0].label
    told = [f"{r['parameter']} ({_value(r, key)})" for r in hits]
    return Flag(
        WIDE,
        f"The 95% interval of the {name} is wider than the index itself for "
        f"{_names(told)}, among the leading factors; the ranking cannot tell "
        f"{'it' if len(hits) == 1 else 'them'} from zero at this N.",
        tuple(r["parameter"] for r in hits),
    )


def suggested_n(method_name: str, rows: list[dict], n: int) -> tuple[int, float] | None:
    """Return (the N the intervals call for, the width that sets it), or None when N suffices.

    Sobol: N x (widest / TARGET_WIDTH)^2, rounded up to a power of 2, the
    widest being any factor's S1 or ST interval. Morris: N x (conf /
    (MORRIS_TARGET x mu*))^2 for the leading factor that needs most, rounded
    up. The width returned is that widest interval (Sobol) or that ratio of
    interval to mu* (Morris).
    """
    method = methods.method(method_name)
    rows = _rows(method, rows)
    if method.additive:
        widths = [r[c] for r in rows for c in ("S1_conf", "ST_conf") if _finite(r[c])]
        widest = max(widths, default=0.0)
        if widest <= TARGET_WIDTH:
            return None
        return 2 ** math.ceil(math.log2(n * (widest / TARGET_WIDTH) ** 2)), widest
    ratios = [
        r["mu_star_conf"] / r["mu_star"]
        for r in leading(method, rows)
        if _finite(r["mu_star_conf"]) and r["mu_star"] > 0
    ]
    ratio = max(ratios, default=0.0)
    if ratio <= MORRIS_TARGET:
        return None
    return math.ceil(n * (ratio / MORRIS_TARGET) ** 2), ratio


def _small_n(method: methods.Method, rows: list[dict], n: int) -> Flag | None:
    found = suggested_n(method.name, rows, n)
    if found is None:
        return None
    better, width = found
    points = better * method.points_per_n(len(rows))
    if method.additive:
        target = (
            f"the widest here, ±{width:.2g}, narrows to ±{TARGET_WIDTH:g} at "
            f"{method.size(f'{better:,}')}"
        )
    else:
        target = (
            f"the widest here, {width:.2g} times its μ*, narrows to half of μ* at "
            f"{method.size(f'{better:,}')}"
        )
    return Flag(
        SMALL_N,
        f"{method.size(n)} is too small for {len(rows)} factors: intervals "
        f"shrink as 1/√N, and {target} ({points:,} points); rerun with --n {better} "
        "before reading the ranking.",
    )


def codes_by_parameter(flags: list[Flag]) -> dict[str, str]:
    """Each flagged parameter's codes, space-separated (sensitivity.csv's ``warnings`` column)."""
    out: dict[str, list[str]] = {}
    for flag in flags:
        for name in flag.parameters:
            out.setdefault(name, []).append(flag.code)
    return {name: " ".join(codes) for name, codes in out.items()}


def warnings_csv(flags: list[Flag]) -> str:
    """sensitivity_warnings.csv: a row per flag (code, parameters space-separated, sentence)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(WARNINGS_COLUMNS)
    for flag in flags:
        writer.writerow([flag.code, " ".join(flag.parameters), flag.sentence])
    return out.getvalue()


def printed(flags: list[Flag]) -> str:
    """Return the warnings as the command line prints them ("" when there are none)."""
    if not flags:
        return ""
    return "\n".join(
        ["Warnings (where these indices are weak):", *(f"  - {flag.sentence}" for flag in flags)]
    )
