"""examples/tour.ipynb runs from top to bottom in a Jupyter kernel (nbclient, the ``python3`` kernel of ipykernel
in this Python's environment) without an error, and shows the values its text promises."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "tour.ipynb"

try:
    import nbformat
    from nbclient import NotebookClient
except ImportError as error:  # pragma: no cover - the test extra provides them
    nbformat = None
    MISSING = f"{error.name} is not installed: install the test extra (pip install -e '.[test]')"
else:
    MISSING = ""


def outputs_text(cell: dict) -> str:
    """Everything a code cell shows: streams, and every format of its results (plain text, HTML, LaTeX)."""
    shown = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            shown.append(output["text"])
        for value in output.get("data", {}).values():
            shown.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(shown)


@pytest.fixture(scope="module")
def executed():
    if MISSING:
        pytest.fail(MISSING, pytrace=False)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # first, the kernel's interpreter: the one running these tests, so the symrf under test is the one imported
    notebook.cells.insert(0, nbformat.v4.new_code_cell("import sys; print(sys.prefix)"))
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    return notebook


def test_the_kernel_is_this_python(executed):
    assert outputs_text(executed.cells[0]).strip() == sys.prefix, (
        "the python3 kernel runs another Python than the tests: install ipykernel in this environment (the test "
        "extra has it)")


def test_every_cell_runs_without_error(executed):
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert len(code) > 10
    for number, cell in enumerate(code):
        errors = [output for output in cell.get("outputs", []) if output["output_type"] == "error"]
        assert not errors, (f"code cell {number} failed:\n{cell.source}\n"
                            + "\n".join(f"{e['ename']}: {e['evalue']}" for e in errors))
        if not cell.source.startswith("import"):  # every other cell ends in a result
            assert cell.get("outputs"), f"code cell {number} shows nothing:\n{cell.source}"


@pytest.mark.parametrize("source, expected", [
    ("seed.rf, seed.jump, seed.center", "(30, 8, 29/2)"),
    ("chain.rf, chain.jump", "2*s_1"),
    ("chain.subs(k_1=3, s_1=1, k_2=3).rf", "8"),
    ('symrf.analyze("n * [conv(5)]").rf', "4*n + 1"),
    ("stack.rf", "Eq(s, 1)"),
    ("resnet.rf, resnet.rf_min, resnet.aligned", "(23, 7, True)"),
    ('symrf.analyze("n * [residual([conv(3, p=1), conv(3, p=1)])]").rf', "4*n + 1"),
    ("print(depth)", "n = 7 (RF 382 >= 224, RF(6) = 190)"),
    ("general.subs(k=3, s=2, T=224).value", "7"),
    ("effective.variance, effective.interval95", "(43/12, (0, 7), ['1/18', '1/9', '1/6', '1/6', '1/6', '1/6', '1/9', "
                                                 "'1/18'])"),
    ('symrf.erf("n * [conv(3, 2)]").sigma_ratio_limit', "sqrt(2)/6"),
])
def test_outputs_hold_the_expected_values(executed, source, expected):
    cells = [cell for cell in executed.cells if cell.cell_type == "code" and source in cell.source]
    assert cells, f"no cell of the tour runs {source!r}"
    shown = outputs_text(cells[0])
    assert expected in shown, f"{source!r} shows:\n{shown}"


def test_analyses_show_a_table_with_the_derivation_folded_under_it(executed):
    cell = next(cell for cell in executed.cells if cell.cell_type == "code" and cell.source.endswith("\nseed"))
    page = next(output["data"]["text/html"] for output in cell.outputs if "text/html" in output.get("data", {}))
    assert "<table>" in page and "<details><summary>derivation</summary>" in page
    assert "l_{7} &amp;= 26 + (2 - 1)" in page  # the derivation's last line, escaped for HTML


def test_the_erf_and_its_picture_show_inline(executed):
    table = next(cell for cell in executed.cells if cell.cell_type == "code" and cell.source.endswith("\neffective"))
    page = next(output["data"]["text/html"] for output in table.outputs if "text/html" in output.get("data", {}))
    assert "<table>" in page and "<details><summary>derivation</summary>" in page
    picture = next(cell for cell in executed.cells if cell.cell_type == "code" and "symrf.plot(" in cell.source)
    assert any("image/png" in output.get("data", {}) for output in picture.outputs)
