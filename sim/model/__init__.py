"""The model: actors, the declared month and the ensemble that runs them.

Each actor (fab, vendor, import channel, buyer segment, market) is a small
class owning its state, with shape ``(replications, ...)`` arrays; the month's
fixed order is :data:`sim.model.month.MONTH`; SimPy carries what varies in
time (dated rules, deliveries after lead times, capacity coming on line).
:class:`sim.model.model.Model` builds and owns them; :mod:`sim.model.ensemble`
runs replications in blocks. The model imports only ``sim.core`` and
``sim.scenario``.
"""
