"""What Jupyter shows of analyses and solutions renders in MathJax 3 as JupyterLab 4 configures it.

A corpus of networks (the seed example, symbolic chains of 5, 10 and 40 layers with and without padding and dilation,
VGG-16, repeated and nested blocks, residual networks, a network with values per axis, numeric and symbolic solves):
each ``_repr_latex_`` string, put in a node as text the way JupyterLab's LaTeX renderer does, and each
``_repr_html_`` page (the table with the derivation folded under it) is typeset by ``mathjax-full`` under node
(tests/mathjax/render.js), which reports every error node (``merror``, or an undefined control sequence drawn in red)
and any text MathJax did not take as math. Needs node and ``npm install --prefix tests/mathjax --no-audit --no-fund``
(``.ci/run`` does it); without them the tests fail, saying so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import symrf
import symrf.zoo
from symrf.cli import WORKED_EXAMPLE

FOLDER = Path(__file__).resolve().parent / "mathjax"
SCRIPT = FOLDER / "render.js"
INSTALL = "npm install --prefix tests/mathjax --no-audit --no-fund"


def chain(length: int, padded: bool) -> str:
    """``conv(k_1, s_1), ...``, with ``p=p_i, d=d_i`` when ``padded``."""
    return ", ".join(f"conv(k_{i}, s_{i}, p=p_{i}, d=d_{i})" if padded else f"conv(k_{i}, s_{i})"
                     for i in range(1, length + 1))


#: id -> the network analysed (a spec, or a function giving the analysis)
NETWORKS: dict[str, str | Callable[[], Any]] = {
    "seed": WORKED_EXAMPLE,
    **{f"chain{n}{'_padded' if padded else ''}": chain(n, padded) for n in (5, 10, 40) for padded in (False, True)},
    "vgg16": lambda: symrf.zoo.analysis("vgg16"),
    "repeat": "n * [conv(k, s)]",
    "nested_repeat": "m * [n * [conv(3)], pool(2)]",
    "residual": "conv(7, 2, p=3), 2 * [residual([conv(3, p=1), conv(3, p=1)])]",
    "residual_stack": "n * [residual([conv(3, p=1), conv(3, p=1)])]",
    "per_axis": "conv((3, 5), s=2), conv((1, 7), p=(0, 3))",
}

#: id -> the solve whose ``_repr_latex_`` is checked
SOLUTIONS: dict[str, Callable[[], Any]] = {
    "solve_numeric": lambda: symrf.solve("conv(3), pool(2, 2)", 224),
    "solve_symbolic": lambda: symrf.solve("n * [conv(k, s)]", symrf.symbol("T")),
    "solve_residual": lambda: symrf.solve("conv(7, 2, p=3), n * [residual([conv(3, p=1), conv(3, p=1)])]", 224),
    # a zoo family's closed form (not a solution, but a derivation Jupyter shows the same way)
    "family_resnet50": lambda: symrf.zoo.family("resnet50").closed_form(),
    "family_mobilenet_v2": lambda: symrf.zoo.family("mobilenet_v2").closed_form(),
}


#: effective receptive fields (symrf.erf) whose derivation Jupyter shows
ERFS = {
    "erf_numeric": "conv(3), pool(2, 2), conv(3)",
    "erf_repeat": "n * [conv(3, 2)]",
    "erf_symbolic": "conv(k_1, s_1, d=d_1), n * [conv(k, s, p=p)]",
    "erf_residual": "conv(7, 2, p=3), pool(3, 2, p=1), 2 * [residual([conv(3, p=1), conv(3, p=1)])]",
    "erf_per_axis": "conv((3, 5)), pool(2, 2)",
}

#: every item of the corpus: each network's _repr_latex_ and _repr_html_, each solution's _repr_latex_, and each
#: ERF's _repr_latex_ and _repr_html_
IDS = [f"{name}-{kind}" for name in [*NETWORKS, *ERFS] for kind in ("latex", "html")] + \
    [f"{name}-latex" for name in SOLUTIONS]


@cache
def corpus() -> dict[str, str | dict[str, str]]:
    """id -> what Jupyter gets: a ``_repr_latex_`` string (typeset as text) or ``{"html": _repr_html_()}``."""
    items: dict[str, str | dict[str, str]] = {}
    for name, network in NETWORKS.items():
        analysis = symrf.analyze(network) if isinstance(network, str) else network()
        latex = analysis._repr_latex_()
        assert latex is not None, f"{name}: no _repr_latex_"
        items[f"{name}-latex"] = latex
        items[f"{name}-html"] = {"html": analysis._repr_html_()}
    for name, solution in SOLUTIONS.items():
        items[f"{name}-latex"] = solution()._repr_latex_()
    for name, spec in ERFS.items():
        effective = symrf.erf(spec)
        latex = effective._repr_latex_()
        assert latex is not None, f"{name}: no _repr_latex_"
        items[f"{name}-latex"] = latex
        items[f"{name}-html"] = {"html": effective._repr_html_()}
    return items


def mathjax_missing() -> str | None:
    """Why MathJax cannot run here, or None."""
    if shutil.which("node") is None:
        return (f"node is not installed: these tests typeset symrf's Jupyter output with MathJax 3 under node. Install "
                f"node (20 or later) and npm, then run `{INSTALL}` in the repository (.ci/run runs it)")
    package = FOLDER / "node_modules" / "mathjax-full" / "package.json"
    if not package.exists():
        return f"mathjax-full is not installed in tests/mathjax/node_modules: run `{INSTALL}` (.ci/run does)"
    version = json.loads(package.read_text(encoding="utf-8"))["version"]
    if not version.startswith("3."):
        return f"tests/mathjax has mathjax-full {version}, not 3.x (JupyterLab 4's): run `{INSTALL}` again"
    return None


def typeset(items: list[Any]) -> list[dict[str, Any]]:
    """MathJax's report on each item (render.js), from one node process."""
    result = subprocess.run(["node", str(SCRIPT)], input=json.dumps(items), capture_output=True, text=True,
                            timeout=600, cwd=FOLDER)
    assert result.returncode == 0, f"tests/mathjax/render.js failed ({result.returncode}):\n{result.stderr}"
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def reports() -> dict[str, dict[str, Any]]:
    missing = mathjax_missing()
    if missing:
        pytest.fail(missing, pytrace=False)
    items = corpus()
    # the long derivations take seconds each: split the corpus over the processors, largest items first
    names = sorted(items, key=lambda name: -len(json.dumps(items[name])))
    workers = max(1, min(4, os.cpu_count() or 1))
    shares: list[list[str]] = [names[i::workers] for i in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        done = list(pool.map(lambda share: typeset([items[name] for name in share]), shares))
    return {name: report for share, found in zip(shares, done) for name, report in zip(share, found)}


@pytest.mark.parametrize("name", IDS)
def test_renders_in_mathjax(name, reports):
    report = reports[name]
    shown = corpus()[name]
    source = shown["html"] if isinstance(shown, dict) else shown
    excerpt = source if len(source) < 1500 else source[:1500] + " ..."
    problems = list(dict.fromkeys(report["errors"]))  # each message once, in order
    if report["leftover"]:
        problems.append(f"text MathJax did not typeset (the reader sees raw TeX): {report['leftover'][:300]!r}")
    if report["math"] == 0:
        problems.append("MathJax found no math in it")
    assert not problems, f"{name} does not render in JupyterLab's MathJax 3:\n- " + "\n- ".join(problems) + \
        f"\n--- what Jupyter gets ---\n{excerpt}"


def test_the_check_sees_errors():
    """render.js reports undefined control sequences, TeX errors, several environments in one $$ and math it did
    not find; and accepts what renders."""
    missing = mathjax_missing()
    if missing:
        pytest.fail(missing, pytrace=False)
    good, undefined, unbalanced, nested, html = typeset([
        "\\begin{align*} l &= 1 \\\\ J &= 2 \\end{align*}",
        "$$\\intertext{Checked:} l = 1$$",
        "$$\\frac{1}{$$",
        "$$\\begin{align*} a &= 1 \\end{align*} \\begin{align*} b &= 2 \\end{align*}$$",
        {"html": "<table><tr><td>1</td></tr></table><details><summary>derivation</summary>"
                 "\\begin{align*} a &amp;= 1 &lt; 2 \\end{align*}</details>"},
    ])
    assert good == {"math": 1, "errors": [], "leftover": ""}
    assert any("\\intertext" in error for error in undefined["errors"])
    assert unbalanced["math"] == 0 and unbalanced["leftover"]
    assert any("nesting" in error for error in nested["errors"])
    assert html == {"math": 1, "errors": [], "leftover": ""}
