"""sim.results.run_dir: reproducible .npz bytes, the manifest, and a run directory written whole."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from sim.core.metrics import SummaryRow
from sim.results.marker import MARKER
from sim.results.reading import DamagedFile, open_npz
from sim.results.run_dir import manifest, npz_bytes, read_replicates, replicate_arrays, write_run


def test_npz_bytes_are_reproducible_sorted_and_load_back():
    arrays = {"b": np.arange(3.0), "a": np.array(["x", "y"])}
    data = npz_bytes(arrays)
    assert data == npz_bytes(dict(reversed(arrays.items())))
    assert data.index(b"a.npy") < data.index(b"b.npy")


def _result():
    rows = [
        SummaryRow(
            "announced",
            "domestic_share_units",
            "national",
            "2025",
            np.array([0.5, 0.4, 0.45, 0.5, 0.55, 0.6]),
        )
    ]
    values = np.array([[[0.25, 1e39]]])  # 1e39 overflows float32: stays float64
    small = np.array([[[0.1, 0.2]]])
    return SimpleNamespace(
        rows=rows,
        levels=["announced"],
        years=[2025, 2026],
        replicates={"big": values, "domestic_share_units": small},
    )


def test_replicates_are_narrowed_unless_a_value_would_overflow():
    arrays = replicate_arrays(_result())
    assert sorted(arrays) == [
        "national.big",
        "national.domestic_share_units",
        "quota_levels",
        "years",
    ]
    assert arrays["national.domestic_share_units"].dtype == np.float32
    assert arrays["national.big"].dtype == np.float64
    assert arrays["quota_levels"].tolist() == ["announced"]


def test_write_run_writes_every_file_with_the_manifest_and_marker(tmp_path):
    target = write_run(
        tmp_path / "run", _result(), {"files": ["manifest.json"], "seed": 3}, force=False
    )
    names = sorted(p.name for p in target.iterdir())
    assert names == sorted(
        [MARKER, "dictionary.csv", "manifest.json", "replications.npz", "summary.csv"]
    )
    assert json.loads((target / "manifest.json").read_text())["seed"] == 3
    assert (
        (target / "summary.csv")
        .read_text()
        .splitlines()[1]
        .startswith("announced,domestic_share_units,share,national,2025,0.5,")
    )
    np.testing.assert_array_equal(open_npz(target / "replications.npz")["years"], [2025, 2026])


def test_manifest_records_how_to_reproduce(baseline):
    info = manifest(baseline, "scenarios/baseline.toml", 7, 100, ["announced", "0.5"], 1.23456)
    assert info["seed"] == 7 and info["replications"] == 100
    assert info["quota_levels"] == ["announced", "0.5"] and info["wall_time_s"] == 1.235
    assert info["scenario_name"] == baseline.name and len(info["scenario_hash"]) == 64
    assert info["files"][-1] == "manifest.json"  # written last
    assert set(info["fields"]["summary.csv"]) == {"columns", "metrics"}


def test_replicates_read_back_checked_against_levels_and_years(tmp_path):
    target = write_run(tmp_path / "run", _result(), {"files": ["manifest.json"]}, force=False)
    arrays = read_replicates(target)
    np.testing.assert_allclose(arrays["national.domestic_share_units"], [[[0.1, 0.2]]], rtol=1e-7)
    (target / "replications.npz").write_bytes(
        npz_bytes(
            {
                "quota_levels": np.array(["announced"]),
                "years": np.array([2025]),
                "national.x": np.zeros((1, 1, 2)),
            }
        )
    )
    with pytest.raises(DamagedFile, match=r"\(levels, replications, years\) = \(1, R, 1\)"):
        read_replicates(target)
