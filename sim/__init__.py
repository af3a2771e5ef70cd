"""chipsim: a SimPy Monte Carlo model of China's datacenter AI-chip procurement.

``sim.run(scenario, reps=..., seed=..., quota=...)`` runs a scenario from
Python and returns a result whose ``.summary`` is a pandas DataFrame (see
:mod:`sim.api`).
"""

__version__ = "0.1.0"


def run(*args, **kwargs):
    """Run a scenario (see :func:`sim.api.run`); imported on first use."""
    from sim.api import run as run_scenario

    return run_scenario(*args, **kwargs)
