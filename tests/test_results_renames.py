"""sim.results.renames: exchange and rename-unless-present, with and without renameat2."""

from __future__ import annotations

import errno
import os

import pytest

from sim.results import renames


def _dirs(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "from_a").write_text("a")
    (b / "from_b").write_text("b")
    return a, b


def test_exchange_swaps_two_directories_where_supported(tmp_path):
    a, b = _dirs(tmp_path)
    if not renames.exchange(a, b):
        pytest.skip("renameat2 RENAME_EXCHANGE is not supported here")
    assert (a / "from_b").exists() and (b / "from_a").exists()


def test_exchange_reports_false_without_renameat2(tmp_path, monkeypatch):
    monkeypatch.setattr(renames, "_renameat2", lambda: None)
    a, b = _dirs(tmp_path)
    assert renames.exchange(a, b) is False
    assert (a / "from_a").exists()  # nothing moved


def test_move_new_moves_into_a_free_place(tmp_path):
    a, _ = _dirs(tmp_path)
    target = tmp_path / "c"
    renames.move_new(a, target)
    assert (target / "from_a").exists() and not a.exists()


@pytest.mark.parametrize("native", [True, False])
def test_move_new_refuses_an_existing_target_even_an_empty_one(tmp_path, monkeypatch, native):
    if not native:
        monkeypatch.setattr(renames, "_renameat2", lambda: None)
    a, _ = _dirs(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileExistsError) as caught:
        renames.move_new(a, empty)
    assert caught.value.errno == errno.EEXIST
    assert os.strerror(errno.EEXIST) in str(caught.value) and str(empty) in str(caught.value)
    assert (a / "from_a").exists() and not any(empty.iterdir())


def test_unsupported_errno_falls_back_and_other_errors_raise(tmp_path, monkeypatch):
    def failing(code):
        def function(*args):
            monkeypatch.setattr(renames.ctypes, "get_errno", lambda: code)
            return -1

        return lambda: function

    a, _ = _dirs(tmp_path)
    monkeypatch.setattr(renames, "_renameat2", failing(errno.ENOSYS))
    renames.move_new(a, tmp_path / "moved")  # falls back to os.rename
    assert (tmp_path / "moved" / "from_a").exists()
    monkeypatch.setattr(renames, "_renameat2", failing(errno.EACCES))
    with pytest.raises(OSError) as caught:
        renames.move_new(tmp_path / "moved", tmp_path / "again")
    assert caught.value.errno == errno.EACCES
