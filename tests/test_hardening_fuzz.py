"""Fuzzing the scenario loader and the CLI with hypothesis.

Contract: a scenario file, however mangled, either loads or raises one
ScenarioError whose message is one printable line naming the file and the
key; the CLI either succeeds or exits 2 with one ``Error:`` line, and never
leaves a partial output directory. Failures found here are kept in
tests/corpus/ (see test_hardening_corpus.py).
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hardening_fuzz import benign_cases, cases, prepare_dir, write_case
from hardening_support import (
    baseline_raw,
    check_outcome,
    key_exists,
    scenario_with,
    staging_leftovers,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim.interfaces.cli import main
from sim.scenario import Scenario, ScenarioError, load
from sim.scenario.loader import merge

# CI is derandomized (stable); CHIPSIM_FUZZ_SCALE=10 runs ten times the examples with
# fresh randomness, for a deeper hunt on a developer's machine.
SCALE = int(os.environ.get("CHIPSIM_FUZZ_SCALE", "1"))
FUZZ = settings(
    deadline=None,
    derandomize=SCALE == 1,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FILE_LEVEL = (
    "TOML syntax error",
    "not a UTF-8",
    "not a text file",
    "nested too deeply",
    "unreadable TOML value",
    "file not found",
    "cannot read",
    "larger than",
)


def check_load(path: Path, raw: dict) -> Scenario | ScenarioError:
    """Load ``path``; assert any error is one line naming the file and a real key."""
    try:
        return load(path)
    except ScenarioError as err:
        text = str(err)
        assert text.isprintable(), repr(text)  # one line: control characters escaped
        assert err.file, text
        if err.path is None:
            assert any(s in err.message for s in FILE_LEVEL), text
        elif err.file == str(path):
            trees = [raw, merge(baseline_raw(), {k: v for k, v in raw.items() if k != "extends"})]
            assert any(key_exists(err.path, t) for t in trees), text
        return err


@pytest.mark.slow
def test_loader_fuzz(tmp_path):
    prepare_dir(tmp_path)

    @settings(FUZZ, max_examples=300 * SCALE)
    @given(cases)
    def fuzz(case):
        path, raw = write_case(tmp_path, case)
        check_load(path, raw)

    fuzz()


@pytest.mark.slow
def test_cli_run_fuzz(tmp_path):
    """Mutated scenarios through ``chipsim run``: success or exit 2, nothing partial."""
    prepare_dir(tmp_path)
    runner = CliRunner()

    @settings(FUZZ, max_examples=40 * SCALE)
    @given(st.one_of(cases, benign_cases), st.booleans())
    def fuzz(case, default_out):
        path, _ = write_case(tmp_path, case)
        out = tmp_path / "out"
        args = ["run", str(path), "--reps", "5", "--quota", "announced", "--quota", "1.0"]
        with contextlib.chdir(tmp_path):  # the default outputs/<name>/ lands in tmp_path
            result = runner.invoke(main, args + ([] if default_out else ["--out", str(out)]))
        event(check_outcome(result, out if not default_out else None))
        if default_out and result.exit_code == 0:
            written = [p for p in (tmp_path / "outputs").iterdir()]
            assert len(written) == 1 and written[0].parent == tmp_path / "outputs"
        for leftover in [out, tmp_path / "outputs"]:
            if leftover.exists():
                import shutil

                shutil.rmtree(leftover)

    fuzz()


cli_values = st.one_of(
    st.sampled_from(
        [
            "0",
            "1",
            "5",
            "-1",
            "1e3",
            "abc",
            "",
            " 5",
            "5 ",
            "0x10",
            "nan",
            "inf",
            "99999999999999999999",
            "10000001",
            "2",
            "١٢",
            "0.5",
            "1.0",
            "1.5",
            "announced",
            "ANNOUNCED",
            "-0",
            "1e-400",
            "0.50",
            "\x00",
            "--help",
        ]
    ),
    st.text(max_size=6),
)
OPTIONS = {"run": ["--reps", "--seed", "--quota", "--out", "--force"], "params": ["--sources"]}


def cli_options(command: str):
    """Up to four options of ``command`` (or bogus ones) with odd values."""
    names = st.sampled_from(OPTIONS[command] + ["--bogus", "-h", "--reps"])
    return st.lists(st.tuples(names, cli_values), max_size=4)


@pytest.mark.slow
def test_cli_arguments_fuzz(tmp_path):
    """Random argument lists for ``run`` and ``params``: exit 0 or 2, one Error line."""
    runner = CliRunner()
    small = scenario_with(tmp_path, {"calendar": {"start": "2023-01", "end": "2027-12"}})

    @settings(FUZZ, max_examples=60 * SCALE)
    @given(
        st.data(),
        st.sampled_from(["run", "params"]),
        st.sampled_from([str(small), str(small), "missing.toml", str(tmp_path), ""]),
    )
    def fuzz(data, command, scenario):
        options = data.draw(cli_options(command))
        args = [command, scenario] if scenario else [command]
        has_reps = any(o == "--reps" for o, _ in options)
        for option, value in options:
            args += [option] if option in ("--force", "--sources", "-h") else [option, value]
        if command == "run" and not has_reps:
            args += ["--reps", "3"]  # keep the default scenario's run small
        out = tmp_path / "run-out"
        if command == "run" and "--out" not in args:
            args += ["--out", str(out)]
        with contextlib.chdir(tmp_path):
            result = runner.invoke(main, args)
        event(f"{command}: {check_outcome(result, out if str(out) in args else None)}")
        assert not staging_leftovers(tmp_path), staging_leftovers(tmp_path)
        if out.exists():
            import shutil

            shutil.rmtree(out)

    fuzz()


def test_fuzz_cases_round_trip_through_toml(tmp_path):
    """The strategy writes real TOML: an unmutated case reads back as the baseline."""
    prepare_dir(tmp_path)
    path, raw = write_case(tmp_path, {"mutations": [], "prefix": "", "extends": None})
    assert tomllib.loads(path.read_text("utf-8")) == raw == baseline_raw()
    assert isinstance(load(path), Scenario)
