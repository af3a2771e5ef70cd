"""sim.model.month: the month declared once is what the clock, the model and the docs follow."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest
from small import World

from sim.model import clock as clock_module
from sim.model import month as declared
from sim.model.model import Model
from sim.scenario import load

ROOT = Path(__file__).resolve().parents[2]
INVESTING = ROOT / "scenarios" / "horizon-2030.toml"  # every actor, the investor too


def trace(monkeypatch, scenario: Path, months: int = 3) -> dict:
    """Run ``scenario`` (2 replications); return month -> [(process, call, step)] in run order.

    Every call of ``Month.turn``, ``Month.after`` and ``Month.done`` is logged
    with the qualified name of the SimPy process that made it.
    """
    log: dict = defaultdict(list)

    def logged(call):
        original = getattr(clock_module.Month, call)

        def wrapper(self, step):
            process = self.events[step].env.active_process
            if self.t < months:
                log[self.t].append((process._generator.__qualname__, call, step))
            return original(self, step)

        return wrapper

    for call in ("turn", "after", "done"):
        monkeypatch.setattr(clock_module.Month, call, logged(call))
    Model(load(scenario), 2).run()
    return log


def test_the_clock_phases_are_the_declared_steps_in_order():
    assert clock_module.PHASES == tuple(step.name for step in declared.MONTH)
    assert len(set(declared.STEPS)) == len(declared.STEPS)
    assert declared.MONTH[0] == declared.Step("begun", "Clock.tick", declared.MONTH[0].does)
    assert declared.STEPS[-1] == "recorded"


@pytest.mark.parametrize("scenario", [INVESTING, ROOT / "tests" / "model" / "tiny.toml"])
def test_the_running_model_does_the_declared_steps_in_the_declared_order(monkeypatch, scenario):
    log = trace(monkeypatch, scenario)
    by_name = {step.name: step for step in declared.MONTH}
    ran = set()
    for t in range(3):
        done = [(process, step) for process, call, step in log[t] if call == "done"]
        assert all(by_name[step].actor == process for process, step in done)
        order = [step for i, (_, step) in enumerate(done) if i == 0 or done[i - 1][1] != step]
        assert order == [step for step in declared.STEPS if step in order]  # none out of turn
        ran.update(order)
    every = set(declared.STEPS) - ({"invested"} if scenario != INVESTING else set())
    assert ran == every


def test_every_actor_waits_for_its_turn_at_its_own_declared_steps_only(monkeypatch):
    log = trace(monkeypatch, INVESTING)
    calls: dict = defaultdict(list)
    for process, call, step in log[1]:
        calls[process].append((call, step))
    assert set(calls) == set(declared.actors())
    assert calls.pop("Clock.tick") == [("done", "begun"), ("after", "recorded")]
    for process, made in calls.items():
        steps = declared.steps_of(process)
        # each instance: its turn at each of its steps, then the step done
        instances = made.count(("turn", steps[0]))
        assert instances >= 1
        assert sorted(made) == sorted([(c, s) for s in steps for c in ("turn", "done")] * instances)


def month_calls() -> list[tuple[str, str, str]]:
    """Every ``month.turn/after/done("step")`` in sim/: (file, method, step)."""
    found = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("turn", "after", "done")
                and node.args
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "month"
            ):
                assert isinstance(node.args[0], ast.Constant), f"{path}: a step by name only"
                found.append((path.name, node.func.attr, node.args[0].value))
    return found


def test_the_source_names_declared_steps_only_and_waits_on_a_step_by_its_turn():
    calls = month_calls()
    assert len(calls) >= 20
    assert {step for _, _, step in calls} <= set(declared.STEPS)
    # after() is the clock's and observers' (the month recorded); actors wait by turn()
    assert {step for _, call, step in calls if call == "after"} == {"recorded"}


def test_a_process_the_month_does_not_name_cannot_join_it():
    world = World(months=1)

    def stranger():
        yield world.env.timeout(0)

    with pytest.raises(ValueError, match="stranger does no step of the month"):
        world.clock.start(stranger())


def test_a_turn_is_the_step_before_done():
    world = World(months=1)
    seen = []

    def recorder():
        month = yield world.clock.next_month()
        assert month.turn("recorded") is month.after(declared.STEPS[-2])
        yield month.turn("recorded")
        seen.append(month.waiting())
        month.done("recorded")

    world.clock.join("recorded")
    world.run(recorder())
    assert seen == ["recorded"]


def test_docs_model_shows_the_declared_month():
    text = (ROOT / "docs" / "model.md").read_text()
    assert declared.table() in text
    # and no other table of the month's steps drifts beside it
    assert len(re.findall(r"^\| # \| step \|", text, flags=re.M)) == 1


def test_the_table_has_a_header_and_one_row_per_step_in_order():
    lines = declared.table().splitlines()
    assert lines[:2] == ["| # | step | done by | what it does |", "|---|---|---|---|"]
    assert len(lines) == 2 + len(declared.MONTH)
    for i, (line, step) in enumerate(zip(lines[2:], declared.MONTH, strict=True), 1):
        assert line.startswith(f"| {i} | `{step.name}` | `{step.actor}` |")
