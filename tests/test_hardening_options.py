"""Property tests of the CLI's float and path options: NaN, infinity, -0.0, over-long names.

Float options: every value a user may type is either refused with exit 2 and
one Error line, or accepted as a finite number within the option's range
(NaN passes every comparison, so a plain range check lets it through);
-0.0 is the same quota level as 0.0. Path options: NUL bytes, names too long
for the file system (in bytes: CJK characters take three), and paths below a
file are refused before any work, with nothing created.
"""

from __future__ import annotations

import contextlib
import math

import click
import pytest
from click.testing import CliRunner
from hardening_support import BASELINE, check_outcome, error_line
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.interfaces.cli import main
from sim.interfaces.cli.options import FiniteFloatRange, QuotaLevel

PROPERTY = settings(max_examples=60, deadline=None, derandomize=True, database=None)
SPECIAL = [
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-inf",
    "+inf",
    "Infinity",
    "-infinity",
    "1e309",
    "-1e309",
    "-0.0",
    "0.0",
    "-0",
    "1e-320",
    "0x1p-3",
    "1_0",
    " 0.5",
    "0.5 ",
    "",
]
texts = st.one_of(
    st.sampled_from(SPECIAL),
    st.floats().map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(str),
    st.text(max_size=6),
)
FLOAT_OPTIONS = {  # (command, option, lowest, highest, lowest open): every float option
    "calibrate --accept": ("calibrate", "--accept", 0.0, 1.0, True),
    "discover --min-density": ("discover", "--min-density", 0.0, 1.0, False),
}


def accepted(text: str, low: float, high: float, low_open: bool) -> float | None:
    """The number an option should accept for ``text``, or None when it must refuse it."""
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or value > high or value < low or (low_open and value == low):
        return None
    return value


@pytest.mark.parametrize("name", sorted(FLOAT_OPTIONS))
@PROPERTY
@given(text=texts)
def test_float_options_refuse_nan_and_infinity(name, text):
    command, option, low, high, low_open = FLOAT_OPTIONS[name]
    kind = FiniteFloatRange(low, high, min_open=low_open)
    expected = accepted(text, low, high, low_open)
    if expected is None:
        with pytest.raises(click.BadParameter):
            kind.convert(text, None, None)
        args = [command, str(BASELINE) if command == "calibrate" else "nowhere", option, text]
        result = CliRunner().invoke(main, args)  # refused while parsing: no work starts
        assert check_outcome(result) == "error" and option in error_line(result)
    else:
        assert kind.convert(text, None, None) == expected


@PROPERTY
@given(text=texts)
def test_quota_levels_are_finite_shares_and_negative_zero_is_zero(text):
    expected = accepted(text, 0.0, 1.0, False)
    if text == "announced":
        return
    if expected is None:
        with pytest.raises(click.BadParameter):
            QuotaLevel().convert(text, None, None)
    else:
        level = QuotaLevel().convert(text, None, None)
        assert float(level) == round(expected, 6) and not level.startswith("-")


def test_every_float_option_is_covered():
    """A float option added later must join FLOAT_OPTIONS (and so these properties)."""
    found = set()
    for name in (
        "run",
        "params",
        "calibrate",
        "sweep",
        "sensitivity",
        "discover",
        "report",
        "diff",
    ):
        command = main.get_command(None, name)
        for param in command.params:
            if isinstance(param.type, click.FloatRange | click.types.FloatParamType):
                found.add(f"{name} {param.opts[0]}")
                assert isinstance(param.type, FiniteFloatRange), f"{name} {param.opts[0]}"
    assert found == set(FLOAT_OPTIONS)


PATH_OPTIONS = {  # command line with {} for the path: every option naming an output
    "run --out": ["run", str(BASELINE), "--reps", "2", "--quota", "0.5", "--out", "{}"],
    "sweep --out": ["sweep", str(BASELINE), "--n", "2", "--reps", "1", "--out", "{}"],
    "sensitivity --out": ["sensitivity", str(BASELINE), "--n", "2", "--reps", "1", "--out", "{}"],
    "calibrate --out": ["calibrate", str(BASELINE), "--n", "100", "--reps", "20", "--out", "{}"],
    "calibrate --figure": [
        "calibrate",
        str(BASELINE),
        "--n",
        "100",
        "--reps",
        "20",
        "--out",
        "fit.toml",
        "--figure",
        "{}",
    ],
    "report -o": ["report", "{run}", "-o", "{}"],
}
bad_names = st.one_of(
    st.integers(230, 5000).map(lambda n: "n" * n),  # over long in bytes
    st.integers(80, 1000).map(lambda n: "中" * n),  # 3 bytes a character
    st.sampled_from(["afile/sub", "afile/sub/deeper", "/proc/chipsim/out", "a\x00b"]),
)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("opts") / "run"
    assert (
        CliRunner()
        .invoke(main, ["run", str(BASELINE), "--reps", "5", "--quota", "0.5", "--out", str(out)])
        .exit_code
        == 0
    )
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PATH_OPTIONS))
@settings(max_examples=12, deadline=None, derandomize=True, database=None)
@given(path=bad_names)
def test_path_options_refuse_bad_paths_before_any_work(name, path, tmp_path_factory, finished_run):
    work = tmp_path_factory.mktemp("paths")
    (work / "afile").write_text("a file\n")
    suffix = ".png" if name.endswith("--figure") else ".toml" if "calibrate" in name else ""
    args = [
        a.replace("{run}", str(finished_run)).replace("{}", path + suffix)
        for a in PATH_OPTIONS[name]
    ]
    with contextlib.chdir(work):
        result = CliRunner().invoke(main, args)
    assert check_outcome(result) == "error", (name, result.output)
    assert sorted(p.name for p in work.iterdir()) == ["afile"]
