"""sim.scenario.errors: the one error type and the formatter that bounds every message line."""

from __future__ import annotations

import pytest

from sim.scenario import errors
from sim.scenario.errors import ScenarioError, choices, echo, one_line, printable, short, size


def test_error_names_file_and_key_path_once():
    err = ScenarioError("must be positive", path="demand.growth", file="a.toml")
    assert str(err) == "a.toml: demand.growth: must be positive"
    assert str(ScenarioError("bad")) == "bad"
    assert err.in_file("b.toml") is err
    moved = ScenarioError("bad", path="x").in_file("b.toml")
    assert str(moved) == "b.toml: x: bad" and isinstance(moved, ValueError)


def test_control_characters_are_escaped():
    assert printable("a\nb\x00") == "a\\nb\\x00"
    assert printable("plain") == "plain"
    assert "\n" not in str(ScenarioError("line\nbreak", path="p\tq"))


def test_short_cuts_in_the_middle_and_gives_the_size_in_bytes():
    assert short("abc", 5) == "abc"
    text = "é" * 100
    cut = short(text, 12)
    assert cut == "é" * 8 + "..." + "é" * 3 + " (200 bytes)"


def test_echo_quotes_strings_and_bounds_other_values():
    assert echo("id") == "'id'"
    long = "x" * 1000
    shown = echo(long, 12)
    assert shown.startswith("'xxxxxxx") and shown.endswith("(1000 bytes)") and "..." in shown
    assert len(echo(list(range(10_000)))) <= errors.ECHO
    assert echo([1, 2, 3, 4, 5]) == "[1, 2, 3, ...]"


def test_choices_show_few_whole_and_many_by_count():
    assert choices(["a", "b"]) == "one of: a, b"
    assert choices([str(i) for i in range(20)], "periods") == "one of 20 periods: 0, 1, 2 ... 19"


def test_one_line_bounds_choices_long_runs_and_the_whole_message():
    many = ", ".join(f"c{i}" for i in range(30))
    assert (
        one_line(f"bad (expected one of: {many})") == "bad (expected one of 30: c0, c1, c2 ... c29)"
    )
    run = "/" + "d" * 500
    line = one_line(f"cannot open {run}.")
    assert f"({size(run)} bytes)" in line and len(line) < 250
    assert len(one_line("word " * 1000)) < errors.MESSAGE + 40


@pytest.mark.parametrize("text", ["\udcff", "ok"])
def test_size_counts_lone_surrogates(text):
    assert size(text) == (3 if text == "\udcff" else 2)
