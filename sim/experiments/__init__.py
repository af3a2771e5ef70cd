"""Experiments over a scenario: sweeps, global sensitivity analysis, scenario discovery.

The modules follow an experiment's life: ``parameters`` (what can be varied),
``samplers`` and ``design`` (which points), ``batch`` and ``evaluators`` (running
points, locally or on Dask), ``progress``, ``store`` (durable results), ``sweep``
(a whole sweep), ``sensitivity`` and ``study`` (SALib Sobol and Morris, and a
scenario study), ``targets``, ``prim`` and ``discovery`` (which regions of the
inputs miss a target).
"""
