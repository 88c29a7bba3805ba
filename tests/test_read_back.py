"""Every printed value reads back exactly: each JSON string value, read with ``sympy.parse_expr(text,
local_dict=...)`` built from the output's ``symbols`` list, is the analysis's own value, whatever the symbols are
called, including every name sympy predefines (``E``, ``I``, ``S``, ``N``, ``Q``, ``O``, ``pi``, ``beta``,
``gamma``, ``zeta`` ...); names that printed formulas use themselves (``floor``, ``Max`` ...) are refused."""

from __future__ import annotations

import builtins
import json
import keyword

import pytest
import sympy
import sympy.abc
from sympy.parsing.sympy_parser import parse_expr
from typer.testing import CliRunner

import symrf
from symrf import tables
from symrf.cli import app
from symrf.errors import SpecError
from symrf.reader import parse_value
from symrf.spec import FUNCTIONS, parse
from symrf.symbols import NAME_PATTERN, RESERVED_NAMES, symbol

runner = CliRunner()


def writable(name: str) -> bool:
    """Whether a user can write ``name`` as a symbol in a spec."""
    return (bool(NAME_PATTERN.match(name)) and not keyword.iskeyword(name) and name not in RESERVED_NAMES
            and name not in FUNCTIONS)


#: Names sympy also defines as constants or functions, which the issue found read back wrongly.
CLASHING = ["E", "I", "N", "O", "Q", "S", "beta", "gamma", "lamda", "pi", "zeta"]
#: The names of ``sympy.abc`` (every letter and the Greek letters, ``lambda`` spelt ``lamda``) and every other name
#: that ``parse_expr`` knows without a ``local_dict``: sympy's namespace and Python's builtins.
ABC = sorted(name for name in dir(sympy.abc) if isinstance(getattr(sympy.abc, name), sympy.Symbol) and writable(name))
PREDEFINED = sorted({name for name in (*ABC, *sympy.__all__, *dir(builtins)) if writable(name)})


def local_names(data: dict) -> dict[str, sympy.Symbol]:
    """The read-back recipe of docs/cli.md: each name of ``symbols`` with its assumptions, and nothing else."""
    return {entry["name"]: sympy.Symbol(**entry) for entry in data["symbols"]}


def read(text: str, local: dict[str, sympy.Symbol]) -> sympy.Basic:
    return parse_expr(text, local_dict=dict(local))


def raw_dict(analysis, **options) -> dict:
    """``to_dict`` with the exact values in place of their JSON forms (same keys, same nesting)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tables, "json_value", lambda value: value)
        return analysis.to_dict(**options)


#: Heads compared argument by argument: a branch, a maximum or a condition must read back as the same one.
STRUCTURES = (sympy.Piecewise, sympy.Max, sympy.Min, sympy.floor, sympy.ceiling, sympy.Mod, sympy.log,
              sympy.logic.boolalg.BooleanFunction, sympy.core.relational.Relational, sympy.Tuple,
              sympy.functions.elementary.piecewise.ExprCondPair)


def same(read_back: sympy.Basic, value: sympy.Basic) -> bool:
    """Whether ``read_back`` is ``value``: the same tree of branches, maxima, floors and conditions, with leaves
    that are equal polynomials or rational functions (an engine may keep ``2*(s**n - 1)`` factored, which sympy's
    parser evaluates to ``2*s**n - 2``)."""
    if read_back == value:
        return True
    if isinstance(value, STRUCTURES) or isinstance(read_back, STRUCTURES):
        return (type(read_back) is type(value) and len(read_back.args) == len(value.args)
                and all(same(a, b) for a, b in zip(read_back.args, value.args)))
    return sympy.cancel(read_back - value) == 0


def check(printed: object, value: object, local: dict[str, sympy.Symbol], where: str = "") -> int:
    """Compare a JSON value with the exact value it prints, recursively; the number of strings read back."""
    if isinstance(printed, dict):
        assert isinstance(value, dict) and list(printed) == list(value), where
        return sum(check(printed[key], value[key], local, f"{where}.{key}") for key in printed)
    if isinstance(printed, list):
        assert isinstance(value, (list, tuple)) and len(printed) == len(value), where
        return sum(check(p, v, local, f"{where}[{i}]") for i, (p, v) in enumerate(zip(printed, value)))
    if isinstance(printed, str) and isinstance(value, sympy.Basic):
        read_back = read(printed, local)
        assert not read_back.is_Integer, f"{where}: the integer {printed!r} is a string, not a JSON integer"
        assert read_back.free_symbols <= set(local.values()), f"{where}: {printed!r} has a symbol not in symbols"
        assert same(read_back, value), f"{where}: {printed!r} reads back as {read_back}, not {value}"
        return 1
    if isinstance(printed, bool) or printed is None or isinstance(printed, str):
        assert printed == value, f"{where}: {printed!r} != {value!r}"
        return 0
    assert type(printed) is int, f"{where}: {printed!r} is neither an integer nor a string"
    assert printed == value, f"{where}: {printed!r} != {value!r}"
    return 0


def networks(x: str) -> list[tuple[str, object]]:
    """Networks (spec, input size) that use ``x`` as a kernel, stride, padding, count and input size: a chain,
    closed forms (a ``Piecewise`` in ``Eq(x, 1)``), merges (``Max``), per-axis values, 'same' padding (``ceiling``)
    and floors of sizes."""
    size = "M" if x == "N" else "N"
    return [
        (f"conv({x}, s=2), pool(2), n * [conv(3)]", size),
        (f"conv({x}, s=2, p=1), pool(2), conv(3, p={x})", x),
        (f"n * [conv(3, s={x})], conv({x})", None),
        (f"{x} * [conv(k, s)], conv(3)", None),
        (f"residual([conv({x}, p=1)])", None),
        (f"parallel([conv(3, p=1)], [conv({x}, p=({x} - 1)//2)]), conv(3, s=2)", x),
        (f"conv(({x}, 3), s=(2, {x}), p=(0, {x})), conv(3)", (size, x)),
        (f"conv({x}, s=2, p='same'), conv(3, s={x}, p='same')", size),
    ]


def check_analysis(spec: str, size: object, **options) -> int:
    analysis = symrf.analyze(spec, size)
    data = json.loads(json.dumps(analysis.to_dict(**options)))
    return check(data, raw_dict(analysis, **options), local_names(data), spec)


@pytest.mark.parametrize("name", CLASHING)
def test_every_value_reads_back_with_a_name_sympy_defines(name: str):
    read_back = sum(check_analysis(spec, size, paths=True) for spec, size in networks(name))
    assert read_back > 100


def test_the_names_the_issue_lists_are_tested():
    assert set(CLASHING) <= set(ABC) and len(ABC) == 76
    assert set("ABCDEFGHIJKLMNOPQRSTUVWXYZ") | {"alpha", "omega", "zeta"} <= set(PREDEFINED)
    assert {"Lambda", "Sum", "Symbol", "print", "range"} & set(PREDEFINED) == {"Lambda", "Sum", "print", "range"}
    assert len(PREDEFINED) > 1000


@pytest.mark.parametrize("start", range(0, len(PREDEFINED), 128))
def test_every_name_sympy_or_python_predefines_reads_back(start: int):
    """Every predefined name, eight to a chain, as a kernel, a stride, a padding and a dilation."""
    names = PREDEFINED[start : start + 128]
    for i in range(0, len(names), 8):
        a, b, c, d, e, f, g, h = (names[i:] + PREDEFINED)[:8]
        assert check_analysis(f"conv({a}, s={b}, p={c}), conv({d}, s={e}, p={f}), pool({g}, s=2, d={h})", None) > 8


def test_nested_form_reads_back():
    for name in ("E", "S", "gamma", "lamda"):
        analysis = symrf.analyze(f"conv({name}, s={name}), conv(3, s=2), conv({name}, p=q), pool(2)", None)
        data = json.loads(json.dumps(analysis.to_dict(form="nested", edges=True)))
        assert data["layers"][-1]["rf"] != analysis.to_dict(form="flat")["layers"][-1]["rf"]
        assert check(data, raw_dict(analysis, form="flat", edges=True), local_names(data)) > 20


@pytest.mark.parametrize("name", ["E", "I", "N", "pi", "zeta"])
def test_cli_json_reads_back(name: str):
    for spec, size in networks(name):
        sizes = [] if size is None else ["--input-size", ",".join(size) if isinstance(size, tuple) else size]
        result = runner.invoke(app, ["rf", spec, "--json", "--paths", "--edges", *sizes])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        check(data, raw_dict(symrf.analyze(spec, size), paths=True, edges=True), local_names(data), spec)


@pytest.mark.parametrize(("spec", "target", "unknown"), [
    ("n * [conv(k, s)]", "T", None), ("n * [conv(E, S)]", "I", None), ("conv(3), n * [conv(pi, s=gamma)]", "Q", "n"),
    ("conv(beta), pool(2), conv(beta)", "N", "beta"), ("conv(3), pool(2)", "10**30", None),
])
def test_solve_json_reads_back(spec: str, target: str, unknown: str | None):
    arguments = ["solve", spec, "--target", target, "--json", *([] if unknown is None else ["--for", unknown])]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    local = local_names(data)
    solution = symrf.solve(spec, parse_value(target, "target"), unknown)
    assert local[data["symbol"]] == solution.symbol
    check(data["value"], solution.value, local, "value")
    check(data["rf"], solution.rf, local, "rf")
    for printed, condition in zip(data.get("conditions", []), solution.conditions, strict=True):
        assert read(printed, local) == condition, printed


def test_symbols_carry_their_assumptions():
    data = symrf.analyze("conv(k, s, p=p), conv(3, p=k), pool(2)", "N").to_dict()
    assert data["symbols"] == [
        {"name": "N", "integer": True, "positive": True},
        {"name": "k", "integer": True, "positive": True},
        {"name": "p", "integer": True, "nonnegative": True},
        {"name": "s", "integer": True, "positive": True},
    ]
    assert [sympy.Symbol(**entry) for entry in data["symbols"]] == [
        symbol("N"), symbol("k"), symbol("p", nonnegative=True), symbol("s")]
    assert symrf.analyze("conv(3)", 32).to_dict()["symbols"] == []
    keys = list(symrf.analyze("n * [conv(3)]", None).to_dict())
    assert keys[keys.index("notes") + 1] == "symbols"


def test_a_symbol_an_engine_introduces_is_listed():
    analysis = symrf.analyze("conv(3), global_pool(), conv(1)")
    data = analysis.to_dict()
    assert [entry["name"] for entry in data["symbols"]] == ["n_global_pool1"]
    assert check(data, raw_dict(analysis), local_names(data)) > 5


@pytest.mark.parametrize("name", sorted(RESERVED_NAMES))
def test_names_printed_formulas_use_are_refused(name: str):
    kind = RESERVED_NAMES[name]
    message = f"{name!r} is {kind} in printed formulas; use another name"
    with pytest.raises(SpecError, match=message):
        parse(f"conv(3), conv({name}, s=2)")
    with pytest.raises(SpecError, match=message):
        symbol(name)
    with pytest.raises(SpecError, match=message):
        symrf.conv(sympy.Symbol(name, integer=True, positive=True))
    result = runner.invoke(app, ["rf", f"conv({name})"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"symrf: error: {message} (at column 6)"]
