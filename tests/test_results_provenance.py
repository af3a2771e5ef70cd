"""sim.results.provenance: command line, versions and the git tree of an output."""

from __future__ import annotations

import subprocess

from sim.results import provenance as prov


def test_command_line_is_recorded_quoted_and_reset():
    assert prov.command_line() is None
    token = prov.set_command(["run", "my scenario.toml", 3])
    try:
        assert prov.command_line() == "chipsim run 'my scenario.toml' 3"
    finally:
        prov.reset_command(token)
    assert prov.command_line() is None


def test_versions_names_missing_packages():
    found = prov.versions(("numpy", "surely-not-a-package-xyz"))
    assert found["surely-not-a-package-xyz"] == "not installed"
    assert found["numpy"][0].isdigit()


def test_candidate_folders_are_existing_and_unique(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scenario = tmp_path / "s.toml"
    folders = prov.candidate_folders(scenario)
    assert folders[1:] == [tmp_path.resolve()]  # cwd and the scenario's folder coincide
    assert prov.candidate_folders(tmp_path / "missing" / "s.toml")[-1] == tmp_path.resolve()


def _git(folder, *args):
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


def test_git_state_of_a_fresh_repository_and_its_dirtiness(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(
        repo,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "x",
    )
    (repo / "tracked").write_text("1")
    _git(repo, "add", "tracked")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "y")
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    monkeypatch.setattr(prov, "candidate_folders", lambda scenario_file: [repo])
    (repo / "untracked").write_text("ignored")
    assert prov.git_state() == {
        "git_commit": head,
        "git_dirty": False,
        "git_repository": str(repo.resolve()),
    }
    (repo / "tracked").write_text("2")
    assert prov.git_state()["git_dirty"] is True
    assert prov.git_commit() == head


def test_no_work_tree_gives_nulls(tmp_path, monkeypatch):
    monkeypatch.setattr(prov, "candidate_folders", lambda scenario_file: [tmp_path])
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert prov.git_state() == {"git_commit": None, "git_dirty": None, "git_repository": None}
    record = prov.provenance()
    assert record["git_commit"] is None and record["command_line"] is None
    assert {"python", "platform", "versions"} <= set(record)
