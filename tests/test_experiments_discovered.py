"""sim.experiments.discovered: the records a scenario discovery shares with its findings."""

from __future__ import annotations

import numpy as np

from sim.experiments import prim
from sim.experiments.discovered import DiscoverOptions, Found


def found(base_p: float) -> Found:
    return Found(
        box=None,
        step=0,
        trajectory=[],
        quasi_p={},
        dropped=[],
        stability=np.zeros((0, 3)),
        base_rate=0.2,
        base_p=base_p,
    )


def test_a_box_beats_the_base_rate_at_the_significance_level_and_below_only():
    assert found(prim.SIGNIFICANCE).beats_base
    assert found(0.001).beats_base
    assert not found(np.nextafter(prim.SIGNIFICANCE, 1.0)).beats_base


def test_a_discovery_asked_with_a_target_alone_looks_for_two_missed_boxes_nationally():
    options = DiscoverOptions(run_dir="sweep", target="domestic_share_units@2027 < 0.7")
    assert (options.quota, options.region, options.find) == ("announced", "national", "missed")
    assert options.boxes == 2 and options.box is None and options.min_density is None
    assert not options.progress  # stderr stays quiet unless the command line asks
