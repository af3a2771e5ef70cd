"""Issue 21, class 3: no command writes over what it reads or into an output directory.

``calibrate --out`` equal to ``--targets`` (with --force) overwrote the
targets; ``report RUN -o RUN/manifest.json`` (or ``replications.npz``, another
run's ``summary.csv``) and ``diff A B --report -o A/summary.csv`` (or
``A/.chipsim-output``) overwrote run files, after which the run could neither
be read nor replaced. One guard (sim.results.claim.check_outputs, by
(device, inode), so symlinks and hard links count) now refuses, before any
work, every output that is an input or lies inside a chipsim output directory,
except the files a command is meant to add there (report.html/.pdf,
discover.csv, diff-vs-*.html, effects.csv by ``chipsim explain``).

Every refusal is checked the same way: exit status 2, one ``Error:`` line
naming the file and the option, and nothing under the test's directory
changed (no byte, no new file, no hidden leftover). Also here: the sweep's
start-up staging folder on a full disk, and calibrate's memory estimate.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hardening_support import BASELINE, check_outcome, error_line, staging_leftovers

from sim.interfaces.cli import main
from sim.model import budget
from sim.results.marker import MARKER

ROOT = Path(__file__).resolve().parents[1]
RUN = ["--reps", "12", "--quota", "announced", "--explain-reps", "0"]
CEILING = "vendors.huawei.products.ascend_910c.yield_curve.ceiling"
SWEEP = [
    "sweep",
    str(BASELINE),
    "--set",
    f"{CEILING}=0.45,0.65",
    "--sample",
    "lhs",
    "--n",
    "2",
    "--param",
    "memory.*",
    "--reps",
    "4",
    "--seed",
    "5",
    "--quota",
    "announced",
    "--batch",
    "1",
    "--workers",
    "1",
]


def invoke(args, cwd: Path | None = None):
    with contextlib.chdir(cwd) if cwd else contextlib.nullcontext():
        return CliRunner().invoke(main, [str(a) for a in args])


def snapshot(root: Path) -> dict:
    """Every entry below ``root``: kind and content (bytes, or a symlink's target)."""
    found = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            found[key] = ("link", os.readlink(path))
        elif path.is_file():
            info = path.stat()
            found[key] = ("file", path.read_bytes(), info.st_ino, info.st_nlink)
        else:
            found[key] = ("dir",)
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """Two finished runs, A and B (same scenario and seed)."""
    base = tmp_path_factory.mktemp("runs")
    for name, seed in (("A", 1), ("B", 1)):  # diff pairs runs of one seed
        result = invoke(["run", BASELINE, *RUN, "--seed", seed, "--out", base / name])
        assert check_outcome(result) == "ok", result.output
    return base


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sweeps") / "S"
    result = invoke([*SWEEP, "--out", out])
    assert check_outcome(result) == "ok", result.output
    return out


@pytest.fixture
def work(tmp_path, runs) -> Path:
    """A private copy of the runs A and B in ``tmp_path``, with scenario and seed files."""
    for name in ("A", "B"):
        shutil.copytree(runs / name, tmp_path / name)
    (tmp_path / "sc").mkdir()
    (tmp_path / "seeds").mkdir()
    for name in ("baseline.toml", "priors.toml"):
        shutil.copy(ROOT / "scenarios" / name, tmp_path / "sc" / name)
    for name in ("targets.toml", "evidence.toml"):
        shutil.copy(ROOT / "seeds" / name, tmp_path / "seeds" / name)
    return tmp_path


def refused(work: Path, args, option: str, named: str | None = None, cwd: Path | None = None):
    """Run ``args``: exit 2, one Error line naming the file and option, nothing changed."""
    before = snapshot(work)
    result = invoke(args, cwd)
    assert check_outcome(result) == "error", result.output
    line = error_line(result)
    assert option in line, line
    if named:
        assert named in line, line
    assert snapshot(work) == before
    for directory in [work, *(p for p in work.rglob("*") if p.is_dir())]:
        assert staging_leftovers(directory) == []
    return line


# -- the cases of the issue, by path ------------------------------------------------------


@pytest.mark.parametrize("name", ["manifest.json", "replications.npz", "summary.csv", MARKER])
def test_report_never_writes_over_a_file_of_the_run_it_reads(work, name):
    line = refused(
        work, ["report", work / "A", "-o", work / "A" / name], "--output", str(work / "A" / name)
    )
    assert "reads" in line or "inside" in line


@pytest.mark.parametrize("name", ["summary.csv", "manifest.json", "notes.html", MARKER])
def test_report_never_writes_into_another_output_directory(work, name):
    line = refused(work, ["report", work / "A", "-o", work / "B" / name], "--output")
    assert f"inside {work / 'B'}" in line and "report.html, report.pdf" in line


def test_report_in_both_formats_checks_both_files(work):
    """--format both -o A/manifest.json writes A/manifest.html and A/manifest.pdf."""
    refused(
        work,
        ["report", work / "A", "--format", "both", "-o", work / "A" / "manifest.json"],
        "--output (html)",
        str(work / "A" / "manifest.html"),
    )


@pytest.mark.parametrize(
    "target",
    [
        "A/summary.csv",
        "A/.chipsim-output",
        "B/manifest.json",
        "B/replications.npz",
        "A/sub/diff.html",
    ],
)
def test_diff_report_never_writes_over_run_files(work, target):
    refused(work, ["diff", work / "A", work / "B", "--report", "-o", work / target], "--output")


def test_calibrate_out_equal_to_targets_is_refused_even_with_force(work):
    targets = work / "seeds" / "targets.toml"
    line = refused(
        work,
        [
            "calibrate",
            work / "sc" / "baseline.toml",
            "--targets",
            targets,
            "--out",
            targets,
            "--force",
            "--n",
            "100",
            "--reps",
            "20",
        ],
        "--out",
        str(targets),
    )
    assert "this command reads" in line


def test_calibrate_never_writes_the_evidence_registry_it_reads(work):
    registry = work / "seeds" / "evidence.toml"
    refused(
        work,
        [
            "calibrate",
            work / "sc" / "baseline.toml",
            "--out",
            registry,
            "--force",
            "--n",
            "100",
            "--reps",
            "20",
        ],
        "--out",
        str(registry),
    )


@pytest.mark.parametrize("option", ["--out", "--figure"])
def test_calibrate_never_writes_inside_an_output_directory(work, option):
    name = "fit.toml" if option == "--out" else "fit.png"
    refused(
        work,
        [
            "calibrate",
            work / "sc" / "baseline.toml",
            option,
            work / "A" / name,
            "--n",
            "100",
            "--reps",
            "20",
        ],
        option,
        f"inside {work / 'A'}",
    )


@pytest.mark.parametrize(
    "command",
    [
        ["run", BASELINE, *RUN],
        ["sweep", BASELINE, "--n", "2", "--reps", "2"],
        ["sensitivity", BASELINE, "--n", "2", "--reps", "2"],
    ],
    ids=["run", "sweep", "sensitivity"],
)
def test_an_output_directory_inside_another_is_refused(work, command):
    refused(work, [*command, "--out", work / "A" / "sub"], "--out", f"inside {work / 'A'}")


def test_a_default_output_directory_inside_a_run_is_refused(work):
    """With the working directory inside a run, outputs/<name>/ would land in it."""
    refused(work, ["run", BASELINE, *RUN], "inside", str(work / "A"), cwd=work / "A")


def test_explain_refuses_an_effects_file_linked_to_a_run_file(work):
    os.link(work / "A" / "summary.csv", work / "A" / "effects.csv")
    refused(work, ["explain", work / "A", "--reps", "2"], "RUN_DIR/effects.csv", "hard link to")


@pytest.mark.slow
def test_discover_refuses_a_discover_file_linked_to_a_sweep_file(work, swept):
    sweep = work / "S"
    shutil.copytree(swept, sweep)
    (sweep / "discover.csv").symlink_to(sweep / "points.csv")
    refused(
        work,
        ["discover", sweep, "--target", "domestic_share_units@2027 >= 0.7"],
        "RUN_DIR/discover.csv",
        "symlink to",
    )


# -- by symlink and by hard link ------------------------------------------------------------


def test_report_through_a_symlink_to_a_run_file_is_refused(work):
    link = work / "out.html"
    link.symlink_to(work / "A" / "manifest.json")
    line = refused(work, ["report", work / "A", "-o", link], "--output")
    assert "symlink to" in line and str(work / "A" / "manifest.json") in line


def test_report_through_a_symlinked_directory_is_refused(work):
    (work / "L").symlink_to(work / "A")
    refused(work, ["report", work / "A", "-o", work / "L" / "summary.csv"], "--output")
    refused(
        work,
        ["report", work / "A", "-o", work / "L" / "new.html"],
        "--output",
        f"inside {work / 'A'}",
    )


def test_report_through_a_hard_link_to_a_run_file_is_refused(work):
    os.link(work / "A" / "replications.npz", work / "copy.npz")
    line = refused(work, ["report", work / "A", "-o", work / "copy.npz"], "--output")
    assert "hard link to" in line and "replications.npz" in line


def test_report_html_of_a_run_linked_to_its_summary_is_refused(work):
    """The default RUN/report.html is allowed only when it is not another run file."""
    os.link(work / "A" / "summary.csv", work / "A" / "report.html")
    refused(work, ["report", work / "A"], "RUN_DIR/report", "hard link to")


def test_diff_through_links_is_refused(work):
    (work / "via").symlink_to(work / "B" / "summary.csv")
    refused(
        work,
        ["diff", work / "A", work / "B", "--report", "-o", work / "via"],
        "--output",
        "symlink to",
    )
    os.link(work / "A" / "manifest.json", work / "hard.html")
    refused(
        work,
        ["diff", work / "A", work / "B", "--report", "-o", work / "hard.html"],
        "--output",
        "hard link to",
    )


@pytest.mark.parametrize("how", ["symlink", "hardlink"])
def test_calibrate_out_linked_to_targets_is_refused(work, how):
    targets, out = work / "seeds" / "targets.toml", work / "fit.toml"
    if how == "symlink":
        out.symlink_to(targets)
    else:
        os.link(targets, out)
    refused(
        work,
        [
            "calibrate",
            work / "sc" / "baseline.toml",
            "--targets",
            targets,
            "--out",
            out,
            "--force",
            "--n",
            "100",
            "--reps",
            "20",
        ],
        "--out",
        str(targets),
    )


def test_calibrate_out_linked_to_the_scenario_is_refused(work):
    out = work / "fit.toml"
    os.link(work / "sc" / "priors.toml", out)
    refused(
        work,
        [
            "calibrate",
            work / "sc" / "baseline.toml",
            "--out",
            out,
            "--force",
            "--n",
            "100",
            "--reps",
            "20",
        ],
        "--out",
        "must differ from the scenario",
    )


def test_run_out_through_a_symlink_into_a_run_is_refused(work):
    (work / "L").symlink_to(work / "A")
    refused(
        work, ["run", BASELINE, *RUN, "--out", work / "L" / "sub"], "--out", f"inside {work / 'A'}"
    )


# -- what stays allowed -------------------------------------------------------------------


@pytest.mark.slow
def test_report_adds_its_report_to_the_run(work):
    assert check_outcome(invoke(["report", work / "A"])) == "ok"
    assert (work / "A" / "report.html").is_file()
    (work / "A" / "report.pdf").write_bytes(b"%PDF-1.4 as chipsim report writes it")
    # The run can still be replaced: only files chipsim may add are there.
    result = invoke(["run", BASELINE, *RUN, "--out", work / "A", "--force"])
    assert check_outcome(result) == "ok"


@pytest.mark.parametrize(
    "fmt, output",
    [
        ("html", "A/report.html"),
        ("pdf", "A/report.pdf"),
        ("both", "A/report"),
        ("both", None),
        ("html", "old.html"),
        ("html", "new/dir/report.html"),
        ("pdf", "B/report.pdf"),
    ],
)
def test_report_files_the_guard_lets_through(work, fmt, output):
    """Refreshing a report, any file outside the runs, a report added to another run."""
    from sim.interfaces.cli.report import check_report_outputs

    (work / "A" / "report.html").write_text("an earlier report")
    (work / "old.html").write_text("old")
    before = snapshot(work)
    check_report_outputs(work / "A", fmt, None if output is None else work / output)
    assert snapshot(work) == before


@pytest.mark.slow
def test_diff_report_adds_its_page_to_run_b(work):
    result = invoke(["diff", work / "A", work / "B", "--drivers", "none", "--report"])
    assert check_outcome(result) == "ok", result.output
    assert (work / "B" / "diff-vs-A.html").is_file()
    result = invoke(
        [
            "diff",
            work / "B",
            work / "A",
            "--drivers",
            "none",
            "--report",
            "-o",
            work / "A" / "diff-vs-B.html",
        ]
    )
    assert check_outcome(result) == "ok", result.output


def test_explain_writes_effects_csv(work):
    result = invoke(["explain", work / "A", "--reps", "2"])
    assert check_outcome(result) == "ok", result.output
    assert (work / "A" / "effects.csv").is_file()
    result = invoke(["explain", work / "A", "--reps", "2"])  # refreshed in place
    assert check_outcome(result) == "ok", result.output


def test_calibrate_force_still_replaces_its_own_earlier_output(work, monkeypatch):
    """--force over a file that is no input is allowed (the check runs, then the fit)."""
    from sim.experiments.calibration import command

    out = work / "fit.toml"
    out.write_text("# an earlier calibration\n")
    calls = []
    monkeypatch.setattr(command, "calibrate", lambda *a, **k: calls.append(a) or 1 / 0)
    with pytest.raises(ZeroDivisionError):  # reached the work: the guard let it through
        command.execute(
            command.CalibrateOptions(
                str(work / "sc" / "baseline.toml"), out=str(out), force=True, progress=False
            )
        )
    assert calls


# -- sweep start-up on a full disk ----------------------------------------------------------


def full_disk_at_start(monkeypatch):
    import sim.experiments.store as store

    real = store.write_text

    def failing(path, text):
        if Path(path).name == "points.csv":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, text)

    monkeypatch.setattr(store, "write_text", failing)


def test_a_full_disk_at_sweep_start_leaves_no_hidden_folder(tmp_path, monkeypatch):
    full_disk_at_start(monkeypatch)
    out = tmp_path / "S"
    result = invoke([*SWEEP, "--out", out])
    assert check_outcome(result, out) == "error"
    assert "No space left on device" in error_line(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no .S.new-PID, no lock


def test_a_full_disk_at_sweep_start_keeps_the_sweep_force_replaces(tmp_path, swept, monkeypatch):
    out = tmp_path / "S"
    shutil.copytree(swept, out)
    before = snapshot(tmp_path)
    full_disk_at_start(monkeypatch)
    result = invoke([*SWEEP, "--out", out, "--force"])
    assert check_outcome(result, out, existed=True) == "error"
    assert snapshot(tmp_path) == before  # the old sweep whole, nothing beside it


# -- calibrate's memory ---------------------------------------------------------------------


def test_a_calibration_too_large_for_memory_is_refused_with_the_estimate(work, monkeypatch):
    monkeypatch.setattr(budget, "available_bytes", lambda: 2.0 * budget.GiB)
    line = refused(
        work,
        [
            "calibrate",
            work / "sc" / "baseline.toml",
            "--out",
            work / "fit.toml",
            "--n",
            "5000000",
            "--reps",
            "20",
        ],
        "--n",
    )
    assert "a calibration of 5,000,000 draws" in line and "more than the 2.0 GiB" in line
    line = refused(
        work,
        [
            "calibrate",
            work / "sc" / "baseline.toml",
            "--out",
            work / "fit.toml",
            "--n",
            "100",
            "--reps",
            "1000000",
        ],
        "--reps",
    )


def test_a_calibration_that_fits_passes_the_estimate(work, monkeypatch):
    from sim.experiments.calibration.command import check_calibration_fits
    from sim.experiments.calibration.fit import DEFAULT_PARAMS, Settings

    monkeypatch.setattr(budget, "available_bytes", lambda: 2.0 * budget.GiB)
    check_calibration_fits(
        str(work / "sc" / "baseline.toml"),
        str(work / "seeds" / "targets.toml"),
        DEFAULT_PARAMS,
        Settings(),
    )  # the defaults fit


def test_a_memory_error_past_the_estimate_is_one_error_line(work, monkeypatch):
    from sim.experiments.calibration import command

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(command, "calibrate", exhausted)
    refused(
        work,
        [
            "calibrate",
            work / "sc" / "baseline.toml",
            "--out",
            work / "fit.toml",
            "--n",
            "100",
            "--reps",
            "20",
        ],
        "not enough memory for this calibration",
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_calibrate_under_ulimit_v_is_refused_before_work(work):
    """Under an address-space limit the draws raised a MemoryError traceback (exit 1)."""

    def limit():  # in the child
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "calibrate",
            work / "sc" / "baseline.toml",
            "--out",
            work / "fit.toml",
            "--n",
            "5000000",
            "--reps",
            "20",
        ],
        cwd=ROOT,
        preexec_fn=limit,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("Error: --n: a calibration of")
    assert not (work / "fit.toml").exists()


# --- found by an attack on this round's work --------------------------------------------


@pytest.mark.slow
def test_report_and_diff_never_write_over_the_runs_scenario_or_what_it_extends(tmp_path):
    """A run's scenario file (and its parent) are the user's inputs, even read via the manifest."""
    parent = tmp_path / "parent.toml"
    parent.write_text(f'extends = "{BASELINE}"\nname = "parent"\n')
    child = tmp_path / "child.toml"
    child.write_text('extends = "parent.toml"\nname = "child"\n')
    runner = CliRunner()
    for name in ("a", "b"):
        done = runner.invoke(
            main,
            [
                "run",
                str(child),
                "--reps",
                "10",
                "--explain-reps",
                "0",
                "--out",
                str(tmp_path / name),
            ],
        )
        assert done.exit_code == 0, done.output
    before = {p: p.read_bytes() for p in (parent, child)}
    for target in (child, parent):
        refused = runner.invoke(main, ["report", str(tmp_path / "a"), "-o", str(target)])
        assert refused.exit_code == 2 and "destroy an input" in refused.output, refused.output
        refused = runner.invoke(
            main,
            [
                "diff",
                str(tmp_path / "a"),
                str(tmp_path / "b"),
                "--drivers",
                "none",
                "--report",
                "-o",
                str(target),
            ],
        )
        assert refused.exit_code == 2 and "destroy an input" in refused.output, refused.output
    assert {p: p.read_bytes() for p in (parent, child)} == before


def test_a_huge_value_in_a_usage_error_is_not_echoed_whole():
    done = CliRunner().invoke(main, ["run", "--quota", "9" * 5000, "--reps", "10"])
    assert done.exit_code == 2
    assert len(done.output) < 1200 and "9" * 200 not in done.output
