"""The evidence registry (seeds/evidence.toml): entries, their citations and checks.

Every entry but an assumption cites a publication: its publisher, its date
and its title (or, when the title is not known, a description of it), an
optional author and link, the publication that relays it (``via``) and
further ones reporting the same figure (``also``). An assumption says what
it rests on (``basis``). :func:`load_registry` checks all of it and names the
key path of anything wrong; seeds/README.md describes the fields.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from sim.core.metrics import format_plain
from sim.scenario.errors import ScenarioError, echo
from sim.scenario.schema import Scenario
from sim.scenario.tree import parameters

REGISTRY = Path("seeds") / "evidence.toml"
ASSUMPTION = "assumption"
KINDS = ("seed", "pack", "reference", ASSUMPTION)
NO_DATE = "n.d."  # the material gives no date for the publication
DATE = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")
LINK = re.compile(r"https://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(/[^\s\"'<>]*)?")
# a local file name of a source document: ``name.txt`` or a 16-digit hex file id
LOCAL_FILE = re.compile(r"\.txt\b|\b[0-9a-f]{16}\b")
NUMBERS = ("value", "low", "high")


@dataclass(frozen=True)
class Publication:
    """Where a figure was published: publisher, date, title or description, author, link."""

    publisher: str
    date: str
    title: str = ""
    description: str = ""
    author: str = ""
    link: str = ""

    def citation(self) -> str:
        """One line: publisher, date, "title" (or [our description]), author, link."""
        parts = [
            self.publisher,
            self.date,
            f"\u201c{self.title}\u201d" if self.title else f"[{self.description}]",
        ]
        if self.author:
            parts.append(f"by {self.author}")
        if self.link:
            parts.append(self.link)
        return ", ".join(parts)


@dataclass(frozen=True)
class Evidence:
    """One registry entry: the figure, and the publication it cites or what it rests on."""

    id: str
    claim: str
    unit: str
    year: str
    kind: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    note: str = ""
    publication: Publication | None = None
    via: Publication | None = None
    also: tuple[Publication, ...] = ()
    basis: str = ""

    def figure(self) -> str:
        """Return the figure as text: a value, a range, or the note."""
        if self.value is not None:
            return format_plain(self.value)
        if self.low is not None and self.high is not None:  # both or neither (entry_of)
            return f"{format_plain(self.low)}-{format_plain(self.high)}"
        return self.note

    def publications(self) -> list[Publication]:
        """Return the publications cited: the original, then the relay, then the others."""
        first = [self.publication] if self.publication else []
        return first + ([self.via] if self.via else []) + list(self.also)

    def citation_lines(self) -> list[str]:
        """Return the citation, then "via ..." and "also ..." lines; an assumption's basis."""
        if self.publication is None:
            return [f"chipsim assumption: {self.basis}"]
        return (
            [self.publication.citation()]
            + ([f"via {self.via.citation()}"] if self.via is not None else [])
            + [f"also {p.citation()}" for p in self.also]
        )

    @property
    def source(self) -> str:
        """Return the citation lines as one line."""
        return "; ".join(self.citation_lines())


def registry_path(scenario_file: str | Path | None = None) -> Path:
    """seeds/evidence.toml beside the scenario's folder, else under the cwd."""
    if scenario_file is not None:
        candidate = Path(scenario_file).resolve().parent.parent / REGISTRY
        if candidate.is_file():
            return candidate
    return REGISTRY


def load_registry(path: str | Path = REGISTRY) -> dict[str, Evidence]:
    """Read and check the registry; anything malformed raises ScenarioError naming its key."""
    try:
        raw = tomllib.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"cannot read the evidence registry: {exc}", file=str(path)) from None
    try:
        table = raw.get("evidence")
        if not isinstance(table, dict) or not table:
            raise ScenarioError(
                "missing: the registry holds its entries under [evidence.<ID>]", "evidence"
            )
        return {key: entry_of(key, value, f"evidence.{key}") for key, value in table.items()}
    except ScenarioError as err:
        raise err.in_file(str(path)) from None


PUBLICATION_KEYS = {f.name for f in fields(Publication)}
CITING_KEYS = PUBLICATION_KEYS | {"via", "also"}
ENTRY_KEYS = ({f.name for f in fields(Evidence)} - {"id", "publication"}) | PUBLICATION_KEYS


def entry_of(ident: str, raw, where: str) -> Evidence:
    """Check one ``[evidence.<ID>]`` table and return its entry."""
    entry = table_of(raw, where, ENTRY_KEYS)
    required = ("claim", "unit", "year", "kind")
    text: dict[str, Any] = {
        k: text_of(entry, k, where, required=k in required) for k in (*required, "note", "basis")
    }
    if text["kind"] not in KINDS:
        raise ScenarioError(
            f"{echo(text['kind'])} is not a kind (expected one of: {', '.join(KINDS)})",
            f"{where}.kind",
        )
    numbers: dict[str, Any] = {k: number_of(entry, k, where) for k in NUMBERS}
    low, high = numbers["low"], numbers["high"]
    if (low is None) != (high is None):
        raise ScenarioError("low and high go together (a range gives both)", where)
    if low is not None and low > high:
        raise ScenarioError(f"low ({low:g}) exceeds high ({high:g})", where)
    if numbers["value"] is None and numbers["low"] is None and not text["note"]:
        raise ScenarioError("missing: give a value, a low and high range, or a note", where)
    cited = citations(entry, text["kind"], where)
    if text["kind"] == ASSUMPTION and not text["basis"]:
        raise ScenarioError("missing: an assumption states what it rests on", f"{where}.basis")
    return Evidence(id=ident, **text, **numbers, **cited)


def citations(entry: dict, kind: str, where: str) -> dict:
    """Return an entry's publication, its relay and the others (none for an assumption)."""
    given = sorted(k for k in CITING_KEYS if k in entry)
    if kind == ASSUMPTION:
        if given:
            raise ScenarioError(
                "an assumption cites no publication; say what it rests on in basis",
                f"{where}.{given[0]}",
            )
        return {}
    if "basis" in entry:
        raise ScenarioError(
            f"only an assumption has a basis; a {kind} entry cites its publication",
            f"{where}.basis",
        )
    via = entry.get("via")
    also = entry.get("also", [])
    if not isinstance(also, list):
        raise ScenarioError("expected a list of tables ([[...also]])", f"{where}.also")
    return {
        "publication": publication_of(entry, where),
        "via": None if via is None else nested(via, f"{where}.via"),
        "also": tuple(nested(p, f"{where}.also[{i}]") for i, p in enumerate(also)),
    }


def nested(raw, where: str) -> Publication:
    """Check a ``via`` or ``also`` table (at ``where``) and return its publication."""
    return publication_of(table_of(raw, where, PUBLICATION_KEYS), where)


def publication_of(table: dict, where: str) -> Publication:
    """Check the publication fields of a checked table (at ``where``) and return them."""
    text = {
        k: text_of(table, k, where, required=k in ("publisher", "date")) for k in PUBLICATION_KEYS
    }
    if text["date"] != NO_DATE and not DATE.fullmatch(text["date"]):
        raise ScenarioError(
            f"{echo(text['date'])} is not a date (expected YYYY, YYYY-MM or "
            f"YYYY-MM-DD, or {NO_DATE!r} when none is known)",
            f"{where}.date",
        )
    if not (text["title"] or text["description"]):
        raise ScenarioError(
            "missing: give the title as published or, when it is not known, "
            'title = "" and a description',
            f"{where}.title",
        )
    if text["link"] and not LINK.fullmatch(text["link"]):
        raise ScenarioError(
            f"{echo(text['link'])} is not a link (expected a whole https:// URL)", f"{where}.link"
        )
    return Publication(**text)


def table_of(raw, where: str, allowed: set[str]) -> dict:
    """``raw`` as a table whose keys are all ``allowed``."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"expected a table, got {echo(raw)}", where)
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ScenarioError(
            f"unknown key (expected one of: {', '.join(sorted(allowed))})", f"{where}.{unknown[0]}"
        )
    return raw


def text_of(table: dict, key: str, where: str, required: bool = False) -> str:
    """Return a string field: present when ``required``, never naming a local file."""
    value = table.get(key, "")
    if not isinstance(value, str):
        raise ScenarioError(f"expected text, got {echo(value)}", f"{where}.{key}")
    if required and not value.strip():
        raise ScenarioError("missing (required)", f"{where}.{key}")
    if LOCAL_FILE.search(value):
        raise ScenarioError(
            "names a local file; cite the publication (publisher, date, title) instead",
            f"{where}.{key}",
        )
    return value.strip()


def number_of(table: dict, key: str, where: str) -> float | None:
    """Return a numeric field (absent: None)."""
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ScenarioError(f"expected a number, got {echo(value)}", f"{where}.{key}")
    return value


def citation_problems(scenario: Scenario, registry: dict[str, Evidence]) -> list[str]:
    """One message per parameter citing nothing or an id not in the registry.

    Schema defaults that no file sets are exempt: each switches a mechanism off
    (no banked dies, no stockpile, a yield factor of 1, full enforcement where
    there is no quota) rather than asserting a figure.
    """
    problems = []
    for param in parameters(scenario):
        if param.default:
            continue
        if not param.evidence:
            problems.append(f"{param.path}: cites no evidence")
        for ident in param.evidence:
            if ident not in registry:
                problems.append(f"{param.path}: cites unknown evidence id {ident!r}")
    return problems
