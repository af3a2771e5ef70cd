"""The scenarios and seed files shipped with chipsim, and how a scenario name finds its file.

The repository's top-level ``scenarios/`` and ``seeds/`` folders are the
source of truth. An installed wheel carries copies of them as package data
under ``sim/_data/`` (pyproject.toml maps ``sim._data.scenarios`` to
``scenarios/`` and ``sim._data.seeds`` to ``seeds/``); an editable install or
a checkout reads the folders themselves, beside the ``sim`` package. Either
way the two folders are siblings, so a shipped scenario's ``extends`` chain
and the seeds "beside the scenario's folder" resolve as in the repository.

:func:`find_scenario` is the one resolution of a scenario argument, shared by
``sim.run`` and every command taking a SCENARIO: a path that exists (relative
to the working directory, or absolute) wins; otherwise a shipped scenario's
name (``baseline``, ``baseline.toml`` or ``scenarios/baseline.toml``) is the
shipped file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePath

SCENARIOS, SEEDS = "scenarios", "seeds"  # the folder names, in the repository and in _data
SUFFIX = ".toml"
DEFAULT = f"{SCENARIOS}/baseline{SUFFIX}"  # chipsim run's and sim.run's default scenario


def data_dir(kind: str) -> Path | None:
    """Return the shipped ``scenarios`` or ``seeds`` folder: package data, else the checkout's."""
    package = Path(__file__).resolve().parent.parent  # the sim package
    for candidate in (package / "_data" / kind, package.parent / kind):
        if candidate.is_dir():
            return candidate
    return None


def shipped_scenarios() -> tuple[str, ...]:
    """Names of the shipped scenarios (``baseline``, ``horizon-2030`` ...), sorted."""
    folder = data_dir(SCENARIOS)
    if folder is None:
        return ()
    return tuple(sorted(p.stem for p in folder.glob(f"*{SUFFIX}") if p.is_file()))


def shipped_name(text: str) -> str | None:
    """Return the shipped scenario ``text`` names, if it has a name's form, else None.

    ``baseline``, ``baseline.toml`` and ``scenarios/baseline.toml`` name the
    shipped baseline; any other path (another folder, an absolute path) names none.
    """
    parts = PurePath(text).parts
    if len(parts) == 2 and parts[0] == SCENARIOS:
        parts = parts[1:]
    if len(parts) != 1:
        return None
    name = parts[0].removesuffix(SUFFIX)
    return name if name in shipped_scenarios() else None


def find_scenario(value: str | os.PathLike) -> Path:
    """Return the file a scenario argument means: the path if it exists, else a shipped one.

    Returns ``value`` as a Path unchanged when it exists or names no shipped
    scenario (the caller reports the missing file, see :func:`not_found`).
    """
    path = Path(value)
    if os.path.lexists(path):
        return path
    name = shipped_name(os.fspath(value))
    folder = data_dir(SCENARIOS)  # not None when a shipped scenario has the name
    return folder / f"{name}{SUFFIX}" if name and folder else path


def not_found() -> str:
    """Return the words after "file not found" for a scenario: the names that would work."""
    names = shipped_scenarios()
    return f"; shipped scenarios: {', '.join(names)}" if names else ""


def existing_scenario(text: str) -> Path:
    """Return the regular file scenario argument ``text`` means; else raise ScenarioError.

    See :func:`find_scenario`; a missing file's message lists the shipped scenarios.
    """
    from sim.scenario.errors import ScenarioError, short
    from sim.scenario.loader import os_reason

    path = find_scenario(text)
    try:
        info = os.stat(path)
    except OSError as exc:
        reason = os_reason(exc)
        hint = not_found() if reason == "file not found" else ""
        raise ScenarioError(reason + hint, file=short(text)) from None
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError(
            "cannot read: not a regular file (a FIFO, device or directory)", file=short(text)
        )
    return path
