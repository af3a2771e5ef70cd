"""sim.scenario.dump: a scenario back to a plain tree, and its hash."""

from __future__ import annotations

import dataclasses
import hashlib
import json

from sim.core.calendar import format_month
from sim.scenario.dist import Dist
from sim.scenario.dump import dist_raw, scenario_hash, to_raw


def test_dist_raw_writes_parameter_tables():
    assert dist_raw(Dist.fixed(2.0, ("a",))) == {"value": 2.0, "evidence": ["a"]}
    assert dist_raw(Dist("triangular", (1.0, 2.0, 4.0))) == {
        "dist": "triangular",
        "low": 1.0,
        "mode": 2.0,
        "high": 4.0,
        "evidence": [],
    }


def test_dates_are_written_as_months_but_sigma_stays_a_number():
    month = 2025 * 12 + 5
    date = Dist("lognormal", (float(month), 0.5), is_date=True)
    raw = dist_raw(date)
    assert raw["median"] == format_month(month) and raw["sigma"] == 0.5


def test_to_raw_drops_none_and_turns_tuples_into_lists():
    @dataclasses.dataclass
    class Node:
        a: tuple = (1, 2)
        b: object = None
        c: dict = dataclasses.field(default_factory=lambda: {"k": Dist.fixed(1.0)})

    assert to_raw(Node()) == {"a": [1, 2], "c": {"k": {"value": 1.0, "evidence": []}}}


def test_baseline_dumps_to_json_and_hashes_stably(baseline):
    json.dumps(to_raw(baseline))  # plain data only
    digest = scenario_hash(baseline)
    assert len(digest) == 64 and digest == scenario_hash(baseline)
    changed = dataclasses.replace(baseline, name=baseline.name + "-x")
    assert scenario_hash(changed) != digest


def test_the_hash_is_the_sha256_of_the_compact_sorted_json_a_reader_can_recompute(baseline):
    # The canonical form is a contract: every stored manifest's scenario_hash, and the
    # settings a sweep's --resume compares, were computed with it, and anyone can check
    # a manifest's hash against its own scenario tree without chipsim.
    tree = json.loads(json.dumps(to_raw(baseline)))  # as manifest.json stores it
    canonical = json.dumps(tree, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    assert scenario_hash(baseline) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
