"""Issue 20: sim's API in a real Jupyter kernel, as a notebook user calls it.

The notebook is generated here, executed by nbclient (an ipykernel kernel) in
a folder with no scenarios/, and its outputs read back: the result shows as a
small HTML table, ``.summary`` is a DataFrame, a bad argument is one line.
"""

from __future__ import annotations

import os
from pathlib import Path

import ipykernel  # noqa: F401  (the kernel; the test extras install it, nbclient, nbformat)
import nbclient
import nbformat
import pytest

import sim

CELLS = [
    "import sim",
    "result = sim.run(reps=20, seed=5, quota=[0.7, '0.70', 'announced'], explain_reps=0)\nresult",
    "table = result.summary\nprint(type(table).__name__, sorted(set(table['quota'])), len(table))",
    "try:\n    sim.run(quota='70%')\nexcept sim.ScenarioError as err:\n    print('refused:', err)",
    "help(sim.run)",
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook after a run in a fresh kernel, in a folder with no scenarios/."""
    folder = tmp_path_factory.mktemp("notebook")
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nbformat.write(book, folder / "api.ipynb")
    root = str(Path(sim.__file__).resolve().parents[1])  # the kernel imports the sim under test
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [root, old]))
    try:
        client = nbclient.NotebookClient(
            nbformat.read(folder / "api.ipynb", as_version=4),
            timeout=300,
            kernel_name="python3",
            resources={"metadata": {"path": str(folder)}},
        )
        done = client.execute()
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old
    assert sorted(p.name for p in folder.iterdir()) == ["api.ipynb"]  # nothing written
    return done


def outputs(book, index: int) -> list[dict]:
    return book.cells[index].outputs


def stream(book, index: int) -> str:
    return "".join(o.get("text", "") for o in outputs(book, index) if o.output_type == "stream")


@pytest.mark.slow
def test_no_cell_fails(executed):
    for cell in executed.cells:
        assert all(o.output_type != "error" for o in cell.outputs), cell.outputs


def test_the_result_shows_as_a_small_table(executed):
    shown = [o for o in outputs(executed, 1) if o.output_type == "execute_result"]
    assert len(shown) == 1
    data = shown[0]["data"]
    markup, text = data["text/html"], data["text/plain"]
    assert markup.startswith("<table") and markup.count("<tr>") == 1 + 2  # head, two levels
    assert "announced" in markup and "0.7" in markup
    assert len(markup) < 2048 and len(text) < 2048 and text.startswith("<sim.Result baseline")


def test_summary_is_a_dataframe_of_the_normalised_levels(executed):
    assert stream(executed, 2).startswith("DataFrame ['0.7', 'announced'] ")


def test_a_bad_argument_is_one_line_in_the_cli_words(executed):
    line = stream(executed, 3).strip()
    assert line == "refused: quota: expected \"announced\" or a share in [0, 1], got '70%'"


def test_help_shows_the_signature_and_the_error_type(executed):
    text = stream(executed, 4)
    assert "run(scenario:" in text and "explain_reps" in text and "*args" not in text
    assert "ScenarioError" in text and "baseline" in text
