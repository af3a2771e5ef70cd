"""The one error type bad input raises: it names the file, the key and the fix."""

from __future__ import annotations


class ScenarioError(ValueError):
    """Invalid scenario input. ``str()`` is the one-line message for users."""

    def __init__(self, message: str, path: str | None = None, file: str | None = None):
        self.message = message
        self.path = path
        self.file = file
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ": ".join(short(part) for part in (self.file, self.path) if part)
        return one_line(f"{where}: {self.message}" if where else self.message)

    def in_file(self, file: str) -> ScenarioError:
        """Return the same error, attributed to ``file`` unless already attributed."""
        return self if self.file else ScenarioError(self.message, self.path, file)


def one_line(text: str) -> str:
    """``text`` with control characters escaped, so a message stays on one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def short(text: str, keep: int = 160) -> str:
    """``text`` abbreviated in the middle when longer than ``keep`` characters."""
    if len(text) <= keep:
        return text
    return f"{text[:keep // 2]}...{text[-keep // 4:]} ({len(text)} characters)"
