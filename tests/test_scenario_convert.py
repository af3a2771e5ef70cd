"""sim.scenario.convert: raw TOML trees to typed scenario parts, refusing with the key path."""

from __future__ import annotations

import dataclasses
import datetime

import pytest

from sim.core.calendar import parse_month
from sim.scenario import convert as cv
from sim.scenario.dist import Dist
from sim.scenario.errors import ScenarioError


@dataclasses.dataclass(frozen=True)
class Part:
    share: Dist = dataclasses.field(metadata={"unit": "share", "min": 0.0, "max": 1.0})
    by_year: dict[str, float] = dataclasses.field(default_factory=dict, metadata={"keys": "year"})
    name: str = dataclasses.field(default="a", metadata={"choices": ("a", "b")})
    count: int = 1
    on: bool = False
    when: Dist | None = dataclasses.field(default=None, metadata={"date": True})


def _refused(raw, path):
    with pytest.raises(ScenarioError) as caught:
        cv.to_dataclass(Part, raw, "part")
    assert caught.value.path == path
    return caught.value.message


def test_a_full_table_converts():
    part = cv.to_dataclass(
        Part,
        {
            "share": {"dist": "uniform", "low": 0.1, "high": 0.2, "evidence": ["e"]},
            "by_year": {"2026": 3},
            "name": "b",
            "count": 2,
            "on": True,
            "when": "2026-03",
        },
        "part",
    )
    assert part.share == Dist("uniform", (0.1, 0.2), ("e",))
    assert part.by_year == {"2026": 3.0} and part.count == 2 and part.on is True
    assert part.when == Dist("fixed", (float(parse_month("2026-03")),), (), True)


@pytest.mark.parametrize(
    ("raw", "path", "says"),
    [
        ({}, "part.share", "missing required key (share)"),
        ({"share": 0.5, "shares": 1}, "part.shares", "did you mean 'share'"),
        ({"share": 1.5}, "part.share", "outside the allowed range [0.0, 1.0]"),
        ({"share": True}, "part.share", "expected a number, got a boolean"),
        ({"share": float("nan")}, "part.share", "finite"),
        ({"share": {"dist": "normal"}}, "part.share.dist", "unknown distribution 'normal'"),
        ({"share": {"dist": "uniform", "low": 0.1}}, "part.share.high", "needs 'high'"),
        ({"share": {"dist": "uniform", "low": 0.3, "high": 0.2}}, "part.share", "exceeds high"),
        (
            {"share": {"dist": "triangular", "low": 0.1, "mode": 0.5, "high": 0.2}},
            "part.share.mode",
            "between low and high",
        ),
        (
            {"share": {"dist": "lognormal", "median": 0.1, "sigma": 0.1}},
            "part.share",
            "unbounded above",
        ),
        ({"share": 0.5, "by_year": {"26": 1}}, "part.by_year.26", "year key"),
        ({"share": 0.5, "name": "c"}, "part.name", "unknown value 'c'"),
        ({"share": 0.5, "count": 1.0}, "part.count", "expected an integer, got a number"),
        ({"share": 0.5, "when": " 2026-03"}, "part.when", "without spaces"),
        ({"share": 0.5, "when": datetime.date(2026, 3, 1)}, "part.when", "TOML date/time"),
        (
            {"share": 0.5, "when": {"dist": "lognormal", "median": "2026-01", "sigma": 0.5}},
            "part.when",
            "fixed, uniform or triangular",
        ),
    ],
)
def test_refusals_name_the_key_path(raw, path, says):
    assert says in _refused(raw, path)


def test_top_level_must_be_a_table():
    with pytest.raises(ScenarioError) as caught:
        cv.to_dataclass(Part, [1], "")
    assert caught.value.path == "(top level)" and "got an array" in caught.value.message


@pytest.mark.parametrize(
    ("raw", "level"),
    [("announced", "announced"), (0.5, "0.5"), (1, "1.0"), (-0.0, "0.0"), (0.1234567, "0.123457")],
)
def test_quota_levels_are_canonical_text(raw, level):
    assert cv.quota_level(raw, "run.levels[0]") == level


@pytest.mark.parametrize("raw", [1.5, True, "half", None])
def test_bad_quota_levels_are_refused(raw):
    with pytest.raises(ScenarioError, match='expected "announced" or a share'):
        cv.quota_level(raw, "run.levels[0]")


def test_repeated_quota_levels_are_refused():
    with pytest.raises(ScenarioError, match="each listed once"):
        cv.to_tuple(str, [0.5, "0.50"], "run.levels", {"quota": True})


def test_did_you_mean_and_shown():
    assert cv.did_you_mean("grwth", ["growth", "budget"]) == " (did you mean 'growth'?)"
    assert cv.did_you_mean("zzz", ["b", "a"]) == " (expected one of: a, b)"
    assert cv.shown(10**400) == ">1e300" and cv.shown(0.5) == "0.5"
    assert cv.join("", "a") == "a" and cv.join("a", "b") == "a.b"
