"""Where an output came from: command line, Python, platform, versions and the git tree.

Every manifest (run, sweep, sensitivity) records :func:`provenance`. The git
commit is looked up, in order, in chipsim's own source folder (an editable
install or a checkout), the working directory and the scenario file's
folder; the first that is inside a git work tree wins, and ``git_commit`` is
null only when none is. ``git_dirty`` says whether tracked files differ from
that commit (untracked files are ignored).
"""

from __future__ import annotations

import contextvars
import platform
import shlex
import subprocess
from importlib import metadata
from pathlib import Path

# Every installed distribution whose version can change a result or an output file.
RESULT_PACKAGES = (
    "chipsim",
    "numpy",
    "scipy",
    "simpy",
    "click",
    "SALib",
    "dask",
    "distributed",
    "pyarrow",
    "pandas",
    "scikit-learn",
    "matplotlib",
    "tqdm",
)
_COMMAND: contextvars.ContextVar[tuple[str, ...] | None] = contextvars.ContextVar(
    "chipsim_command", default=None
)


def set_command(args: list[str] | tuple[str, ...]) -> contextvars.Token:
    """Record the command line being run (``chipsim`` and its arguments); returns a reset token."""
    return _COMMAND.set(("chipsim", *(str(a) for a in args)))


def reset_command(token: contextvars.Token) -> None:
    """Forget the command line recorded by :func:`set_command`."""
    _COMMAND.reset(token)


def command_line() -> str | None:
    """Return the chipsim command line being run, shell-quoted (None outside the CLI)."""
    args = _COMMAND.get()
    return shlex.join(args) if args else None


def versions(names: tuple[str, ...] = RESULT_PACKAGES) -> dict[str, str]:
    """Installed versions of ``names`` ("not installed" for a missing one)."""
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _git(folder: Path, *args: str) -> str | None:
    """Output of ``git -C folder args``, None when git fails or is missing."""
    try:
        out = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def candidate_folders(scenario_file: str | Path | None) -> list[Path]:
    """Where to look for the git tree, in order (existing folders only)."""
    folders = [Path(__file__).resolve().parent, Path.cwd()]
    if scenario_file:
        folders.append(Path(scenario_file).resolve().parent)
    return [f for f in dict.fromkeys(folders) if f.is_dir()]


def git_state(scenario_file: str | Path | None = None) -> dict:
    """Return ``git_commit``, ``git_dirty``, ``git_repository`` of the first work tree found."""
    for folder in candidate_folders(scenario_file):
        root = _git(folder, "rev-parse", "--show-toplevel")
        commit = _git(folder, "rev-parse", "HEAD") if root else None
        if commit:
            status = _git(folder, "status", "--porcelain", "--untracked-files=no")
            return {
                "git_commit": commit,
                "git_dirty": bool(status) if status is not None else None,
                "git_repository": root,
            }
    return {"git_commit": None, "git_dirty": None, "git_repository": None}


def git_commit(scenario_file: str | Path | None = None) -> str | None:
    """Return the commit of the git tree found by :func:`git_state`, None when there is none."""
    return git_state(scenario_file)["git_commit"]


def provenance(scenario_file: str | Path | None = None) -> dict:
    """Return the manifest fields that say how, where and with what an output was made."""
    return {
        "command_line": command_line(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "versions": versions(),
        **git_state(scenario_file),
    }
