"""The top layer: how people reach chipsim.

``runner`` turns a scenario and run options into a run directory, ``api`` is
the Python entry point (``sim.run``), and ``cli`` the ``chipsim`` command. They
call the layers below (core, scenario, model, results, experiments, report) and
nothing below imports them.
"""
