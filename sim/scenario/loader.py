"""Load a scenario file: read, resolve ``extends``, convert, validate.

A scenario file is data only: TOML read with ``tomllib``; the only other file
it can name is its parent through ``extends``, resolved relative to itself,
with chains at most ``MAX_EXTENDS`` deep.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import TypeGuard

from sim.scenario.convert import fill_defaults, to_dataclass
from sim.scenario.errors import ScenarioError, short
from sim.scenario.schema import Event, Scenario
from sim.scenario.validate import default_name, validate

MAX_EXTENDS = 8
# keys of a table of which a scenario gives one: a child giving one drops its parent's other
ALTERNATIVES = {"demand": ("base", "budget_usd")}
MAX_BYTES = 4 * 2**20  # a scenario file is a few kB; refuse anything huge
# Structure bounds, checked on the text before tomllib reads it. The shipped
# scenarios nest at most 8 levels (tables, arrays and dotted keys together) and
# their longest dotted key has 5 parts. tomllib's time grows with the square of
# a key's parts (20,000 parts take seconds, a 4 MiB file of such keys hours) and
# it recurses once per nested array or inline table; within these bounds a 4 MiB
# file of the worst keys parses in seconds and nothing recurses deeply.
MAX_KEY_PARTS = 16  # parts of one dotted key or table header
MAX_NESTING = 32  # arrays and inline tables open at once; after parsing, the tree's depth
PARAM_KEYS = {"dist", "value"}
# An event also has a ``value``; its other keys mark it as an ordinary table that merges.
EVENT_KEYS = {f.name for f in fields(Event)} - {"value", "evidence"}


def load(path: str | Path, overrides: dict | None = None) -> Scenario:
    """Read and validate the scenario at ``path``; ``overrides`` is a raw tree."""
    path = Path(path)
    try:
        raw = resolve(path, chain=())
        if overrides:
            raw = merge(drop_replaced(raw, overrides), overrides)
        raw.setdefault("name", default_name(path.stem))
        scenario = to_dataclass(Scenario, raw, "")
        validate(scenario)
        scenario = fill_defaults(scenario)
    except ScenarioError as err:
        raise err.in_file(str(path)) from None
    return scenario


def read_toml(path: Path) -> dict:
    """Parse one TOML file, turning every failure into a ScenarioError."""
    data = read_regular(path, MAX_BYTES + 1)  # bounded: a scenario never needs more
    if len(data) > MAX_BYTES:
        raise ScenarioError(
            f"larger than {MAX_BYTES // 2**20} MiB: not a scenario file", file=str(path)
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError("not a UTF-8 text file", file=str(path)) from None
    if "\x00" in text:
        raise ScenarioError("not a text file (contains NUL bytes)", file=str(path))
    try:
        prescan(text)
        tree = tomllib.loads(text)
        check_depth(tree)
        return tree
    except ScenarioError as err:
        raise err.in_file(str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(
            f"TOML syntax error: {with_line(str(exc), text)}", file=str(path)
        ) from None
    except ValueError as exc:  # an integer literal longer than Python converts
        why = "an integer literal over 4300 digits long" if "digits" in str(exc) else str(exc)
        raise ScenarioError(f"unreadable TOML value: {why}", file=str(path)) from None
    except RecursionError:
        raise ScenarioError("TOML tables or arrays nested too deeply", file=str(path)) from None


# What the pre-scan looks for: quotes and comments (skipped whole), brackets and
# braces (nesting) and dots (key parts); "=", "," and a line end end a key.
_SPECIAL = re.compile(r"""["'#\[\]{}.]""")
_KEY_END = re.compile(r"[=,\n]")
_STRING_REST = {  # the rest of a string after its opening quotes, as TOML reads it
    '"': re.compile(r'(?:[^"\\\n]|\\[^\n])*+"'),
    "'": re.compile(r"[^'\n]*+'"),
    '"""': re.compile(r'(?:[^"\\]|\\[\s\S]|"(?!""))*+"""(?:""|")?'),
    "'''": re.compile(r"""(?:[^']|'(?!''))*+'''(?:''|')?"""),
}


def prescan(text: str) -> None:
    """Refuse a key of over ``MAX_KEY_PARTS`` parts or nesting past ``MAX_NESTING``.

    One linear pass over the text, before tomllib (see ``MAX_KEY_PARTS``):
    strings and comments are skipped as TOML reads them, and a dot outside
    them is a key part (a number has at most one). Where a string does not
    end, tomllib stops with a syntax error, and so does the scan.
    """
    depth = parts = pos = 0
    while match := _SPECIAL.search(text, pos):
        char, at = match.group(), match.start()
        if _KEY_END.search(text, pos, at):
            parts = 0
        pos = match.end()
        if char == ".":
            parts += 1
            if parts >= MAX_KEY_PARTS:
                raise ScenarioError(
                    f"TOML keys nested too deeply: a dotted key or table header "
                    f"of more than {MAX_KEY_PARTS} parts (line "
                    f"{line_of(text, at)}); no scenario key is that long"
                )
        elif char in "\"'":
            quote = char * 3 if text.startswith(char * 3, at) else char
            rest = _STRING_REST[quote].match(text, at + len(quote))
            if rest is None:
                return
            pos = rest.end()
        elif char == "#":
            pos = text.find("\n", pos)
            if pos < 0:
                return
        elif char in "[{":
            depth, parts = depth + 1, 0
            if depth > MAX_NESTING:
                raise ScenarioError(
                    f"TOML tables or arrays nested too deeply (more than "
                    f"{MAX_NESTING} levels, line {line_of(text, at)})"
                )
        else:
            depth, parts = max(depth - 1, 0), 0


def line_of(text: str, at: int) -> int:
    """Line number (from 1) of offset ``at``."""
    return text.count("\n", 0, at) + 1


def check_depth(tree: dict) -> None:
    """Refuse a tree deeper than ``MAX_NESTING`` (dotted keys nest too), without recursion."""
    level: list = [tree]
    for _ in range(MAX_NESTING):
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, (dict, list))
        ]
        if not level:
            return
    raise ScenarioError(
        f"TOML tables or arrays nested too deeply (more than {MAX_NESTING} "
        "levels of tables, arrays and dotted keys)"
    )


def read_regular(path: Path, limit: int) -> bytes:
    """Read at most ``limit`` bytes of the regular file ``path``.

    Opened without blocking, so a FIFO is refused instead of waiting forever
    for a writer; devices, directories and FIFOs are refused.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ScenarioError(os_reason(exc), file=short(str(path))) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ScenarioError(
                "cannot read: not a regular file (a FIFO, device or directory)",
                file=short(str(path)),
            )
        os.set_blocking(fd, True)
        chunks, size = [], 0
        while size < limit and (chunk := os.read(fd, min(limit - size, 1 << 20))):
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise ScenarioError(os_reason(exc), file=short(str(path))) from None
    finally:
        os.close(fd)


def os_reason(exc: OSError) -> str:
    """Say why a scenario file cannot be opened, in words."""
    if exc.errno == errno.ENOENT:
        return "file not found"
    if exc.errno == errno.ELOOP:
        return "a symlink loop (or too many levels of symlinks)"
    if exc.errno == errno.ENAMETOOLONG:
        return "file name too long"
    return f"cannot read: {exc.strerror or exc}"


def with_line(message: str, text: str) -> str:
    """Add the last line number to an error tomllib reports "at end of document"."""
    last = max(text.count("\n") + (not text.endswith("\n")), 1)
    return message.replace("(at end of document)", f"(at end of document, line {last})")


def resolve(path: Path, chain: tuple[Path, ...]) -> dict:
    """Return the raw tree of ``path`` merged over the tree it extends."""
    try:
        here = path.resolve()
    except (OSError, RuntimeError):  # Python 3.11 raises RuntimeError on a symlink loop
        raise ScenarioError(
            "a symlink loop (or too many levels of symlinks)", file=short(str(path))
        ) from None
    if here in chain:
        loop = " -> ".join(p.name for p in (*chain, here))
        raise ScenarioError(f"extends forms a cycle ({loop})", "extends", str(path))
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError(f"extends chain deeper than {MAX_EXTENDS}", "extends", str(path))
    raw = read_toml(path)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise ScenarioError("expected a file path string", "extends", str(path))
    if not parent.endswith(".toml"):
        raise ScenarioError(
            f"expected the path of a .toml scenario file, got {short(parent)!r}",
            "extends",
            str(path),
        )
    target = path.parent / parent
    try:
        mode = os.stat(target).st_mode
    except (OSError, ValueError) as exc:
        reason = os_reason(exc) if isinstance(exc, OSError) else "invalid path"
        why = "not found" if reason == "file not found" else f"unusable: {reason}"
        raise ScenarioError(
            f"extends target {short(parent)!r} {why}", "extends", str(path)
        ) from None
    if not stat.S_ISREG(mode):
        raise ScenarioError(
            f"extends target {short(parent)!r} is not a regular file (a FIFO, device or directory)",
            "extends",
            str(path),
        )
    base = resolve(target, (*chain, here))
    base.pop("name", None)
    base.pop("description", None)
    return merge(drop_replaced(base, raw), raw)


def drop_replaced(base: dict, raw: dict) -> dict:
    """Drop from ``base`` the alternative of a key ``raw`` gives (see :data:`ALTERNATIVES`).

    A file (or an override) that gives demand as H100e (``demand.base``)
    replaces a parent's budget (``demand.budget_usd``), and the other way round.
    """
    for table, keys in ALTERNATIVES.items():
        given = raw.get(table)
        if not isinstance(given, dict) or not isinstance(base.get(table), dict):
            continue
        for key in keys:
            if key in given:
                base = {
                    **base,
                    table: {k: v for k, v in base[table].items() if k == key or k not in keys},
                }
    return base


def extends_chain(path: str | Path) -> list[Path]:
    """List the scenario file and every file it extends, in order (as far as readable).

    For output checks: a file that cannot be read ends the chain (loading
    the scenario reports it).
    """
    chain: list[Path] = []
    path = Path(path)
    while len(chain) <= MAX_EXTENDS and path not in chain:
        chain.append(path)
        try:
            parent = read_toml(path).get("extends")
        except ScenarioError:
            break
        if not isinstance(parent, str):
            break
        path = path.parent / parent
    return chain


def merge(base: dict, override: dict) -> dict:
    """Overlay ``override`` on ``base``: tables merge, anything else replaces.

    A parameter table (one with ``dist`` or ``value``) replaces as a whole, and a
    replacement that cites no evidence keeps the evidence it replaces. Iterative
    (a stack of tables still to merge), so no depth of tables the two trees
    share can exhaust Python's recursion limit.
    """
    out = dict(base)
    todo = [(out, override)]
    while todo:
        into, over = todo.pop()
        for key, new in over.items():
            old = into.get(key)
            if is_param(old) and not isinstance(new, dict):
                new = {"value": new}
            if is_param(old) and is_param(new):
                into[key] = {**new, "evidence": new.get("evidence", old.get("evidence", []))}
            elif isinstance(old, dict) and isinstance(new, dict):
                into[key] = dict(old)
                todo.append((into[key], new))
            else:
                into[key] = new
    return out


def is_param(raw: object) -> TypeGuard[dict]:
    """Tell whether ``raw`` is a parameter written as a table."""
    return isinstance(raw, dict) and bool(PARAM_KEYS & raw.keys()) and not EVENT_KEYS & raw.keys()
