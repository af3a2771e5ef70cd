"""chipsim: a SimPy Monte Carlo model of China's datacenter AI-chip procurement.

``sim.run(scenario, reps=..., seed=..., quota=...)`` runs a scenario (a file,
or a shipped name such as ``"baseline"``: the scenarios are installed with the
package) from Python and returns a result that shows itself in a few lines
(a small table in Jupyter) and whose ``.summary`` is a pandas DataFrame (see
:mod:`sim.interfaces.api`). Bad arguments raise :class:`sim.ScenarioError` (a
ValueError whose ``str()`` is the CLI's one-line message), before any work.
Both are imported on first use, so ``import sim`` stays light.
"""

__version__ = "0.1.0"
__all__ = ["ScenarioError", "run"]


def __getattr__(name: str):
    """Import ``sim.run`` (:func:`sim.interfaces.api.run`) and ``sim.ScenarioError`` lazily."""
    if name == "run":
        from sim.interfaces.api import run

        return run
    if name == "ScenarioError":
        from sim.scenario.errors import ScenarioError

        return ScenarioError
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    """Return the module's attributes, with the ones imported on first use."""
    return sorted({*globals(), *__all__})
