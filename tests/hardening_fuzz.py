"""Hypothesis strategies for fuzzing scenario files: mutations of the baseline tree.

A case is a list of mutations applied to the baseline's raw TOML tree, plus
optional raw text prepended to the document (for nesting deeper than a TOML
writer can recurse) and an ``extends`` target chosen among awkward files
prepared by :func:`prepare_dir`.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from hardening_support import BASELINE, baseline_raw, write_scenario
from hypothesis import strategies as st


def _paths(node, prefix=()) -> list[tuple]:
    out = []
    if isinstance(node, dict):
        for key, child in node.items():
            out.append((*prefix, key))
            out.extend(_paths(child, (*prefix, key)))
    return out


def _get(node, path):
    for key in path:
        node = node[key]
    return node


PATHS = _paths(baseline_raw())
TABLES = [()] + [p for p in PATHS if isinstance(_get(baseline_raw(), p), dict)]
NUMBERS = [
    p
    for p in PATHS
    if isinstance(_get(baseline_raw(), p), (int, float))
    and not isinstance(_get(baseline_raw(), p), bool)
]
DATES = [
    p
    for p in PATHS
    if isinstance(_get(baseline_raw(), p), str)
    and len(_get(baseline_raw(), p)) == 7
    and _get(baseline_raw(), p)[4] == "-"
]

odd_text = st.text(max_size=12)
odd_keys = st.one_of(
    odd_text,
    st.sampled_from(
        [
            "",
            "dist",
            "value",
            "evidence",
            "low",
            "mode",
            "high",
            "2024",
            "２０２４",
            "2023-06",
            "national",
            "extends",
            "name",
            "a.b",
            "new\nline",
            "tab\there",
            "🚀",
            "ﬁ",
            "é",
        ]
    ),
)
odd_months = st.sampled_from(
    [
        "2025-13",
        "2025-00",
        "0000-01",
        "9999-12",
        "2025-6",
        "２０２５-０６",
        "2025-06\n",
        " 2025-06",
        "2025/06",
        "2023-01",
        "2027-12",
        "2022-12",
        "2028-01",
        "",
        "announced",
    ]
)
huge_ints = st.sampled_from([2**63, 2**63 - 1, -(2**63) - 1, 10**20, 10**400, -(10**400)])
special_floats = st.sampled_from(
    [math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, 1e15, 1e16, -0.0, 1.0000000001]
)
scalars = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6),
    huge_ints,
    st.floats(allow_nan=True, allow_infinity=True),
    special_floats,
    st.booleans(),
    odd_text,
    odd_months,
    st.dates(),
    st.times(),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
)
values = st.recursive(
    scalars,
    lambda kids: st.one_of(st.lists(kids, max_size=3), st.dictionaries(odd_keys, kids, max_size=3)),
    max_leaves=6,
)
factors = st.one_of(
    st.sampled_from([0, -1, 1e-20, 1e12, 1e300, math.nan, math.inf]),
    st.floats(min_value=-10, max_value=10),
)

mutation = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(PATHS), values),
    st.tuples(st.just("delete"), st.sampled_from(PATHS)),
    st.tuples(st.just("insert"), st.sampled_from(TABLES), odd_keys, values),
    st.tuples(st.just("scale"), st.sampled_from(NUMBERS), factors),
    st.tuples(st.just("date"), st.sampled_from(DATES), odd_months),
)
EXTENDS = [
    "missing.toml",
    "/etc/passwd",
    "/dev/zero",
    "/dev/null",
    ".",
    "..",
    "dir.toml",
    "case.toml",
    "binary.toml",
    "nul.toml",
    "empty.toml",
    "chain0.toml",
    "huge.toml",
    "plain.txt",
    "/proc/self/status",
    str(BASELINE),
    12345,
    ["baseline.toml"],
]
prefixes = st.one_of(
    st.just(""),
    st.builds(
        lambda n, c: "deep = " + c[0] * n + "1" * (c[0] == "{a = ") + c[1] * n + "\n",
        st.sampled_from([5, 200, 3000]),
        st.sampled_from([("[", "]"), ("{a = ", "}")]),
    ),
    st.sampled_from(
        [
            "x = 1" + "0" * 5000 + "\n",
            "x = 0x" + "f" * 500 + "\n",
            "= 1\n",
            "a = 1\na = 2\n",
            "[run]\n[run]\n",
            'x = "\\ud800"\n',
        ]
    ),
)

cases = st.fixed_dictionaries(
    {
        "mutations": st.lists(mutation, min_size=1, max_size=3),
        "prefix": prefixes,
        "extends": st.one_of(st.none(), st.sampled_from(EXTENDS)),
    }
)


def apply(raw: dict, mutations: list[tuple]) -> dict:
    """Apply mutations in order; one whose path no longer exists is skipped."""
    for op, path, *args in mutations:
        parent, key = _parent(raw, path) if path else (None, None)
        if path and parent is None:
            continue
        if op == "set":
            parent[key] = args[0]
        elif op == "delete":
            del parent[key]
        elif op == "insert":
            table = parent[key] if path else raw
            if isinstance(table, dict):
                table[args[0]] = args[1]
        elif op == "scale" and isinstance(parent[key], (int, float)):
            parent[key] = parent[key] * args[0]
        elif op == "date":
            parent[key] = args[0]
    return raw


def _parent(raw: dict, path: tuple):
    node = raw
    for key in path[:-1]:
        if not isinstance(node, dict) or key not in node:
            return None, None
        node = node[key]
    if not isinstance(node, dict) or path[-1] not in node:
        return None, None
    return node, path[-1]


def prepare_dir(tmp: Path) -> None:
    """The awkward files an ``extends`` may name, beside the case file."""
    (tmp / "dir.toml").mkdir()
    (tmp / "binary.toml").write_bytes(b"\xff\xfe\x00name = 1")
    (tmp / "nul.toml").write_bytes(b'name = "a"\x00\n')
    (tmp / "empty.toml").write_text("")
    (tmp / "plain.txt").write_text('name = "x"\n')
    (tmp / "huge.toml").write_bytes(b"#" * (5 * 2**20))
    for i in range(10):  # a chain ten files long: deeper than MAX_EXTENDS
        nxt = f'extends = "chain{i + 1}.toml"\n' if i < 9 else f'extends = "{BASELINE}"\n'
        (tmp / f"chain{i}.toml").write_text(nxt)


def write_case(tmp: Path, case: dict) -> tuple[Path, dict]:
    """Write the case's scenario file; return it and the mutated tree."""
    raw = apply(baseline_raw(), case["mutations"])
    if case["extends"] is not None:
        raw["extends"] = case["extends"]
    path = write_scenario(tmp / "case.toml", raw)
    if case["prefix"]:
        path.write_text(case["prefix"] + path.read_text("utf-8"), encoding="utf-8")
    return path, raw


benign_mutation = st.one_of(
    st.tuples(st.just("scale"), st.sampled_from(NUMBERS), st.floats(min_value=0, max_value=1.5)),
    st.tuples(
        st.just("date"),
        st.sampled_from(DATES),
        st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2023, 2027), st.integers(1, 12)),
    ),
    st.tuples(
        st.just("delete"),
        st.sampled_from(
            [
                p
                for p in PATHS
                if p[0] in ("events", "grey_market", "description")
                or p[-1] in ("quota", "enforcement", "closes", "fabs", "stockpile_units")
            ]
        ),
    ),
    st.tuples(
        st.just("set"), st.just(("run", "allocation")), st.sampled_from(["pro_rata", "quota_first"])
    ),
)
benign_cases = st.fixed_dictionaries(
    {
        "mutations": st.lists(benign_mutation, min_size=1, max_size=4),
        "prefix": st.just(""),
        "extends": st.none(),
    }
)
