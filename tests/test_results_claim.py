"""sim.results.claim: checking, locking and cleaning an output location before any work."""

from __future__ import annotations

import os

import pytest

from sim.results import claim as cl
from sim.results.claim import OutputRefused, ScenarioError
from sim.results.marker import MARKER, marker_bytes


def _output(path, files=("summary.csv", "manifest.json")):
    path.mkdir(parents=True)
    (path / MARKER).write_bytes(marker_bytes("run"))
    for name in files:
        (path / name).write_text("x")
    return path


def test_claim_creates_parents_locks_and_removes_empty_parents_on_exit(tmp_path):
    target = tmp_path / "a" / "b" / "run"
    with cl.claimed(target) as held:
        assert held.created == [tmp_path / "a", tmp_path / "a" / "b"]
        assert held.lock_path == tmp_path / "a" / "b" / ".run.lock"
        assert held.lock_path.exists()
        with pytest.raises(OutputRefused, match="another chipsim command is writing"):
            with cl.claimed(target):
                pass
    assert not held.lock_path.exists()
    assert not (tmp_path / "a").exists()  # left empty: the command wrote nothing


def test_claim_locks_where_the_os_has_no_o_nofollow(tmp_path, monkeypatch):
    monkeypatch.delattr(os, "O_NOFOLLOW", raising=False)  # as on a platform without it
    target = tmp_path / "run"
    with cl.claimed(target) as held:
        assert held.lock_path.exists()
        with pytest.raises(OutputRefused, match="another chipsim command is writing"):
            with cl.claimed(target):
                pass
    assert not held.lock_path.exists()


def test_claim_keeps_parents_that_hold_the_output(tmp_path):
    target = tmp_path / "a" / "run"
    with cl.claimed(target):
        target.mkdir()
    assert target.is_dir()


def test_check_name_refuses_non_names(tmp_path):
    for target in (tmp_path / "..", cl.absolute("/")):
        with pytest.raises(OutputRefused, match="expected a directory name"):
            cl.check_name(target)


def test_check_name_refuses_a_name_too_long_once_suffixes_are_added(tmp_path):
    name_max, _ = cl.limits(tmp_path)
    cl.check_name(tmp_path / ("n" * (name_max - cl.SUFFIX_ROOM)))
    with pytest.raises(OutputRefused, match=f"at most {name_max - cl.SUFFIX_ROOM} bytes"):
        cl.check_name(tmp_path / ("n" * (name_max - cl.SUFFIX_ROOM + 1)))


def test_make_parents_refuses_below_a_file(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputRefused, match="not a directory"):
        cl.make_parents(tmp_path / "file" / "sub")


def test_recover_moves_back_a_finished_set_aside_output_and_deletes_staging(tmp_path):
    target = tmp_path / "run"
    old = _output(tmp_path / ".run.old-123")
    staging = _output(tmp_path / ".run.abcd1234.staging", files=("summary.csv",))
    users = tmp_path / ".run.new-9"
    users.mkdir()
    (users / "my-notes.txt").write_text("keep")  # not chipsim's: never deleted
    assert cl.leftovers(target) == sorted([old, staging, users])
    cl.recover_leftovers(target)
    assert (target / "manifest.json").exists() and not old.exists()
    assert not staging.exists()
    assert (users / "my-notes.txt").exists()


def test_is_chipsim_leftover(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cl.is_chipsim_leftover(empty)
    unmarked = tmp_path / "unmarked"
    unmarked.mkdir()
    (unmarked / "summary.csv").write_text("")
    (unmarked / ".summary.csv.tmp").write_text("")
    assert cl.is_chipsim_leftover(unmarked)
    (unmarked / "other.txt").write_text("")
    assert not cl.is_chipsim_leftover(unmarked)
    assert not cl.is_chipsim_leftover(tmp_path / "missing")


def test_check_file_target(tmp_path):
    assert (
        cl.check_file_target(tmp_path / "new" / "report.html") == tmp_path / "new" / "report.html"
    )
    assert not (tmp_path / "new").exists()  # created only when written
    with pytest.raises(OutputRefused, match="is a directory"):
        cl.check_file_target(tmp_path)


def test_output_root_and_paths_inside_an_output(tmp_path):
    run = _output(tmp_path / "run")
    assert cl.output_root(run / "report.html") == run
    assert cl.output_root(tmp_path / "elsewhere") is None
    cl.check_not_inside_output(run / "report.html", "--out", ("report.html",))
    with pytest.raises(ScenarioError, match="may add only report.html") as caught:
        cl.check_not_inside_output(run / "other.html", "--out", ("report.html",))
    assert caught.value.path == "--out"
    with pytest.raises(ScenarioError, match="may write nothing"):
        cl.check_not_inside_output(run / "sub" / "x", None, ())


def test_check_outputs_refuses_inputs_links_and_duplicates(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("1")
    link = tmp_path / "link.csv"
    os.symlink(data, link)
    with pytest.raises(ScenarioError, match="is a file this command reads") as caught:
        cl.check_outputs(None, {"--csv": str(data)}, inputs=[data])
    assert caught.value.path == "--csv"
    with pytest.raises(ScenarioError, match="symlink to"):
        cl.check_outputs(None, {"--csv": str(link)}, inputs=[data])
    with pytest.raises(ScenarioError, match="also the --a file"):
        cl.check_outputs(None, {"--a": str(tmp_path / "o"), "--b": str(tmp_path / "o")})
    cl.check_outputs(None, {"--a": str(tmp_path / "o"), "--b": None})


def test_check_outputs_refuses_replacing_a_directory_that_holds_an_input(tmp_path):
    run = _output(tmp_path / "run")
    with pytest.raises(ScenarioError, match="which this command reads") as caught:
        cl.check_outputs(None, {}, inputs=[run / "summary.csv"], out_dirs={"--out": str(run)})
    assert caught.value.path == "--out"
    cl.check_outputs(None, {}, out_dirs={"--out": str(run)})


def test_dir_inputs_skip_added_files(tmp_path):
    run = _output(tmp_path / "run", files=("summary.csv", "report.html"))
    names = {
        p.name for p in cl.dir_inputs([run, None, tmp_path / "missing"], ("report.*",)).values()
    }
    assert names == {"summary.csv", MARKER}


def test_same_file_key_equal_for_hard_links_and_paths_for_missing_files(tmp_path):
    a = tmp_path / "a"
    a.write_text("")
    os.link(a, tmp_path / "b")
    assert cl.same_file_key(a) == cl.same_file_key(tmp_path / "b")
    assert cl.same_file_key(tmp_path / "none")[0] == "path"
    assert cl.same_file_key("bad\0name")[0] == "path"
