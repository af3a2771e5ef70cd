"""A report as plain data: sections of figures, tables and text, rendered to HTML or PDF.

Figures are built lazily (``make(compact=...)``), so each renderer draws only the
layouts it needs and closes them at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from matplotlib.figure import Figure


@dataclass
class FigureBlock:
    """One figure with its title and a paragraph reading it in numbers."""

    key: str
    title: str
    make: Callable[..., Figure]  # called as make(compact=...)
    reading: str
    alt: str = ""


@dataclass
class TextBlock:
    """A titled paragraph standing where a figure would be (its data is absent)."""

    key: str
    title: str
    text: str


@dataclass
class Table:
    """A table of text cells; ``anchors`` optionally names each row for links."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""
    anchors: list[str] | None = None


Block = FigureBlock | Table | TextBlock  # what a Section holds


@dataclass
class Section:
    """A titled run of blocks (figures, tables) with an optional introduction."""

    key: str
    title: str
    blocks: Sequence[Block]
    intro: str = ""


@dataclass
class Document:
    """A whole report."""

    title: str
    subtitle: str
    headline: str
    headline_note: str
    facts: list[tuple[str, str]]
    sections: list[Section] = field(default_factory=list)
    appendix: str = ""  # the manifest as pretty JSON

    def figures(self) -> list[FigureBlock]:
        """Every figure block, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, FigureBlock)]

    def tables(self) -> list[Table]:
        """Every table, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]
