"""sim.scenario.tree: every parameter with its key path, and overrides from a path."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.scenario.dist import Dist
from sim.scenario.tree import Parameter, nested, parameters, uncertain, walk


@dataclass(frozen=True)
class Leafy:
    rate: Dist = field(default=Dist.fixed(0.0), metadata={"unit": "share"})
    size: Dist = field(default=Dist.fixed(1.0), metadata={"unit": "MW"})
    by_segment: dict = field(default_factory=dict)


def test_walk_gives_dotted_paths_units_and_defaults():
    node = Leafy(size=Dist("uniform", (1.0, 2.0), ("e1",)), by_segment={"cloud": Dist.fixed(3.0)})
    found = list(walk(node, "top"))
    assert [p.path for p in found] == ["top.rate", "top.size", "top.by_segment.cloud"]
    assert [p.unit for p in found] == ["share", "MW", ""]
    assert [p.default for p in found] == [True, False, False]  # rate equals its default
    assert found[1].evidence == ("e1",)
    cited = list(walk(Leafy(rate=Dist.fixed(0.0, ("e2",))), ""))
    assert cited[0].path == "rate" and not cited[0].default  # cited: not the default


def test_nested_builds_loader_overrides():
    assert nested("a.b.c", 3) == {"a": {"b": {"c": 3}}}
    assert nested("a", [1]) == {"a": [1]}


def test_parameter_describes_a_distribution():
    p = Parameter("x", Dist("uniform", (1.0, 2.0)), (), "")
    assert p.describe() == Dist("uniform", (1.0, 2.0)).describe()


def test_shipped_baseline_parameters_and_uncertain_ones(baseline):
    every = parameters(baseline)
    paths = [p.path for p in every]
    assert len(paths) == len(set(paths)) and all(p for p in paths)
    varied = uncertain(baseline)
    assert varied and all(isinstance(p.value, Dist) and not p.value.is_fixed for p in varied)
    assert {p.path for p in varied} < set(paths)
