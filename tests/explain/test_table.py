"""sim.results.effects: effects.csv written and read back, with its units, by csv and pandas."""

from __future__ import annotations

import math

import pandas as pd

from sim.results.effects import COLUMNS, EffectRow, Effects, effects_csv, read_effects

ROWS = [
    EffectRow(
        "announced",
        "memory",
        "delivered_compute",
        "2027",
        "H100e",
        "+10% stacks",
        0.1,
        1_000_000.0,
        91_000.0,
        70_000.0,
        120_000.0,
        0.91,
    ),
    EffectRow(
        "1.0",
        "reach",
        "domestic_share_units",
        "2027",
        "share",
        "if the level bound every segment",
        math.nan,
        0.67,
        0.13,
        0.0,
        0.4,
        math.nan,
    ),
]


def test_rows_round_trip_and_undefined_cells_are_empty(tmp_path):
    path = tmp_path / "effects.csv"
    path.write_text(effects_csv(ROWS))
    assert path.read_text().splitlines()[0] == ",".join(COLUMNS)
    back = read_effects(path)
    assert back[0] == ROWS[0]
    assert math.isnan(back[1].amount) and math.isnan(back[1].elasticity)
    assert ",," in path.read_text().splitlines()[2]


def test_pandas_reads_it_in_one_line_with_the_units(tmp_path):
    path = tmp_path / "effects.csv"
    path.write_text(effects_csv(ROWS))
    frame = pd.read_csv(path)
    assert list(frame.columns) == list(COLUMNS)
    assert frame.loc[0, "unit"] == "H100e" and frame.loc[0, "elasticity"] == 0.91


def test_the_index_finds_rows_and_lists_what_was_measured():
    effects = Effects(ROWS)
    assert effects.get("1.0", "reach", "domestic_share_units", "2027") is ROWS[1]
    assert effects.get("0.5", "reach", "domestic_share_units", "2027") is None
    assert effects.constraints() == ["memory", "reach"]
    assert effects.levels() == ["announced", "1.0"] and effects.periods() == ["2027"]
    assert not Effects([])


def test_a_damaged_file_is_refused_naming_the_file_and_line(tmp_path):
    import pytest

    from sim.results.reading import DamagedFile

    path = tmp_path / "effects.csv"
    path.write_text(effects_csv(ROWS).replace("0.91", "abc"))
    with pytest.raises(DamagedFile, match="line 2: expected numbers"):
        read_effects(path)
    path.write_text("quota,metric\n1,2\n")
    with pytest.raises(DamagedFile, match="missing columns constraint"):
        read_effects(path)
