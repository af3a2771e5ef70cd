"""Calibration: observed targets, a distance to them, rejection ABC and the hindcast.

Modules: ``targets`` (read and check seeds/targets.toml), ``measure`` (a
target's per-replication values from a run), ``distance`` (how far a run is
from the targets), ``sampling`` (Latin hypercube and one-at-a-time
sensitivity), ``posterior`` (fitted marginals), ``fit`` (the whole
calibration), ``writer`` (the calibrated scenario file), ``table`` (text
tables) and ``hindcast`` (the figure).
"""
