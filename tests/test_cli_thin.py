"""The command line is thin: each command builds its options by keyword, makes one library
call, and writes no file itself (static checks over sim/interfaces/cli)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CLI = Path(__file__).resolve().parents[1] / "sim" / "interfaces" / "cli"
EXPERIMENTS = ("sweep", "sensitivity", "discover", "calibrate")
WRITERS = {"write_text", "write_bytes", "staged_directory", "savefig", "write_calibrated"}


def tree(name: str) -> ast.Module:
    return ast.parse((CLI / f"{name}.py").read_text("utf-8"))


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_options_objects_are_built_by_keyword(name):
    calls = [
        node
        for node in ast.walk(tree(name))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "").endswith(("Options", "Execution", "Settings"))
    ]
    assert calls, "the command builds no options object"
    for call in calls:
        assert not call.args, f"{call.func.id}(...) takes positional arguments"


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_one_library_call_does_the_work(name):
    calls = [
        node
        for node in ast.walk(tree(name))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "execute"
    ]
    assert len(calls) == 1


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_no_cli_module_writes_files(name):
    module = tree(name)
    imported = {
        alias.name
        for node in ast.walk(module)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    called = {
        getattr(node.func, "attr", getattr(node.func, "id", ""))
        for node in ast.walk(module)
        if isinstance(node, ast.Call)
    }
    assert not (imported | called) & WRITERS
    assert "open" not in called
