"""sim.experiments.discovery: PRIM with covering on hand-made points, and RUN_DIR refusals."""

from __future__ import annotations

import numpy as np
import pytest

from sim.experiments.discovery import DiscoverError, Inputs, discover, read_inputs


def _inputs(x, kinds=("number", "number")):
    return Inputs(
        [f"p{j}" for j in range(x.shape[1])], list(kinds), [False] * x.shape[1], x, [], seed=1
    )


@pytest.fixture(scope="module")
def points():
    return np.random.default_rng(0).random((300, 2))


def test_one_box_finds_the_region_that_decides_the_cases(points):
    cases = points[:, 0] > 0.7
    found = discover(_inputs(points), cases, boxes=1)
    assert len(found) == 1
    box = found[0].box
    assert box.restricted(points) == [0]  # only the deciding input is limited
    assert 0.69 < box.low[0] <= 0.71 and box.coverage == 1.0 and box.density == 1.0
    assert found[0].beats_base and found[0].quasi_p[(0, "low")] < 1e-10
    np.testing.assert_array_equal(box.inside(points), cases)
    again = discover(_inputs(points), cases, boxes=1)[0].box  # seeded
    np.testing.assert_array_equal(again.low, box.low)


def test_covering_stops_when_too_few_cases_are_left_or_all_are_cases(points):
    assert discover(_inputs(points), np.zeros(len(points), bool)) == []
    assert discover(_inputs(points), np.ones(len(points), bool)) == []
    few = np.zeros(len(points), bool)
    few[:4] = True  # fewer than MIN_CASES
    assert discover(_inputs(points), few) == []


def test_discover_shows_progress_on_stderr_only_when_asked(points, capsys, monkeypatch):
    monkeypatch.setenv("CHIPSIM_PROGRESS", "lines")  # plain lines from the first update
    cases = points[:, 0] > 0.7
    discover(_inputs(points), cases, boxes=1)
    assert capsys.readouterr() == ("", "")  # a library call stays silent by default
    discover(_inputs(points), cases, boxes=1, shown=True)
    out, err = capsys.readouterr()
    assert out == "" and "discover (box 1)" in err


def test_read_inputs_refuses_what_is_not_a_finished_sweep(tmp_path):
    with pytest.raises(DiscoverError, match="not a finished sweep .*chipsim sweep"):
        read_inputs(tmp_path)


def test_a_points_cell_is_read_by_its_parameter_kind_and_a_bad_one_names_its_line(tmp_path):
    from sim.core.calendar import parse_month
    from sim.experiments.discovery import _cell
    from sim.results.reading import DamagedFile

    assert _cell("2026-03", "date", tmp_path, 2) == float(parse_month("2026-03"))
    assert (_cell("true", "bool", tmp_path, 2), _cell("false", "bool", tmp_path, 2)) == (1.0, 0.0)
    assert _cell("0.25", "number", tmp_path, 2) == 0.25
    with pytest.raises(DamagedFile, match=r"points\.csv.*line 7: expected a date value"):
        _cell("March", "date", tmp_path, 7)
