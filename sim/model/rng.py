"""Random streams: one root seed, one independent Generator per named stream.

Streams are keyed by name (a parameter's key path), not by creation order, so
adding a parameter never shifts another's draws: runs that share a seed share
random numbers wherever they share parameters (common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np

from sim.scenario.dist import Dist


class Streams:
    """Generators spawned from ``SeedSequence(seed)``, one per stream name."""

    def __init__(self, seed: int):
        self.seed = int(seed)

    def generator(self, name: str, skip: int = 0) -> np.random.Generator:
        """Return the Generator for stream ``name`` (same name, same numbers).

        ``skip`` advances it past that many draws in constant time: every draw
        of a parameter is one uniform (:meth:`sim.scenario.dist.Dist.sample`),
        one step of PCG64, so a block of replications starting at ``skip``
        draws exactly the rows a full-size run draws there.
        """
        key = zlib.crc32(name.encode("utf-8"))
        bits = np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(key,)))
        return np.random.Generator(bits.advance(skip) if skip else bits)


class Draws:
    """Per-replication draws of scenario parameters, shape ``(replications,)``.

    ``first`` and ``count`` select a block of replications; a block's draws
    equal the same rows of a full-size run, so runs split across workers agree.
    ``pinned`` maps parameter paths to given per-replication values, shape
    ``(count,)``, used instead of draws (calibration sets parameters this way).
    """

    def __init__(
        self,
        streams: Streams,
        count: int,
        first: int = 0,
        pinned: dict[str, np.ndarray] | None = None,
    ):
        self.streams = streams
        self.count = count
        self.first = first
        self.pinned = dict(pinned or {})

    def __call__(self, path: str, dist: Dist) -> np.ndarray:
        """Draw ``dist`` for every replication from the stream named ``path``.

        A fixed parameter comes back as a read-only broadcast of its value (no
        memory per replication); callers never modify draws in place.
        """
        if path in self.pinned:
            return np.array(self.pinned[path], dtype=float).reshape(self.count)
        if dist.is_fixed:
            return np.broadcast_to(np.float64(dist.args[0]), (self.count,))
        return dist.sample(self.streams.generator(path, self.first), self.count)
