"""The one error type bad input raises, and the one formatter of every error line.

Every message a user sees passes :func:`one_line`: control characters are
escaped, every echoed value is bounded (:func:`short`, :func:`echo`: ECHO
characters kept, with an ellipsis and the value's size in bytes), a list of
choices shows a few items and its length (:func:`choices`), and the whole
line is bounded (MESSAGE characters, about six terminal lines). Messages
built elsewhere without :func:`echo` are bounded the same way: a run of more
than PATH characters without a space is cut like an echoed value.
"""

from __future__ import annotations

import re
import reprlib

ECHO = 80  # characters of an echoed value kept (ids, options, values)
PATH = 160  # ... of a file name or key path (and of any long run without a space)
SHOWN = 8  # a list of choices up to this long is shown whole ...
HEAD = 3  # ... a longer one as its first HEAD items, "..." and its last
MESSAGE = 480  # characters of a whole error line at most


class ScenarioError(ValueError):
    """Invalid scenario input. ``str()`` is the one-line message for users."""

    def __init__(self, message: str, path: str | None = None, file: str | None = None):
        self.message = message
        self.path = path
        self.file = file
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ": ".join(short(printable(part), PATH) for part in (self.file, self.path) if part)
        return one_line(f"{where}: {self.message}" if where else self.message)

    def in_file(self, file: str) -> ScenarioError:
        """Return the same error, attributed to ``file`` unless already attributed."""
        return self if self.file else ScenarioError(self.message, self.path, file)


_REPR = reprlib.Repr()  # bounded reprs of non-string values (containers cut to a few items)
_REPR.maxstring = _REPR.maxother = ECHO
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = HEAD
_REPR.maxlevel = 2
_CHOICES = re.compile(r"\(expected one of: ([^()]*)\)")  # as sim.scenario.convert.did_you_mean
_LONG_RUN = re.compile(rf"\S{{{PATH + 1},}}")
_MARKS = "'\"()[]{},.:;?!"  # quotes and punctuation around a long run, not counted in its size


def one_line(text: str) -> str:
    """``text`` as one bounded, printable line: the formatter of every error message.

    Control characters are escaped; a list ``(expected one of: a, b, ...)``
    is cut to a few items (:func:`choices`); a run of more than PATH
    characters without a space is cut like an echoed value; and the whole
    line is cut in the middle past MESSAGE characters.
    """
    flat = printable(str(text))
    flat = _CHOICES.sub(lambda m: f"(expected {choices(m.group(1).split(', '))})", flat)
    flat = _LONG_RUN.sub(
        lambda m: f"{_cut(m.group(), PATH)} ({size(m.group().strip(_MARKS))} bytes)", flat
    )
    return short(flat, MESSAGE)


def short(text: str, keep: int = ECHO) -> str:
    """``text`` cut in the middle when longer than ``keep`` characters, with its size.

    ``"abc...xyz (1048576 bytes)"``: the size is that of the whole text in UTF-8.
    """
    text = str(text)
    return text if len(text) <= keep else f"{_cut(text, keep)} ({size(text)} bytes)"


def _cut(text: str, keep: int) -> str:
    """``text`` cut in the middle to about ``keep`` characters (unchanged when shorter)."""
    if len(text) <= keep:
        return text
    return f"{text[: keep * 2 // 3]}...{text[-(keep // 4) :]}"


def echo(value, keep: int = ECHO) -> str:
    """``value`` as a message quotes it: ``repr`` on one line, at most ``keep`` characters.

    A long string keeps its start and end, with its size: ``'abc...xyz' (1048576 bytes)``.
    Other values are shown by :mod:`reprlib`, which never builds a huge repr (and
    cut to ``keep`` characters without a size).
    """
    if not isinstance(value, str):
        return _cut(printable(_REPR.repr(value)), keep)
    shown = repr(value[: keep + 1])  # never the repr of a huge string
    if len(value) <= keep and len(shown) <= keep:
        return shown
    head, tail = shown[: keep * 2 // 3], repr(value[-keep:])[-(keep // 4) :]  # escapes cut by width
    return f"{head}...{tail} ({size(value)} bytes)"


def choices(items, noun: str = "") -> str:
    """Show a list of choices as a message should: all when few, else a few and the count.

    ``"one of: a, b, c"``; ``"one of 850: 2023, 2023-01, 2023-02 ... 2072Q4"``;
    with ``noun``, ``"one of 600 periods: ..."``. Each item is bounded like an echo.
    """
    items = [short(str(item), ECHO) for item in items]
    if len(items) <= SHOWN:
        return f"one of{f' {noun}' if noun else ''}: {', '.join(items)}"
    listed = f"{', '.join(items[:HEAD])} ... {items[-1]}"
    return f"one of {len(items)}{f' {noun}' if noun else ''}: {listed}"


def size(text: str) -> int:
    """Bytes of ``text`` in UTF-8 (a lone surrogate from a bad command line counts as 3)."""
    return len(text.encode("utf-8", "surrogatepass"))


def printable(text: str) -> str:
    """``text`` with control (and other unprintable) characters escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
