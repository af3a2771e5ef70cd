"""Issue 21, hardening round three: checks that size switched off, messages that were not short.

Checks that size switched off: above 20,000 grid combinations ``design.build``
skipped the per-point check (a licence share of 5, a date past the calendar
were simulated in a big grid), and grouping every parameter into one factor
got round sensitivity's two-factor rule (S1 above 1; a nan in sensitivity.csv
for Morris). Now a grid is checked at its corners, the same at every size, and
factors are counted after grouping.

Messages that were not short: a 1 MB id echoed whole, every period of a
600-month calendar listed, a 1e-300 tolerance that rounded to a zero-width
interval (numpy divide-by-zero warnings), overlapping --group patterns said to
"match none". Every message now passes one formatter
(sim.scenario.errors.one_line) that bounds echoed values and lists.
"""

from __future__ import annotations

import contextlib
import itertools
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hardening_support import BASELINE, baseline_raw, check_outcome, error_line, write_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.experiments import design as designs
from sim.experiments import sensitivity
from sim.experiments.calibration.targets import load_targets
from sim.experiments.parameters import ParamSpec, check_point
from sim.interfaces.cli import main
from sim.interfaces.cli.options import InputError, input_error
from sim.scenario import ScenarioError, load
from sim.scenario.dist import Dist
from sim.scenario.errors import ECHO, MESSAGE, choices, echo, one_line, short

ROOT = Path(__file__).resolve().parents[1]
PROPERTY = settings(max_examples=40, deadline=None, derandomize=True, database=None)
CLI_PROPERTY = settings(max_examples=12, deadline=None, derandomize=True, database=None)
LINE = MESSAGE + len("Error: ") + 20  # the longest Error line the formatter lets through
LICENCE = "events.l20_class_launch.value"  # a licence: a share in [0, 1]
CLOSES = "foundries.tsmc.closes"  # a date that must fall in the calendar (2023-01 to 2027-12)


@pytest.fixture(scope="module")
def scenario():
    return load(BASELINE)


def values(count: int, start: float, step: float) -> list[str]:
    return [f"{start + step * i:.6g}" for i in range(count)]


# The baseline's demand is a first-year budget (USD 12.4bn-15.9bn): grids vary it from USD
# 15bn in steps of USD 100k (six significant digits, as ``values`` writes them).
BUDGET, BUDGET_FROM, BUDGET_STEP = "demand.budget_usd", 15e9, 1e5


def grid(size: int, bad: tuple[str, list[str]]) -> list[tuple[str, list[str]]]:
    """Sets for a grid of ``size`` points: ``bad`` (two values) times demand.budget_usd values."""
    return [bad, (BUDGET, values(size // len(bad[1]), BUDGET_FROM, BUDGET_STEP))]


# --- 4. checks that size switched off -----------------------------------------------------

REFUSED = {  # a grid value the scenario's checks refuse, and the message saying why
    "licence share of 5": ((LICENCE, ["0.5", "5"]), "a licence value is a share in [0, 1]"),
    "date past the calendar": ((CLOSES, ["2024-10", "2099-01"]), "outside the calendar"),
}


@pytest.mark.parametrize("size", [10, 30_000])
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_refused_value_is_refused_in_a_grid_of_any_size(scenario, monkeypatch, case, size):
    bad, message = REFUSED[case]
    calls = []
    monkeypatch.setattr(designs, "check_point", lambda *args: calls.append(1) or check_point(*args))
    sets = designs.parse_sets(scenario, grid(size, bad))
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        designs.build(scenario, sets, "grid", 1, 1)
    assert len(calls) <= 4  # the fixed values, then the grid's corners: not one per point


def test_the_check_counts_no_points(scenario, monkeypatch):
    """The same checks for 10 points as for 30,000: the values, not the points, are checked."""
    counts = []
    for size in (10, 30_000):
        calls = []
        monkeypatch.setattr(
            designs, "check_point", lambda *args, calls=calls: calls.append(args[1])
        )
        sets = designs.parse_sets(scenario, grid(size, (LICENCE, ["0.25", "0.5"])))
        assert designs.build(scenario, sets, "grid", 1, 1).size == size
        counts.append(len(calls))
    assert counts[0] == counts[1] <= 3


def test_a_combination_refused_is_refused_at_any_size(scenario):
    """Two wafer shares each fine alone but more than all of SMIC's wafers together."""
    for size in (4, 30_000):
        sets = designs.parse_sets(
            scenario,
            [
                ("vendors.huawei.wafer_share.smic", ["0.5", "0.9"]),
                ("vendors.cambricon.wafer_share.smic", values(size // 2, 0.05, 0.25 / (size // 2))),
            ],
        )
        with pytest.raises(ScenarioError, match="of its AI wafers"):
            designs.build(scenario, sets, "grid", 1, 1)


def test_a_choice_is_checked_with_the_numbers_it_meets(scenario):
    """A cap may be 30,000 a month, a licence may not: kind x value is checked both ways."""
    kind, value = "events.h200_case_by_case.kind", "events.h200_case_by_case.value"
    refused = designs.parse_sets(scenario, [(kind, ["cap", "licence"]), (value, ["0.5", "30000"])])
    with pytest.raises(ScenarioError, match="licence value is a share"):
        designs.build(scenario, refused, "grid", 1, 1)
    fine = designs.parse_sets(scenario, [(kind, ["cap", "licence"]), (value, ["0.5", "0.7"])])
    assert designs.build(scenario, fine, "grid", 1, 1).size == 4


GRID_VALUES = {  # small lists a grid may hold, some refused alone or together
    LICENCE: ["0", "0.5", "1", "1.5"],
    "events.h200_case_by_case.kind": ["cap", "licence", "customs"],
    "events.h200_case_by_case.value": ["0.2", "0.9", "2", "30000"],
    "vendors.huawei.wafer_share.smic": ["0.3", "0.6", "0.85"],
    "vendors.cambricon.wafer_share.smic": ["0.05", "0.15", "0.4"],
    CLOSES: ["2023-06", "2024-10", "2027-12", "2028-01"],
}


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(data=st.data())
def test_corners_refuse_exactly_the_grids_holding_a_refused_point(scenario, data):
    """The corner check agrees with checking every point (the checks are monotone)."""
    paths = data.draw(
        st.lists(st.sampled_from(sorted(GRID_VALUES)), min_size=1, max_size=3, unique=True)
    )
    listed = [
        (
            p,
            data.draw(
                st.lists(st.sampled_from(GRID_VALUES[p]), min_size=2, max_size=3, unique=True)
            ),
        )
        for p in paths
    ]
    sets = designs.parse_sets(scenario, listed)
    every = []
    for combo in itertools.product(*[v for _, v in sets]):
        try:
            check_point(scenario, dict(zip(paths, combo, strict=True)))
        except ScenarioError as err:
            every.append(err)
    try:
        designs.check_grid(scenario, sets)
        refused = None
    except ScenarioError as err:
        refused = err
    assert (refused is not None) == bool(every), (listed, refused, every[:1])


def test_the_cli_refuses_a_30000_point_grid_before_any_batch(tmp_path, monkeypatch):
    import sim.experiments.batch as batch
    import sim.experiments.evaluators as evaluators

    def no_batch(*args, **kwargs):
        raise AssertionError("a batch ran")

    monkeypatch.setattr(evaluators, "run_batch", no_batch)
    monkeypatch.setattr(batch, "run_batch", no_batch)
    args = [
        "sweep",
        str(BASELINE),
        "--set",
        f"{LICENCE}=0.5,5",
        "--set",
        f"{BUDGET}=" + ",".join(values(15_000, BUDGET_FROM, BUDGET_STEP)),
        "--reps",
        "1",
        "--workers",
        "1",
        "--out",
        str(tmp_path / "never"),
    ]
    result = CliRunner().invoke(main, args)
    assert check_outcome(result) == "error"
    line = error_line(result)
    assert LICENCE in line and "share in [0, 1]" in line and len(line) < LINE
    assert not (tmp_path / "never").exists()


def factors(d: int) -> list[ParamSpec]:
    return [ParamSpec(f"x{i}", "number", Dist("uniform", (0.0, 1.0))) for i in range(d)]


@pytest.mark.parametrize("groups", [[("all", ("*",))], [("a", ("x0",)), ("a", ("x1", "x2"))]])
def test_grouping_into_one_factor_is_refused(groups):
    with pytest.raises(ValueError, match="at least two factors"):
        sensitivity.grouped(factors(3), groups)


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_a_design_of_one_factor_is_refused(method):
    one = sensitivity.Factors(tuple(factors(3)), ((0, 1, 2),), ("all",))
    with pytest.raises(ValueError, match="at least two factors"):
        sensitivity.design(method, one, 4, np.random.default_rng(0))


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_the_cli_refuses_one_group_of_everything(tmp_path, method):
    result = CliRunner().invoke(
        main,
        [
            "sensitivity",
            str(BASELINE),
            "--method",
            method,
            "--group",
            "all=*",
            "--n",
            "2",
            "--reps",
            "1",
            "--workers",
            "1",
            "--out",
            str(tmp_path / "never"),
        ],
    )
    assert check_outcome(result) == "error"
    line = error_line(result)
    assert "--group" in line and "into one factor ('all')" in line and "at least two" in line
    assert not (tmp_path / "never").exists()


def test_overlapping_groups_say_what_is_true():
    with pytest.raises(ValueError) as caught:
        sensitivity.grouped(factors(4), [("a", ("x1", "x2")), ("b", ("x2",)), ("c", ("x3",))])
    message = str(caught.value)
    assert "matches none" not in message
    assert "group 'b' is left empty" in message and "already in group 'a'" in message
    with pytest.raises(ValueError, match="matches none of the analysed parameters"):
        sensitivity.grouped(factors(4), [("a", ("x1",)), ("b", ("zz*",))])
    partly = sensitivity.grouped(factors(4), [("a", ("x1", "x2")), ("b", ("x2", "x3"))])
    assert partly.names == ["x0", "a", "b"]  # b keeps x3: x2 joined a, named first


def test_overlapping_groups_on_the_command_line(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "sensitivity",
            str(BASELINE),
            "--param",
            "memory.*",
            "--group",
            "a=memory.*",
            "--group",
            "b=memory.rush*",
            "--out",
            str(tmp_path / "never"),
        ],
    )
    assert check_outcome(result) == "error"
    line = error_line(result)
    assert "left empty" in line and "already in group 'a'" in line and "none" not in line


def test_a_group_named_like_a_parameter_is_refused():
    """Its factor would silently take the parameter of that name in too."""
    with pytest.raises(ValueError, match="has the name of an analysed parameter"):
        sensitivity.grouped(factors(4), [("x0", ("x1", "x2"))])


# --- 5. messages that were not short ------------------------------------------------------

unruly = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40).map(
    lambda s: s * 2000
)  # long, any unicode: control characters, surrogates, wide scripts
anything = st.one_of(
    unruly,
    st.text(max_size=200),
    st.text(st.sampled_from("\x00\n\r\t\x1b[31m\u202e\udcff é中 "), max_size=300),
)


@PROPERTY
@given(text=anything)
def test_one_line_is_one_bounded_printable_line(text):
    line = one_line(f"vendors.{text}: unknown product {text!r} (expected one of: a, b)")
    assert line.isprintable() and "\n" not in line
    assert len(line) <= MESSAGE + 20
    assert one_line(line) == line  # formatting a formatted message changes nothing


@PROPERTY
@given(value=anything)
def test_an_echo_is_bounded_and_says_the_size(value):
    shown = echo(value)
    assert shown.isprintable() and len(shown) <= ECHO + 30
    if len(repr(value)) > ECHO:
        assert f"({len(value.encode('utf-8', 'surrogatepass'))} bytes)" in shown
    else:
        assert shown == repr(value)
    assert len(echo(list(range(10**5)))) <= ECHO


def test_a_long_list_of_choices_shows_a_few_and_the_count():
    periods = [f"{y}-{m:02d}" for y in range(2023, 2073) for m in range(1, 13)]
    assert choices(periods, "periods") == (
        "one of 600 periods: 2023-01, 2023-02, 2023-03 ... 2072-12"
    )
    assert choices(["beta", "fixed", "uniform"]) == "one of: beta, fixed, uniform"
    line = one_line(f"unknown value 'x' (expected one of: {', '.join(periods)})")
    assert line == "unknown value 'x' (expected one of 600: 2023-01, 2023-02, 2023-03 ... 2072-12)"


def test_a_huge_value_is_cut_with_its_size():
    assert short("v" * 1_000_000).endswith(" (1000000 bytes)")
    assert len(short("v" * 1_000_000)) <= ECHO + 20
    assert short("中" * 100).endswith("(300 bytes)")


MEGABYTE = "v" * 1_000_000
IDS = {  # a 1 MB id where the scenario names something, and the key naming it
    "event product": (
        lambda raw: raw["events"]["h20_launch"].update(product=MEGABYTE),
        "events.h20_launch.product",
    ),
    "allocation rule": (lambda raw: raw["run"].update(allocation=MEGABYTE), "run.allocation"),
    "distribution": (
        lambda raw: raw["demand"]["budget_usd"].update(dist=MEGABYTE),
        "demand.budget_usd.dist",
    ),
    "month": (lambda raw: raw["calendar"].update(start=MEGABYTE), "calendar.start"),
}


@pytest.mark.parametrize("case", sorted(IDS))
def test_a_megabyte_id_is_not_echoed_whole(tmp_path, case):
    edit, key = IDS[case]
    raw = baseline_raw()
    edit(raw)
    path = write_scenario(tmp_path / "case.toml", raw)
    with pytest.raises(ScenarioError) as caught:
        load(path)
    line = str(caught.value)
    assert caught.value.path == key and line.isprintable() and len(line) < LINE
    assert "1000000 bytes" in line or "1000002 bytes" in line
    with contextlib.chdir(tmp_path):
        result = CliRunner().invoke(main, ["run", str(path), "--reps", "2", "--out", "never"])
    assert check_outcome(result) == "error"
    assert key in error_line(result) and len(error_line(result)) < LINE
    assert not (tmp_path / "never").exists()


def encodable(text: str) -> bool:
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace") == text


@CLI_PROPERTY
@given(text=anything.filter(encodable))
def test_scenario_ids_of_any_text_give_a_bounded_line(tmp_path_factory, text):
    raw = baseline_raw()
    raw["events"]["h20_launch"]["product"] = text
    raw["segments"]["private"]["quota"] = {"points": {"2025-01": 0.5}, "basis": text}
    path = write_scenario(tmp_path_factory.mktemp("ids") / "case.toml", raw)
    try:
        load(path)
    except ScenarioError as err:
        assert str(err).isprintable() and len(str(err)) < LINE


OPTIONS = {  # command-line inputs that are echoed when refused (each refused, whatever the text)
    "--set path": lambda text: ["sweep", str(BASELINE), "--set", f"{text}=1,2"],
    "--set value": lambda text: ["sweep", str(BASELINE), "--set", f"{BUDGET}=1,x{text}"],
    "--set malformed": lambda text: ["sweep", str(BASELINE), "--set", text],
    "--group": lambda text: ["sensitivity", str(BASELINE), "--group", text.replace("=", "")],
    "--group name": lambda text: ["sensitivity", str(BASELINE), "--group", f"{text}=zz*"],
    "--param": lambda text: ["sensitivity", str(BASELINE), "--param", f"zz{text}"],
}


@pytest.mark.slow
@pytest.mark.parametrize("option", sorted(OPTIONS))
@CLI_PROPERTY
@given(text=anything.filter(lambda t: "\x00" not in t and t.strip()))
def test_options_of_any_text_give_one_bounded_printable_line(tmp_path_factory, option, text):
    out = tmp_path_factory.mktemp("opt") / "never"
    result = CliRunner().invoke(main, [*OPTIONS[option](text), "--out", str(out)])
    assert check_outcome(result) == "error"
    line = error_line(result)
    assert line.startswith("Error: ") and line.isprintable() and len(line) < LINE, line[:300]
    assert not out.exists()


def test_input_errors_are_bounded():
    assert len(InputError("x" * 10**6).message) <= MESSAGE + 20
    assert InputError("a\nb").message == "a\\nb"
    err = OSError(28, "No space left on device", "/o/" + "n" * 5000)
    line = input_error(err).message
    assert "No space left on device" in line and "cannot write output" in line
    assert len(line) < LINE and "bytes)" in line


@pytest.mark.slow
def test_an_unknown_period_of_a_600_month_calendar_is_one_short_line(tmp_path):
    path = write_scenario(
        tmp_path / "long.toml",
        {
            "extends": str(BASELINE),
            "name": "long",
            "calendar": {"start": "2023-01", "end": "2072-12"},
        },
    )
    result = CliRunner().invoke(
        main,
        [
            "sensitivity",
            str(path),
            "--period",
            "nope",
            "--n",
            "2",
            "--reps",
            "1",
            "--workers",
            "1",
            "--out",
            str(tmp_path / "never"),
        ],
    )
    assert check_outcome(result) == "error"
    line = error_line(result)
    assert "--period" in line and "unknown value 'nope'" in line
    # 50 years, 200 quarters and 600 months, sorted
    assert "one of 850: 2023, 2023-01, 2023-02 ... 2072Q4" in line
    assert len(line) < 250, line
    assert not (tmp_path / "never").exists()


TARGET = """[targets.x]
metric = "domestic_units"
region = "national"
period = "2025"
{figure}
evidence = ["W6"]
"""


@pytest.mark.parametrize(
    "figure",
    [
        "value = 1e6\ntolerance = 1e-300",
        "value = 1e6\ntolerance = 1e-3",
        "low = 1e6\nhigh = 1.0000000000000002e6\ntolerance = 0",
        "value = 0.0\ntolerance = 1e-300",
    ],
)
def test_a_tolerance_lost_in_rounding_is_one_clear_error(tmp_path, figure):
    path = tmp_path / "targets.toml"
    path.write_text(TARGET.format(figure=figure))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ScenarioError) as caught:
            load_targets(path)
    message = str(caught.value)
    assert caught.value.path == "targets.x.tolerance" and "too small" in message
    assert "use a tolerance of at least" in message and len(message) < LINE
    assert ("lost in rounding" in message) == ("1e-300" in figure and "1e6" in figure)


def test_a_tolerance_of_a_millionth_is_accepted(tmp_path):
    path = tmp_path / "targets.toml"
    path.write_text(TARGET.format(figure="value = 1e6\ntolerance = 1"))
    (target,) = load_targets(path)
    assert target.scale == 1.0


def test_the_shipped_targets_still_load():
    assert load_targets(ROOT / "seeds" / "targets.toml", load(BASELINE))


def test_calibrate_with_a_1e_300_tolerance_prints_one_line_and_no_warning(tmp_path):
    path = tmp_path / "targets.toml"
    path.write_text(TARGET.format(figure="value = 1e6\ntolerance = 1e-300"))
    done = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-m",
            "sim",
            "calibrate",
            str(BASELINE),
            "--targets",
            str(path),
            "--n",
            "100",
            "--reps",
            "20",
            "--out",
            str(tmp_path / "fit.toml"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    assert "targets.x.tolerance" in lines[0] and "lost in rounding" in lines[0]
    assert "at least 1" in lines[0]
    assert "Warning" not in done.stderr and not (tmp_path / "fit.toml").exists()


def test_the_corpus_id_of_10000_characters_is_cut():
    with pytest.raises(ScenarioError) as caught:
        load(ROOT / "tests" / "corpus" / "event-product-10k-id.toml")
    line = str(caught.value)
    assert "(10000 bytes)" in line and len(line) < 400 and line.isprintable()
