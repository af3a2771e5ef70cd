"""Issue 21, class 6: a run's parts are checked against its manifest before report or diff.

A summary.csv with whole rows cut out gave an IndexError traceback in
``chipsim report`` (and ``chipsim diff`` exited 0); a replications.npz from
another run (20 replications where the manifest says 50) went unnoticed.
Each case takes a fresh copy of a finished run (with effects.csv), damages
one part the way a cut, an edit or a copy from another run would, and runs
``report`` and ``diff``: both must exit 2 with one Error line naming the file
and what is wrong, never a traceback and never a half-written report. The
expected rows and arrays come from the manifest and sim.core.metrics' registry.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hardening_support import BASELINE, check_outcome, error_line

from sim.core.metrics import headline
from sim.experiments.explain.measure import ExplainOptions
from sim.interfaces.cli import main
from sim.interfaces.runner import RunOptions, execute
from sim.report.data import load
from sim.report.diff import compare
from sim.results.reading import DamagedFile
from sim.results.run_dir import npz_bytes

LEVELS = ["announced", "0.9"]
REPS = 20


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    """A run with effects.csv, and runs it could be mixed up with: fewer replications,
    other levels."""
    base = tmp_path_factory.mktemp("round3")
    explain = ExplainOptions(replications=4)
    return {
        "run": execute(
            BASELINE,
            RunOptions(
                replications=REPS, seed=7, levels=LEVELS, out_dir=base / "run", explain=explain
            ),
        ).out_dir,
        "fewer": execute(
            BASELINE,
            RunOptions(
                replications=12, seed=7, levels=LEVELS, out_dir=base / "fewer", explain=explain
            ),
        ).out_dir,
        "levels": execute(
            BASELINE,
            RunOptions(
                replications=REPS,
                seed=7,
                levels=["announced", "0.5"],
                out_dir=base / "levels",
                explain=explain,
            ),
        ).out_dir,
    }


def rewrite_csv(path: Path, keep) -> None:
    """Keep only the rows of ``path`` for which ``keep(row)`` holds (the header stays)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([rows[0]] + [r for r in rows[1:] if keep(r)])
    path.write_text(out.getvalue(), encoding="utf-8")


def set_cell(path: Path, column: str, value: str) -> None:
    """Set ``column`` of the first row of the CSV file ``path`` to ``value``."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def rewrite_npz(path: Path, change) -> None:
    """Replace the arrays of ``path`` by ``change(arrays)``."""
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    path.write_bytes(npz_bytes(change(arrays)))


def rewrite_manifest(path: Path, change) -> None:
    data = json.loads(path.read_text("utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def without(name):
    return lambda arrays: {k: v for k, v in arrays.items() if k != name}


def other_years(arrays):
    return {**arrays, "years": arrays["years"] + 1}


HEADLINE = headline()[0]
# name -> (file damaged, how, what the Error line says)
CASES = {
    "summary-headline-rows-cut": (
        "summary.csv",
        lambda p, s: rewrite_csv(p, lambda r: r[1] != HEADLINE),
        f"row of {HEADLINE} at quota level 'announced' is missing",
    ),
    "summary-level-cut": (
        "summary.csv",
        lambda p, s: rewrite_csv(p, lambda r: r[0] != "0.9"),
        "at quota level '0.9' is missing",
    ),
    "summary-last-year-cut": (
        "summary.csv",
        lambda p, s: rewrite_csv(p, lambda r: not r[4].startswith("2027")),
        "national 2027 row",
    ),
    "summary-one-row-cut": (
        "summary.csv",
        lambda p, s: rewrite_csv(
            p, lambda r: r[:5] != ["0.9", "imports_units", "units", "national", "2025"]
        ),
        "national 2025 row of imports_units at quota level '0.9' is missing",
    ),
    "summary-of-another-run": (
        "summary.csv",
        lambda p, s: shutil.copy(s["levels"] / "summary.csv", p),
        "holds quota level '0.5'",
    ),
    "replications-of-a-smaller-run": (
        "replications.npz",
        lambda p, s: shutil.copy(s["fewer"] / "replications.npz", p),
        f"records {REPS} replications",
    ),
    "replications-of-other-levels": (
        "replications.npz",
        lambda p, s: shutil.copy(s["levels"] / "replications.npz", p),
        "its quota levels (announced, 0.5) are not the run's",
    ),
    "replications-other-years": (
        "replications.npz",
        lambda p, s: rewrite_npz(p, other_years),
        "its years (2024, 2025, 2026, 2027, 2028) are not the run's calendar years (2023-2027",
    ),
    "replications-headline-array-missing": (
        "replications.npz",
        lambda p, s: rewrite_npz(p, without(f"national.{HEADLINE}")),
        f"array 'national.{HEADLINE}' is missing",
    ),
    "replications-one-level-cut": (
        "replications.npz",
        lambda p, s: rewrite_npz(
            p, lambda a: {k: (v[:1] if k.startswith("national.") else v) for k, v in a.items()}
        ),
        "(1, 20, 5)",
    ),
    "effects-of-another-run": (
        "effects.csv",
        lambda p, s: shutil.copy(s["levels"] / "effects.csv", p),
        "holds quota level '0.5'",
    ),
    "effects-level-cut": (
        "effects.csv",
        lambda p, s: rewrite_csv(p, lambda r: r[0] != "0.9"),
        "no rows at quota level '0.9'",
    ),
    "effects-year-outside-calendar": (
        "effects.csv",
        lambda p, s: p.write_text(
            p.read_text("utf-8").replace(",2027,", ",2031,"), encoding="utf-8"
        ),
        "holds period '2031', outside the run's calendar years",
    ),
    "effects-header-only": (
        "effects.csv",
        lambda p, s: rewrite_csv(p, lambda r: False),
        "header but no rows",
    ),
    "effects-not-a-number": (
        "effects.csv",
        lambda p, s: set_cell(p, "mean", "zero"),
        "line 2, column mean: expected a number, got 'zero'",
    ),
    "effects-column-missing": (
        "effects.csv",
        lambda p, s: p.write_text(
            p.read_text("utf-8").replace("elasticity", "elast", 1), encoding="utf-8"
        ),
        "columns missing from the header: elasticity",
    ),
    "effects-fifo": ("effects.csv", lambda p, s: (p.unlink(), os.mkfifo(p)), "not a regular file"),
    "summary-fifo": ("summary.csv", lambda p, s: (p.unlink(), os.mkfifo(p)), "not a regular file"),
    "replications-a-directory": (
        "replications.npz",
        lambda p, s: (p.unlink(), p.mkdir()),
        "not a regular file",
    ),
    "summary-dangling-symlink": (
        "summary.csv",
        lambda p, s: (p.unlink(), p.symlink_to("gone")),
        "missing, though manifest.json lists it",
    ),
    "summary-deleted": (
        "summary.csv",
        lambda p, s: p.unlink(),
        "missing, though manifest.json lists it",
    ),
    "replications-deleted": (
        "replications.npz",
        lambda p, s: p.unlink(),
        "missing, though manifest.json lists it",
    ),
    "effects-deleted": (
        "effects.csv",
        lambda p, s: p.unlink(),
        "missing, though manifest.json lists it",
    ),
    "manifest-replications-edited": (
        "manifest.json",
        lambda p, s: rewrite_manifest(p, lambda m: m.update(replications=50)),
        "records 50 replications",
    ),
    "manifest-levels-missing": (
        "manifest.json",
        lambda p, s: rewrite_manifest(p, lambda m: m.pop("quota_levels")),
        "field 'quota_levels' is missing",
    ),
    "manifest-levels-empty": (
        "manifest.json",
        lambda p, s: rewrite_manifest(p, lambda m: m.update(quota_levels=[])),
        "field 'quota_levels' is empty",
    ),
    "manifest-replications-zero": (
        "manifest.json",
        lambda p, s: rewrite_manifest(p, lambda m: m.update(replications=0)),
        "field 'replications' should be at least 1",
    ),
    "manifest-calendar-not-months": (
        "manifest.json",
        lambda p, s: rewrite_manifest(
            p, lambda m: m.update(calendar={"start": "2023", "end": "2027-12"})
        ),
        "field 'calendar': expected a month written YYYY-MM",
    ),
    "manifest-calendar-backwards": (
        "manifest.json",
        lambda p, s: rewrite_manifest(
            p, lambda m: m.update(calendar={"start": "2027-12", "end": "2023-01"})
        ),
        "field 'calendar' ends before it starts",
    ),
    "manifest-files-outside": (
        "manifest.json",
        lambda p, s: rewrite_manifest(p, lambda m: m["files"].insert(0, "../run/summary.csv")),
        "field 'files' should list the names of the directory's files",
    ),
    "manifest-files-not-text": (
        "manifest.json",
        lambda p, s: rewrite_manifest(p, lambda m: m["files"].insert(0, 3)),
        "field 'files' should list the names",
    ),
    "manifest-lists-a-missing-file": (
        "manifest.json",
        lambda p, s: rewrite_manifest(p, lambda m: m["files"].insert(0, "points.csv")),
        "points.csv: missing, though manifest.json lists it",
    ),
}
# Cases diff meets as different runs first (check_comparable's messages), so report only.
REPORT_ONLY = {"manifest-calendar-not-months", "manifest-calendar-backwards"}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_damaged_run_is_refused_by_report_and_diff(name, sources, tmp_path):
    file, damage, message = CASES[name]
    target = tmp_path / "run"
    shutil.copytree(sources["run"], target)
    damage(target / file, sources)
    commands = {
        "report": ["report", str(target), "-o", str(tmp_path / "report.html")],
        "diff": ["diff", str(sources["run"]), str(target)],
    }
    for command, args in commands.items():
        if command == "diff" and name in REPORT_ONLY:
            continue
        result = CliRunner().invoke(main, args)
        assert check_outcome(result) == "error", (command, result.output)
        line = error_line(result)
        assert line.count("Error:") == 1 and "Traceback" not in result.output
        assert message in line, (command, line)
        assert file in line, (command, line)
        assert not (tmp_path / "report.html").exists()


@pytest.mark.parametrize(
    "name",
    [
        "summary-headline-rows-cut",
        "replications-of-a-smaller-run",
        "effects-of-another-run",
        "summary-deleted",
    ],
)
def test_library_readers_raise_one_damaged_file(name, sources, tmp_path):
    file, damage, message = CASES[name]
    target = tmp_path / "run"
    shutil.copytree(sources["run"], target)
    damage(target / file, sources)
    for read in (
        lambda: load(target),
        lambda: compare(sources["run"], target),
        lambda: compare(target, sources["run"]),
    ):
        with pytest.raises(DamagedFile) as info:
            read()
        assert info.value.file == str(target / file) and message in str(info.value)


def test_whole_runs_still_load_and_compare(sources):
    """Guard: undamaged runs (also one without effects.csv) pass every check."""
    data = load(sources["run"])
    assert data.summary is not None and data.effects and data.replicates is not None
    assert compare(sources["run"], sources["fewer"], drivers="none").pairs == 12


def test_a_run_over_part_years_passes(tmp_path):
    """A calendar starting mid-year: the first and last years are partial, rows exist for both."""
    from hardening_support import baseline_raw, trimmed, write_scenario

    raw = trimmed(baseline_raw(), "2025-07", "2026-03")
    raw["calendar"] = {"start": "2025-07", "end": "2026-03"}
    scenario = write_scenario(tmp_path / "part.toml", raw)
    out = execute(
        scenario,
        RunOptions(
            replications=5,
            seed=3,
            levels=["announced"],
            out_dir=tmp_path / "part",
            explain=ExplainOptions(replications=3),
        ),
    ).out_dir
    data = load(out)
    assert [int(y) for y in data.replicates["years"]] == [2025, 2026]
    assert data.effects.periods() == ["2025", "2026"]


def test_a_run_without_effects_needs_none(sources, tmp_path):
    target = tmp_path / "run"
    shutil.copytree(sources["run"], target)
    (target / "effects.csv").unlink()
    rewrite_manifest(
        target / "manifest.json",
        lambda m: m.update(files=[f for f in m["files"] if f != "effects.csv"]),
    )
    assert load(target).effects is None


def test_an_oversized_manifest_is_not_expanded(sources, tmp_path):
    """A manifest claiming 10,000 years and 100,000 levels: refused by the first part that
    disagrees, without building the 8 x 10^9 expected rows."""
    target = tmp_path / "run"
    shutil.copytree(sources["run"], target)
    (target / "replications.npz").unlink()
    levels = LEVELS + [f"0.{i:06d}" for i in range(100_000)]
    rewrite_manifest(
        target / "manifest.json",
        lambda m: m.update(
            quota_levels=levels,
            calendar={"start": "0001-01", "end": "9999-12"},
            files=["summary.csv", "manifest.json"],
        ),
    )
    (target / "effects.csv").unlink()
    with pytest.raises(DamagedFile, match="summary.csv: the national 1 row"):
        load(target)
