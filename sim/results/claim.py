"""Claim an output location before any work: check it, lock it, clean chipsim's leftovers.

A command that writes a directory ``DIR`` first *claims* it, before anything
long starts:

* the path must be usable: its name short enough for the file system once
  chipsim's hidden suffixes are added, its parent a directory that exists or
  can be created, and writable (the lock file is created there);
* a lock, ``.DIR.lock`` beside it (``flock``: the kernel drops it when the
  process dies, however it dies), keeps a second chipsim command off the same
  output until the first is done: the second is refused at once;
* holding the lock, leftovers of a killed command writing ``DIR`` are dealt
  with: an earlier output moved aside (``.DIR.old-PID``) while ``DIR`` is
  missing is moved back, and staging directories (``.DIR.*.staging``,
  ``.DIR.new-PID``, ``.DIR.old-PID``) holding only chipsim's files are deleted.

Parent directories the claim created are removed again when the command fails.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sim.results.marker import FILES, KINDS, MARKER, foreign, marker_kind
from sim.scenario.errors import ScenarioError

try:
    import fcntl
except ImportError:  # not on POSIX: an exclusive lock file instead
    fcntl = None  # type: ignore[assignment]

TEMPORARY = re.compile(r"\..+\.tmp")  # a file being written (sim.results.atomic.write_bytes)
SUFFIX_ROOM = 32  # bytes chipsim adds to a name: ".NAME.XXXXXXXX.staging", ".NAME.new-PID"
PATH_ROOM = 64


class OutputRefused(ScenarioError):
    """An output location chipsim will not write (exit status 2 at the CLI)."""

    def __init__(self, path: str | Path, message: str):
        super().__init__(message, file=str(path))


@dataclass
class Claim:
    """A claimed output location: the lock held and the parents the claim made."""

    target: Path
    lock_path: Path
    fd: int
    created: list[Path] = field(default_factory=list)


def absolute(target: str | Path) -> Path:
    """``target`` made absolute without resolving symlinks (the name the user gave)."""
    return Path(os.path.abspath(target))


@contextlib.contextmanager
def claimed(target: str | Path) -> Iterator[Claim]:
    """Check and lock ``target`` (see the module docstring); release on exit.

    Raises OutputRefused up front for an unusable path or a target another
    chipsim command holds. Directories created for it are removed on exit if
    still empty (the command failed before writing anything).
    """
    target = absolute(target)
    check_name(target)
    check_not_inside_output(target, None, ())  # a directory inside a run would damage it
    created = make_parents(target.parent)
    try:
        fd, lock_path = lock(target)
    except BaseException:
        remove_created(created)
        raise
    claim = Claim(target, lock_path, fd, created)
    try:
        recover_leftovers(target)
        yield claim
    finally:
        unlock(claim)
        remove_created(created)  # only those left empty: the command failed


def check_name(target: Path) -> None:
    """Refuse a name or path too long for the file system once suffixes are added."""
    if target.name in ("", ".", ".."):
        raise OutputRefused(target, "expected a directory name as the last path component")
    name_max, path_max = limits(target.parent)
    size = len(os.fsencode(target.name))
    if size + SUFFIX_ROOM > name_max:
        raise OutputRefused(
            target,
            f"name is {size} bytes long; an output name may be at most "
            f"{name_max - SUFFIX_ROOM} bytes on this file system",
        )
    if len(os.fsencode(str(target))) + PATH_ROOM > path_max:
        raise OutputRefused(target, f"path longer than {path_max - PATH_ROOM} bytes")


def limits(directory: Path) -> tuple[int, int]:
    """(NAME_MAX, PATH_MAX) of the file system holding ``directory`` (or its first ancestor)."""
    probe = directory
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return os.pathconf(probe, "PC_NAME_MAX"), os.pathconf(probe, "PC_PATH_MAX")
    except (OSError, ValueError, AttributeError):
        return 255, 4096


def make_parents(parent: Path) -> list[Path]:
    """Create the missing directories up to ``parent``; return those created (outermost first)."""
    missing = []
    probe = parent
    while not os.path.lexists(probe):
        missing.append(probe)
        probe = probe.parent
    if not probe.is_dir():
        raise OutputRefused(probe, "not a directory: cannot write output below it")
    created: list[Path] = []
    for directory in reversed(missing):
        try:
            directory.mkdir()
        except OSError as exc:
            remove_created(created)
            raise OutputRefused(directory, f"cannot create the directory: {exc.strerror}") from None
        created.append(directory)
    return created


def remove_created(created: list[Path]) -> None:
    """Remove directories the claim created, innermost first, while they are empty."""
    for directory in reversed(created):
        try:
            directory.rmdir()
        except OSError:
            return


def lock(target: Path) -> tuple[int, Path]:
    """Take the lock of ``target``; OutputRefused if another command holds it."""
    path = target.parent / f".{target.name}.lock"
    while True:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        if fcntl is None:
            flags |= os.O_EXCL
        try:
            fd = os.open(path, flags, 0o644)
        except FileExistsError:  # only without fcntl
            raise OutputRefused(
                target, f"another chipsim command is writing it (remove {path} if none is)"
            ) from None
        except OSError as exc:
            raise OutputRefused(
                target.parent, f"cannot write output here: {exc.strerror}"
            ) from None
        if fcntl is None:
            return fd, path
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise OutputRefused(
                target,
                "another chipsim command is writing this output now; "
                "wait for it to finish or choose another --out",
            ) from None
        try:  # the previous holder may have removed the file after we opened it
            if os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=False)):
                return fd, path
        except FileNotFoundError:
            pass
        os.close(fd)


def unlock(claim: Claim) -> None:
    """Remove the lock file, then release the lock."""
    with contextlib.suppress(OSError):
        os.unlink(claim.lock_path)
    os.close(claim.fd)


def leftover_pattern(name: str) -> re.Pattern:
    """Hidden names chipsim's writers of ``name`` use beside it."""
    return re.compile(rf"\.{re.escape(name)}\.(?:[a-z0-9_]{{8}}\.staging|(?:old|new)-\d+)")


def leftovers(target: Path) -> list[Path]:
    """Hidden staging or set-aside directories of ``target`` in its parent, sorted."""
    pattern = leftover_pattern(target.name)
    try:
        names = os.listdir(target.parent)
    except OSError:
        return []
    return sorted(target.parent / n for n in names if pattern.fullmatch(n))


def recover_leftovers(target: Path) -> None:
    """Move back a set-aside output whose target is missing; delete chipsim's staging dirs."""
    for path in leftovers(target):
        if not os.path.lexists(target) and ".old-" in path.name and finished(path):
            os.rename(path, target)  # the replacement never arrived: keep the old output
        elif is_chipsim_leftover(path):
            shutil.rmtree(path, ignore_errors=True)


def finished(directory: Path) -> bool:
    """Tell whether ``directory`` is a complete output (it holds its manifest)."""
    return (directory / "manifest.json").is_file() and not directory.is_symlink()


def is_chipsim_leftover(directory: Path) -> bool:
    """Tell whether ``directory`` is empty or holds only what chipsim writes there."""
    if directory.is_symlink() or not directory.is_dir():
        return False
    entries = list(os.scandir(directory))
    if not entries:
        return True
    kind = marker_kind(directory)
    kinds = [kind] if kind else []
    if not kinds and all(
        e.name in set().union(*FILES.values()) or TEMPORARY.fullmatch(e.name) for e in entries
    ):
        kinds = list(KINDS)  # killed before the marker landed, or an older chipsim's run
    return any(
        all(e.name == MARKER or foreign(e.name, e, k) is None for e in entries) for k in kinds
    )


def check_file_target(path: str | Path) -> Path:
    """Check, before any work, that a file can be written at ``path``; return it absolute.

    Its name must fit the file system, it must not be a directory, and the
    nearest existing ancestor must be a directory (missing ones are created
    when the file is written).
    """
    path = absolute(path)
    check_name(path)
    if path.is_dir():
        raise OutputRefused(path, "is a directory; expected a file name")
    probe = path.parent
    while not os.path.lexists(probe):
        probe = probe.parent
    if not probe.is_dir():
        raise OutputRefused(probe, "not a directory: cannot write output below it")
    try:  # the only sure test (root passes os.access; /proc refuses new files)
        fd, name = tempfile.mkstemp(prefix=".chipsim-probe.", suffix=".tmp", dir=probe)
    except OSError as exc:
        raise OutputRefused(probe, f"cannot write output here: {exc.strerror}") from None
    os.close(fd)
    os.unlink(name)
    return path


def check_outputs(
    scenario: str | None,
    outputs: dict[str, str | None],
    *,
    inputs: Iterable[str | Path | None] = (),
    input_dirs: Iterable[str | Path | None] = (),
    out_dirs: dict[str, str | Path | None] | None = None,
    adds: tuple[str, ...] = (),
) -> None:
    """Refuse outputs that would write over an input or into an output, before any work.

    The one output guard of every command (ScenarioError naming the file, the
    option and what was expected; exit status 2 at the CLI). ``outputs`` maps
    option names to output files (None: not given); ``out_dirs`` the same for
    output directories. What a command reads is the ``scenario`` with every
    file of its ``extends`` chain, the files ``inputs`` and every file directly
    inside the directories ``input_dirs`` (those named like ``adds`` aside:
    they are outputs). Files are compared by (device, inode), so a symlink or
    a hard link to an input is that input. Rules:

    * an output file is no input and no other output, and can be written as a
      file (:func:`check_file_target`);
    * no output lies inside a chipsim output directory (one holding the
      marker, however the path reaches it), except a file named like ``adds``
      directly in it: the files a command is meant to add there
      (:data:`sim.results.marker.ADDED`);
    * an output directory to replace holds no input (one that is not
      chipsim's is refused by :func:`sim.results.atomic.check_replace`).
    """
    from sim.scenario.loader import extends_chain

    chain = {same_file_key(p): p for p in (extends_chain(scenario) if scenario else [])}
    read = {same_file_key(p): Path(p) for p in inputs if p and os.path.exists(p)}
    read.update((k, v) for k, v in dir_inputs(input_dirs, adds).items() if k not in read)
    seen: dict[tuple, str] = {}
    for option, path in outputs.items():
        if path is None:
            continue
        key = same_file_key(path)
        if key in chain:
            raise ScenarioError(
                f"{path}: {option} must differ from the scenario and the files "
                f"it extends ({chain[key]} is one of them): writing it would "
                "destroy an input",
                option,
            )
        if key in read:
            raise ScenarioError(
                f"{how_same(path, read[key])}: writing it would destroy an "
                "input; expected a file that is not an input",
                option,
                str(path),
            )
        check_not_inside_output(path, option, adds)
        check_file_target(path)
        if key in seen:
            raise ScenarioError(f"{path} is also the {seen[key]} file: choose two files", option)
        seen[key] = option
    for option, folder in (out_dirs or {}).items():
        if folder is None:
            continue
        check_not_inside_output(folder, option, ())
        if not os.path.isfile(Path(folder) / MARKER):
            continue  # missing, or not chipsim's: --force may not replace it anyway
        real = Path(os.path.realpath(folder))
        held = [
            p
            for p in [*chain.values(), *read.values()]
            if Path(os.path.realpath(p)).is_relative_to(real)
        ]
        if held:
            raise ScenarioError(
                f"holds {held[0]}, which this command reads: replacing the "
                "directory would destroy an input; expected a directory "
                "holding no input",
                option,
                str(folder),
            )


def run_inputs(run_dirs: Iterable[str | Path | None]) -> list[Path]:
    """Return the scenario files the runs in ``run_dirs`` came from, and what they extend.

    A report or diff reads a run's scenario through its manifest, and that file
    is the user's input: writing an output over it would destroy it. Unreadable
    manifests and files since moved give nothing (reading the run says what is wrong).
    """
    from sim.results.reading import DamagedFile, read_json_object
    from sim.scenario.loader import extends_chain

    found: list[Path] = []
    for directory in run_dirs:
        if not directory or not os.path.isfile(Path(directory) / "manifest.json"):
            continue
        try:
            name = read_json_object(Path(directory) / "manifest.json").get("scenario_file")
            if isinstance(name, str) and os.path.isfile(name):
                found += [Path(p) for p in extends_chain(name)]
        except (DamagedFile, ScenarioError, OSError, ValueError):
            continue
    return found


DIR_ENTRIES = 4096  # entries of an input directory looked at (a chipsim output holds ~10)


def dir_inputs(directories: Iterable[str | Path | None], adds: tuple[str, ...]) -> dict:
    """(device, inode) -> path of each regular file directly inside ``directories``.

    Files named like ``adds`` are left out (the command writes them); symlinks
    count as the file they lead to, which is what a reader opens.
    """
    found: dict[tuple, Path] = {}
    for directory in directories:
        if not directory or not os.path.isdir(directory):
            continue
        with os.scandir(directory) as entries:
            for count, entry in enumerate(entries):
                if count >= DIR_ENTRIES:
                    break
                if any(fnmatch.fnmatchcase(entry.name, pattern) for pattern in adds):
                    continue
                try:
                    info = os.stat(entry.path)
                except OSError:
                    continue
                if stat.S_ISREG(info.st_mode):
                    found.setdefault(("inode", info.st_dev, info.st_ino), Path(entry.path))
    return found


def how_same(output: str | Path, read: Path) -> str:
    """Say how ``output`` names ``read``, a file the command reads."""
    if os.path.abspath(output) == os.path.abspath(read):
        return "is a file this command reads"
    if os.path.realpath(output) == os.path.realpath(read):
        return f"leads through a symlink to {read}, a file this command reads"
    return f"is a hard link to {read}, a file this command reads"


def output_root(path: str | Path) -> Path | None:
    """Return the chipsim output directory ``path`` lies inside, else None.

    Both the path its symlinks resolve to and the path as given are looked at
    (in that order): each of their ancestor directories holding the marker counts.
    """
    given = absolute(path)
    real = Path(os.path.realpath(given))
    for start in (real, given):
        for directory in start.parents:
            if os.path.isfile(directory / MARKER):
                return directory
    return None


def check_not_inside_output(path: str | Path, option: str | None, adds: tuple[str, ...]) -> None:
    """Refuse ``path`` inside a chipsim output directory unless it is one of ``adds`` there.

    ``option``: the option that named ``path``, for the message (None: none).
    """
    root = output_root(path)
    if root is None:
        return
    name = absolute(path).name
    direct = {absolute(path).parent, Path(os.path.realpath(absolute(path).parent))}
    if (
        root in direct
        and any(fnmatch.fnmatchcase(name, p) for p in adds)
        and os.path.realpath(path) == os.path.join(os.path.realpath(root), name)
    ):
        return
    allowed = f"may add only {', '.join(adds)}" if adds else "may write nothing"
    raise ScenarioError(
        f"lies inside {root}, a chipsim output directory ({MARKER} marker), "
        f"where this command {allowed}: anything else would damage the output "
        "or stop --force from replacing it; expected a path outside it",
        option,
        str(path),
    )


def same_file_key(path) -> tuple:
    """Return a key equal for two names of one file: (device, inode), else the real path."""
    try:
        info = os.stat(path)
        return ("inode", info.st_dev, info.st_ino)
    except OSError:
        return ("path", os.path.realpath(path))
    except ValueError:  # a NUL byte
        return ("path", os.path.abspath(path))
