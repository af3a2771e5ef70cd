"""Scenarios: the schema, the loader and its errors."""

from sim.scenario.dist import Dist
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load
from sim.scenario.schema import Scenario

__all__ = ["Dist", "Scenario", "ScenarioError", "load"]
