"""Issue 21, class 9: sim.run keeps the CLI's contract for bad input.

Of 34 bad calls, 10 were accepted (``reps=0`` ran 10,000 replications,
``seed=1.5`` was saved and then refused by ``chipsim diff``, ``quota="nan"``
was simulated), 8 failed with a ValueError or TypeError from deep inside
numpy or the model and 5 with pathlib errors. Now every call either runs or
raises :class:`sim.ScenarioError` (one line naming the argument and what was
expected) before anything is simulated; levels are normalised by the same
function as ``chipsim run --quota``.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import numbers
import os
import pydoc
import subprocess
import sys
from pathlib import Path

import click
import numpy as np
import pytest
from chipsim_testing import BASELINE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
import sim.interfaces.runner as runner
from sim.interfaces.cli.options import QuotaLevel
from sim.interfaces.runner import RunOptions
from sim.scenario import load as real_load

MAX_REPS = 10_000_000
MAX_SEED = 2**63 - 1
DEFAULTS = real_load(BASELINE).run


class Simulated(Exception):
    """Raised by the stand-in simulator: the call got as far as simulating."""

    def __init__(self, reps, seed, levels):
        super().__init__("simulated")
        self.reps, self.seed, self.levels = reps, seed, levels


@functools.cache
def cached_load(path: str):
    return real_load(path)


@pytest.fixture
def no_simulation(monkeypatch):
    """Stand-ins: loading is recorded (and cached), simulating raises Simulated."""
    loads = []

    def load(path, *args):
        loads.append(path)
        return cached_load(str(path))

    def simulate(scenario, reps, seed, levels, options=None):
        raise Simulated(reps, seed, levels)

    def measure(*args, **kwargs):
        raise AssertionError("effects measured before the run was simulated")

    monkeypatch.setattr(runner, "load", load)
    monkeypatch.setattr(runner, "simulate", simulate)
    monkeypatch.setattr(runner, "measure", measure)
    return loads


def call(**kwargs):
    """Run sim.run(**kwargs) (small by default); return the Simulated stand-in or the error."""
    arguments = {"scenario": BASELINE, "reps": 3, "seed": 1, "explain_reps": 0, **kwargs}
    try:
        sim.run(**arguments)
    except Simulated as done:
        return done
    except sim.ScenarioError as err:
        return err
    raise AssertionError("sim.run returned without simulating")


def check_message(err: Exception, key: str, expected: str) -> None:
    text = str(err)
    assert isinstance(err, sim.ScenarioError) and type(err).__module__.startswith("sim.")
    assert "\n" not in text and text.isprintable() and len(text) < 500, text
    assert key in text and expected in text, text


# The bad calls of the issue (and a few more): argument, value, what the message says.
BAD_CALLS = [
    ("scenario", None, "expected the path of a scenario file"),
    ("scenario", 123, "expected the path of a scenario file"),
    ("scenario", b"scenarios/baseline.toml", "expected the path of a scenario file"),
    ("scenario", "", "expected the path of a scenario file"),
    ("scenario", "a\x00b", "a NUL byte"),
    ("scenario", "no-such-scenario.toml", "file not found"),
    ("scenario", Path("no-such-scenario.toml"), "file not found"),
    ("scenario", "x" * 5000, "file name too long"),
    ("scenario", str(BASELINE.parent), "not a regular file"),
    ("scenario", "/dev/null", "not a regular file"),
    ("reps", 0, "expected an integer from 1 to 10,000,000, got 0"),
    ("reps", -1, "got -1"),
    ("reps", 1.5, "got float 1.5"),
    ("reps", 5.0, "got float 5.0"),
    ("reps", True, "got bool True"),
    ("reps", "5", "got str '5'"),
    ("reps", MAX_REPS + 1, "got 10000001"),
    ("reps", 2**200, "an integer of 201 bits"),
    ("seed", 1.5, "expected an integer from 0 to 9,223,372,036,854,775,807, got float 1.5"),
    ("seed", 2**70, "got 1180591620717411303424"),
    ("seed", 2**63, "got 9223372036854775808"),
    ("seed", -1, "got -1"),
    ("seed", True, "got bool True"),
    ("seed", "1", "got str '1'"),
    ("quota", "1.5", "expected \"announced\" or a share in [0, 1], got '1.5'"),
    ("quota", "-0.2", "got '-0.2'"),
    ("quota", "nan", "got 'nan'"),
    ("quota", "inf", "got 'inf'"),
    ("quota", "Announced", "got 'Announced'"),
    ("quota", 1.5, "got 1.5"),
    ("quota", math.nan, "got nan"),
    ("quota", -math.inf, "got -inf"),
    ("quota", True, "got bool True"),
    ("quota", [], "a non-empty list of them, got []"),
    ("quota", ["announced", "x"], "quota[1]: expected"),
    ("quota", [None], 'quota[0]: expected "announced" or a share in [0, 1], got None'),
    ("quota", [["0.5"]], "quota[0]"),
    ("quota", {"a": 1}, "or a list of them, got dict"),
    ("quota", object(), "or a list of them, got object"),
    ("quota", [2**5000], "an integer of 5,001 bits"),
    ("explain_reps", -1, "expected an integer from 0 to 10,000,000, got -1"),
    ("explain_reps", 1.5, "got float 1.5"),
    ("explain_reps", True, "got bool True"),
    ("explain_reps", "3", "got str '3'"),
    ("explain_reps", MAX_REPS + 1, "got 10000001"),
]


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    BAD_CALLS,
    ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(BAD_CALLS)],
)
def test_bad_call_is_refused_before_any_work(key, value, expected, no_simulation):
    err = call(**{key: value})
    assert not isinstance(err, Simulated), f"{key}={value!r} was simulated"
    about_the_file = any(w in expected for w in ("not found", "too long", "regular"))
    check_message(err, "" if about_the_file else f"{key}", expected)
    assert no_simulation == []  # refused before the scenario was even read


def test_a_scenario_that_is_not_valid_is_refused_before_simulating(tmp_path, no_simulation):
    bad = tmp_path / "bad.toml"
    bad.write_text(f"extends = {str(BASELINE)!r}\n[calendar]\nstart = 2023\n", "utf-8")
    err = call(scenario=bad)
    check_message(err, "bad.toml: calendar.start", "")


def test_good_calls_are_normalised_as_the_cli_does(no_simulation):
    done = call(
        reps=np.int64(4),
        seed=np.uint64(2**63 - 1),
        quota=("0.70", 0.7, "announced", 1, np.float32(0.25), -0.0, "0"),
    )
    assert isinstance(done, Simulated)
    assert (done.reps, done.seed) == (4, 2**63 - 1)
    assert type(done.reps) is int and type(done.seed) is int
    assert done.levels == ["0.7", "announced", "1.0", "0.25", "0.0"]
    defaults = call(reps=None, seed=None, quota=None, explain_reps=None)
    assert (defaults.reps, defaults.seed) == (DEFAULTS.replications, DEFAULTS.seed)
    assert defaults.levels == list(DEFAULTS.quota_levels)
    assert call(quota=0.5).levels == ["0.5"] and call(quota="1e-7").levels == ["0.0"]
    largest = call(scenario=str(BASELINE), reps=MAX_REPS, explain_reps=MAX_REPS)
    assert isinstance(largest, Simulated) or "memory" in str(largest)


def test_numpy_arguments_run_and_save_a_manifest_diff_accepts(tmp_path):
    """A real (small) run: numpy integers became ints, so the manifest is valid JSON
    that chipsim's own readers accept."""
    from sim.report.data import load

    result = sim.run(
        BASELINE,
        reps=np.int64(3),
        seed=np.int64(5),
        quota=np.float64(0.5),
        explain_reps=np.int32(0),
    )
    out = result.save(tmp_path / "run")
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert (manifest["seed"], manifest["replications"], manifest["quota_levels"]) == (5, 3, ["0.5"])
    assert load(out).manifest["seed"] == 5


def test_execute_keeps_the_same_contract(no_simulation):
    """The runner the API and the CLI share refuses the same values (reps=0 was 10,000)."""
    with pytest.raises(sim.ScenarioError, match="replications: expected an integer from 1"):
        runner.execute(BASELINE, RunOptions(replications=0, write=False))
    with pytest.raises(sim.ScenarioError, match=r"levels\[0\]: expected \"announced\""):
        runner.execute(BASELINE, RunOptions(replications=3, seed=1, levels=["nan"], write=False))
    assert no_simulation == []


def test_help_shows_the_real_signature_and_the_error_type():
    parameters = list(inspect.signature(sim.run).parameters)
    assert parameters == ["scenario", "reps", "seed", "quota", "explain_reps"]
    text = pydoc.render_doc(sim.run)
    assert "explain_reps" in text and "ScenarioError" in text and "*args" not in text
    assert issubclass(sim.ScenarioError, ValueError) and "ScenarioError" in dir(sim)
    from sim.results.reading import DamagedFile

    assert issubclass(DamagedFile, sim.ScenarioError)


def test_import_sim_stays_light():
    code = (
        "import sys, sim; "
        "assert 'numpy' not in sys.modules and 'sim.interfaces.api' not in sys.modules"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    assert subprocess.run([sys.executable, "-c", code], env=env).returncode == 0


# Property: over arbitrary argument values, every call runs or raises ScenarioError with a
# one-line message, never anything else, and is simulated exactly when the oracle says the
# arguments are good.

LEVEL_TEXT = [
    "announced",
    "1.5",
    "-0.2",
    "nan",
    "inf",
    "-inf",
    " 0.5",
    "0.70",
    "1e-7",
    "-0.0",
    "ANNOUNCED",
    "",
    "0x1",
    "1_0",
    "½",
    "٠",
]
level_values = st.one_of(
    st.sampled_from(LEVEL_TEXT),
    st.text(max_size=6),
    st.floats(),
    st.integers(-2, 2),
    st.floats(0, 1).map(str),
    st.booleans(),
    st.none(),
    st.just(2**5000),
    st.just(b"0.5"),
    st.just(np.float64(0.3)),
    st.just(np.int64(1)),
)
counts = st.one_of(
    st.none(),
    st.integers(-3, 30),
    st.integers(MAX_REPS - 1, MAX_REPS + 1),
    st.integers(2**63 - 2, 2**63 + 1),
    st.integers(min_value=2**64),
    st.booleans(),
    st.floats(),
    st.text(max_size=3),
    st.just(np.int64(7)),
    st.just(np.float64(3.0)),
    st.just([3]),
)
scenarios = st.sampled_from(
    [
        BASELINE,
        str(BASELINE),
        "no-such.toml",
        "",
        "a\x00b",
        None,
        7,
        bytes(BASELINE),
        str(BASELINE.parent),
        "/dev/null",
    ]
)
quotas = st.one_of(
    level_values,
    st.lists(level_values, max_size=4),
    st.lists(level_values, max_size=3).map(tuple),
    st.just({"0.5": 1}),
)


def good_count(value, low: int, high: int) -> bool:
    return value is None or (
        isinstance(value, numbers.Integral)
        and not isinstance(value, bool)
        and low <= int(value) <= high
    )


def good_level(value) -> bool:
    if value == "announced" and isinstance(value, str):
        return True
    if isinstance(value, bool) or not isinstance(value, str | numbers.Real):
        return False
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return False
    return 0.0 <= number <= 1.0


def good_quota(value) -> bool:
    if value is None:
        return True
    if isinstance(value, list | tuple):
        return bool(value) and all(good_level(v) for v in value)
    return good_level(value)


def good_scenario(value) -> bool:
    return value in (BASELINE, str(BASELINE))


@pytest.mark.slow
@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios, reps=counts, seed=counts, quota=quotas, explain_reps=counts)
def test_every_call_runs_or_raises_one_scenario_error(
    no_simulation, scenario, reps, seed, quota, explain_reps
):
    no_simulation.clear()
    good = (
        good_scenario(scenario)
        and good_count(reps, 1, MAX_REPS)
        and good_count(seed, 0, MAX_SEED)
        and good_quota(quota)
        and good_count(explain_reps, 0, MAX_REPS)
    )
    try:
        sim.run(scenario, reps=reps, seed=seed, quota=quota, explain_reps=explain_reps)
    except Simulated as done:
        assert good
        assert isinstance(done.reps, int) and 1 <= done.reps <= MAX_REPS
        assert isinstance(done.seed, int) and 0 <= done.seed <= MAX_SEED
        assert done.levels and len(set(done.levels)) == len(done.levels)
        assert all(x == "announced" or 0 <= float(x) <= 1 for x in done.levels)
        return
    except sim.ScenarioError as err:
        text = str(err)
        assert "\n" not in text and text.isprintable() and len(text) < 500, text
        # a good call is refused only for its memory (run or explanation too large)
        assert not good or "memory" in text, text
        if not good:  # refused before the scenario was read
            assert no_simulation == []
        return
    raise AssertionError("sim.run returned without simulating")


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    value=st.one_of(
        st.sampled_from(LEVEL_TEXT),
        st.text(max_size=8),
        st.floats().map(str),
        st.floats(0, 1).map(str),
    )
)
def test_cli_and_api_accept_the_same_levels_and_write_them_alike(value):
    try:
        cli = QuotaLevel().convert(value, None, None)
    except click.BadParameter:
        cli = None
    try:
        api = runner.quota_levels(value)
    except sim.ScenarioError:
        api = None
    assert (cli is None) == (api is None) == (not good_level(value)), value
    if cli is not None:
        assert api == [cli]


# Issue 20: the API refuses what the CLI refuses, in the CLI's words; float, list and
# duplicate levels are normalised as --quota is; a result shows itself in a few lines.


def cli_error(option: str, value: str) -> str:
    """The words after "Invalid value for '<option>': " that chipsim run prints."""
    from click.testing import CliRunner

    from sim.interfaces.cli import main

    result = CliRunner().invoke(main, ["run", str(BASELINE), option, value, "--out", "unused"])
    assert result.exit_code == 2, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("Error:"))
    prefix = f"Error: Invalid value for '{option}': "
    assert line.startswith(prefix), line
    return line[len(prefix) :]


# (CLI option, text on the command line, sim.run keyword, the same value in Python)
SAME_VALUE = [
    ("--quota", "70%", "quota", "70%"),
    ("--quota", "1.5", "quota", "1.5"),
    ("--quota", "-0.2", "quota", "-0.2"),
    ("--quota", "nan", "quota", "nan"),
    ("--reps", "0", "reps", 0),
    ("--reps", "-5", "reps", -5),
    ("--seed", "-1", "seed", -1),
    ("--seed", str(2**63), "seed", 2**63),
    ("--explain-reps", "-1", "explain_reps", -1),
]
# values Python can give and a command line cannot (a bool, a float): the same expectation
TYPED_VALUE = [
    ("--reps", "2.0", "reps", 2.0),
    ("--reps", "True", "reps", True),
    ("--seed", "x", "seed", "x"),
    ("--seed", "1.5", "seed", 1.5),
    ("--quota", "True", "quota", True),
]


@pytest.mark.parametrize(
    ("option", "text", "key", "value"), SAME_VALUE, ids=[f"{k}={t}" for _, t, k, _ in SAME_VALUE]
)
def test_api_refuses_with_the_cli_message(option, text, key, value, no_simulation):
    err = call(**{key: value})
    assert isinstance(err, sim.ScenarioError), f"{key}={value!r} was simulated"
    assert str(err) == f"{key}: {cli_error(option, text)}"


@pytest.mark.parametrize(
    ("option", "text", "key", "value"), TYPED_VALUE, ids=[f"{k}={t}" for _, t, k, _ in TYPED_VALUE]
)
def test_api_refuses_a_wrong_type_with_the_cli_expectation(option, text, key, value, no_simulation):
    err = call(**{key: value})
    assert isinstance(err, sim.ScenarioError), f"{key}={value!r} was simulated"
    expected = cli_error(option, text).split(", got ")[0]
    assert str(err).startswith(f"{key}: {expected}"), str(err)
    assert f"got {type(value).__name__} {value!r}" in str(err)  # the type the CLI cannot give


@pytest.mark.parametrize(
    ("quota", "levels"),
    [
        (0.7, ["0.7"]),
        ("0.70", ["0.7"]),
        ([0.7, "0.70", "0.7"], ["0.7"]),
        (["announced", 0.5, "announced", "0.50"], ["announced", "0.5"]),
        ((1, "1.0", 1.0), ["1.0"]),
        ([0, "0.0", -0.0], ["0.0"]),
    ],
)
def test_float_list_and_duplicate_levels_are_normalised_once(quota, levels, no_simulation):
    done = call(quota=quota)
    assert isinstance(done, Simulated) and done.levels == levels
    # the CLI writes each of these levels alike
    assert [QuotaLevel().convert(str(x), None, None) for x in levels] == levels


@pytest.fixture(scope="module")
def small_result():
    return sim.run(reps=12, seed=3, quota=[0.7, "announced", "0.70"], explain_reps=0)


def test_repr_is_short_and_names_the_run(small_result):
    text = repr(small_result)
    assert len(text.encode()) < 2048 and len(text.splitlines()) <= 6, text
    assert "baseline" in text and "12 replications" in text and "seed 3" in text
    years = {r.period for r in small_result.result.rows if r.period.isdigit()}
    for level in ("0.7", "announced"):  # one line per level, with its last-year share
        line = next(x for x in text.splitlines() if f"at {level}:" in x)
        assert max(years) in line and "%" in line
    assert str(small_result) == text


def test_repr_html_is_a_small_valid_table(small_result):
    from html.parser import HTMLParser

    class Checker(HTMLParser):
        def __init__(self):
            super().__init__()
            self.open, self.cells, self.tables = [], [], 0

        def handle_starttag(self, tag, attrs):
            if tag not in ("br", "hr", "img", "meta", "col"):  # void elements never close
                self.open.append(tag)
            self.tables += tag == "table"

        def handle_endtag(self, tag):
            assert self.open and self.open.pop() == tag, (tag, self.open)

        def handle_data(self, data):
            if self.open and self.open[-1] == "td":
                self.cells.append(data)

    markup = small_result._repr_html_()
    assert len(markup.encode()) < 2048
    checker = Checker()
    checker.feed(markup)
    checker.close()
    assert checker.open == [] and checker.tables == 1
    assert {"0.7", "announced"} <= set(checker.cells)
    assert sum(c.endswith("%") for c in checker.cells) == 2 * 3  # median, 5th, 95th per level
    assert small_result.summary.shape[0] == len(small_result.result.rows)


def test_result_dictionary_is_the_saved_dictionary(small_result, tmp_path):
    import pandas as pd

    table = small_result.dictionary
    assert list(table["metric"]) == list(dict.fromkeys(small_result.summary["metric"]))
    units = dict(zip(table["metric"], table["unit"], strict=True))
    assert (small_result.summary["metric"].map(units) == small_result.summary["unit"]).all()
    out = small_result.save(tmp_path / "run")
    assert pd.read_csv(out / "dictionary.csv", dtype=str).equals(table)
