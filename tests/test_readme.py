"""The README's claims checked against the code (issue 20, part 6).

- The command reference (the block under "## Command reference") names every
  command, argument and option of the click commands in sim/interfaces/cli, and nothing
  else; choices shown as ``a|b`` are the option's choices.
- The list of report sections under the example is the report's own section
  titles, taken from a report built by sim/report/build.py.
- Every shipped scenario is described in docs/scenarios.md and in the README.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import click
import pytest
from chipsim_testing import ROOT, SCENARIOS
from report_fixtures import report_run  # noqa: F401  (a fixture)

from sim.interfaces.cli import COMMANDS, main

README = ROOT / "README.md"
SCENARIOS_DOC = ROOT / "docs" / "scenarios.md"
REFERENCE = "## Command reference"
SYNOPSIS_INDENT = 8  # continuation lines of a synopsis are indented at least this much
OPTION = re.compile(r"(?:^|(?<=[\s\[(,`]))(--?[a-zA-Z][\w-]*)", re.MULTILINE)
SECTIONS_START = "a self-contained report with these sections"


def readme() -> str:
    """The README's text."""
    return README.read_text("utf-8")


def reference_block() -> str:
    """The first code block after the command reference heading."""
    after = readme().split(REFERENCE, 1)[1]
    return after.split("```", 2)[1]


def reference_entries() -> dict[str, tuple[str, str]]:
    """Command name -> (its synopsis, its whole entry) in the README's reference.

    An entry starts at a line ``chipsim NAME``; its synopsis is that line and
    the deeper-indented lines right after it; the description follows.
    """
    entries: dict[str, tuple[list[str], list[str]]] = {}
    name, in_synopsis = None, False
    for line in reference_block().splitlines():
        found = re.match(r"chipsim (\w+)", line)
        if found:
            name, in_synopsis = found.group(1), True
            entries[name] = ([line], [line])
            continue
        if name is None:
            continue
        in_synopsis = in_synopsis and line.startswith(" " * SYNOPSIS_INDENT)
        if in_synopsis:
            entries[name][0].append(line)
        entries[name][1].append(line)
    return {k: ("\n".join(s), "\n".join(w)) for k, (s, w) in entries.items()}


def command(name: str) -> click.Command:
    """The click command ``chipsim NAME``."""
    return main.get_command(click.Context(main), name)


def options(name: str) -> list[click.Option]:
    """The visible options of a command (click's own --help aside)."""
    return [p for p in command(name).params if isinstance(p, click.Option) and not p.hidden]


def test_the_reference_lists_every_command_and_no_other():
    assert list(reference_entries()) == list(COMMANDS)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_option_and_argument_is_in_the_synopsis(name):
    synopsis, _ = reference_entries()[name]
    shown = set(OPTION.findall(synopsis))
    missing = [p.opts[-1] for p in options(name) if not shown & set(p.opts + p.secondary_opts)]
    assert not missing, f"README's reference for chipsim {name} misses {missing}"
    for argument in (p for p in command(name).params if isinstance(p, click.Argument)):
        assert argument.name.upper() in synopsis, (name, argument.name)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_reference_names_no_option_the_command_lacks(name):
    _, entry = reference_entries()[name]
    real = {o for p in options(name) for o in p.opts + p.secondary_opts}
    unknown = sorted(set(OPTION.findall(entry)) - real)
    assert not unknown, f"README's reference for chipsim {name} names {unknown}"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_choices_shown_are_the_options_choices(name):
    synopsis, _ = reference_entries()[name]
    for option in options(name):
        if not isinstance(option.type, click.Choice):
            continue
        for flag in option.opts:
            for shown in re.findall(rf"{re.escape(flag)} ([\w.-]+(?:\|[\w.-]+)+)", synopsis):
                assert set(shown.split("|")) == set(option.type.choices), (name, flag)


def listed_sections() -> list[str]:
    """The section titles the README lists under the example (``- **Title**: ...``)."""
    after = readme().split(SECTIONS_START, 1)[1]
    bullets = re.split(r"\n\s*\n", after.split("\n", 1)[1].lstrip("\n"), maxsplit=1)[0]
    return re.findall(r"^- \*\*(.+?)\*\*", bullets, re.MULTILINE)


def test_the_readme_lists_the_report_sections_in_order(report_run):  # noqa: F811
    from sim.report.build import build_report
    from sim.report.data import load

    titles = [section.title for section in build_report(load(report_run)).sections]
    assert len(titles) >= 5
    assert listed_sections() == titles, (
        "README's list of report sections differs from the sections sim/report/build.py "
        f"makes for a baseline run: {titles}"
    )


def shipped_table() -> dict[str, str]:
    """docs/scenarios.md's table of shipped scenarios: file name -> what it is."""
    text = SCENARIOS_DOC.read_text("utf-8").split("## The shipped scenarios", 1)[1]
    text = text.split("\n## ", 1)[0]
    return dict(re.findall(r"^\| `([\w.-]+\.toml)` \| (.+?) \|$", text, re.MULTILINE))


def readme_shipped() -> dict[str, str]:
    """The README's "Shipped:" sentence: file name -> its parenthesised description."""
    text = readme().split("\nShipped: ", 1)[1].split("\n\n", 1)[0]
    return dict(re.findall(r"`([\w.-]+\.toml)`\s+\(([^()]*(?:\([^()]*\)[^()]*)*)\)", text))


def test_every_shipped_scenario_is_described_in_the_docs_and_the_readme():
    shipped = sorted(p.name for p in SCENARIOS.glob("*.toml"))
    assert "horizon-2030.toml" in shipped and "national-quota-2030.toml" in shipped
    for described in (shipped_table(), readme_shipped()):
        assert sorted(described) == shipped
        assert all(len(text.split()) >= 3 for text in described.values()), described
    for name, text in shipped_table().items():
        parent = tomllib.loads((SCENARIOS / name).read_text("utf-8")).get("extends")
        if parent:
            assert Path(parent).stem in text, f"docs/scenarios.md: {name} extends {parent}"
