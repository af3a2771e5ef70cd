"""Every writer in the package goes through sim.core.files (temp file + rename).

A static check: outside sim/core/files.py and sim/results/atomic.py (output
directories built from those files) no module opens a file for
writing, calls Path.write_text/write_bytes, pandas/pyarrow writers or copies
files. Writers that need bytes (figures, Parquet, npz) build them in memory
and hand them to ``write_bytes``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "sim"
ALLOWED = {PACKAGE / "core" / "files.py", PACKAGE / "results" / "atomic.py"}
WRITING_METHODS = {
    "write_text",
    "write_bytes",
    "to_csv",
    "to_parquet",
    "to_json",
    "to_excel",
    "write_table",
    "write_dataset",
    "touch",
    "savez",
    "savez_compressed",
}
SHUTIL = {"copy", "copyfile", "copy2", "copytree", "move"}


def direct_writes(path: Path) -> list[str]:
    """``file:line: call`` for each call that writes a file without atomic.py."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        where = f"{path.parent.name}/{path.name}:{node.lineno}"
        if isinstance(func, ast.Attribute) and (
            func.attr in WRITING_METHODS
            or (func.attr in SHUTIL and getattr(func.value, "id", "") == "shutil")
        ):
            if not in_memory(node):
                found.append(f"{where}: .{func.attr}(...)")
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name == "open" and writes(node):
            found.append(f"{where}: open(..., 'w')")
    return found


def in_memory(call: ast.Call) -> bool:
    """True for calls writing to memory: ``np.savez(buffer, ...)``, ``writer.write_table(t)``."""
    if getattr(call.func, "attr", "") in ("write_table", "write_dataset"):
        return len(call.args) < 2 and all(k.arg != "where" for k in call.keywords)
    first = call.args[0] if call.args else None
    return isinstance(first, ast.Name) and first.id in ("buffer", "sink", "member", "stream")


def writes(call: ast.Call) -> bool:
    """True when an ``open`` call's mode (2nd argument or mode=) writes."""
    mode = (
        call.args[1]
        if len(call.args) > 1
        else next((k.value for k in call.keywords if k.arg == "mode"), None)
    )
    return isinstance(mode, ast.Constant) and any(c in str(mode.value) for c in "wax+")


def test_no_module_writes_files_directly():
    offenders = [
        hit
        for path in sorted(PACKAGE.rglob("*.py"))
        if path not in ALLOWED
        for hit in direct_writes(path)
    ]
    assert offenders == [], "\n".join(offenders)


def test_the_check_catches_a_direct_write(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from pathlib import Path\nimport shutil\nPath('x').write_text('y')\n"
        "open('z', 'w')\nopen('r')\nshutil.copy('a', 'b')\nx.copy()\n"
        "np.savez(buffer, a=1)\nnp.savez('out.npz', a=1)\nw.write_table(t)\n"
        "pq.write_table(t, 'r.parquet')\n"
    )
    assert len(direct_writes(sample)) == 5
