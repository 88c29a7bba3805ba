"""The package's layers: every module has a tier and imports only downward at module level, without cycles;
function-level imports of symrf modules live only in the entry points; ``import symrf`` leaves the heavy engines
unloaded until they are used."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import symrf

PACKAGE = Path(symrf.__file__).resolve().parent

#: The tier of every module. Imports at module level go only to the same tier (without cycles) or a lower one.
TIERS = {
    # 0: vocabulary, formulas and notation
    "symrf.errors": 0, "symrf.symbols": 0, "symrf.recurrence": 0, "symrf.series": 0, "symrf.printing": 0,
    "symrf.reader": 0, "symrf.naming": 0, "symrf.axes": 0,
    # 1: the model
    "symrf.layers": 1, "symrf.network": 1, "symrf.dag": 1, "symrf.segments": 1,
    # 2: parsers
    "symrf.spec": 2, "symrf.graphfile": 2, "symrf.importing": 2, "symrf.torch_import": 2, "symrf.onnx_import": 2,
    "symrf.families": 2,
    # 3: presentation
    "symrf.latex": 3, "symrf.derivations": 3, "symrf.tables": 3,
    "symrf.family_forms": 3,
    # 4: engines
    "symrf.analysis": 4, "symrf.chain": 4, "symrf.closed_forms": 4, "symrf.graph": 4, "symrf.per_axis": 4,
    "symrf.solving": 4, "symrf.input_size": 4, "symrf.effective": 4,
    "symrf.relaxation": 4,
    # 5: entry points
    "symrf.dispatch": 5, "symrf.zoo": 5, "symrf.models": 5, "symrf.cli": 5, "symrf.__main__": 5, "symrf": 5,
    "symrf.measured": 5, "symrf.plots": 5, "symrf.searching": 5,
}
ENTRY_POINTS = 5

#: Modules that ``import symrf`` must not load: they load on first use.
LAZY = ("symrf.graph", "symrf.closed_forms", "symrf.solving", "symrf.per_axis")


@dataclass
class Imports:
    """The symrf modules a module imports, with the line of each import."""

    module_level: dict[str, int] = field(default_factory=dict)
    function_level: dict[str, int] = field(default_factory=dict)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def is_package(name: str) -> bool:
    return modules()[name].name == "__init__.py"


def targets(node: ast.Import | ast.ImportFrom, importer: str) -> list[str]:
    """The symrf modules an import statement loads (a name imported from a package counts as its submodule when
    there is one, else as the package)."""
    known = modules()
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name == "symrf" or alias.name.startswith("symrf.")]
    if node.level:
        package = importer if is_package(importer) else importer.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
        if base != "symrf" and not base.startswith("symrf."):
            return []
    found = []
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        found.append(sub if sub in known else base)
    return found


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def walk(tree: ast.Module, name: str) -> Imports:
    """The symrf modules that module ``name`` (parsed as ``tree``) imports at module level (including class bodies,
    ``try`` and ``if`` blocks, but not ``if TYPE_CHECKING:`` bodies, which are for type checkers only) and inside
    functions."""
    found = Imports()

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            where = found.function_level if in_function else found.module_level
            for target in targets(node, name):
                where.setdefault(target, node.lineno)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for child in ast.iter_child_nodes(node):
                visit(child, True)
        elif isinstance(node, ast.If) and is_type_checking(node.test):
            for child in node.orelse:
                visit(child, in_function)
        else:
            for child in ast.iter_child_nodes(node):
                visit(child, in_function)

    visit(tree, False)
    found.module_level.pop(name, None)
    found.function_level.pop(name, None)
    return found


def collect(name: str) -> Imports:
    path = modules()[name]
    return walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), name)


@cache
def all_imports() -> dict[str, Imports]:
    return {name: collect(name) for name in modules()}


def location(name: str, line: int) -> str:
    return f"{modules()[name].relative_to(PACKAGE.parent)}:{line}"


# -- the tests ------------------------------------------------------------------------------------------------------


def test_the_walk_finds_the_package_and_its_imports():
    assert {"symrf", "symrf.zoo", "symrf.dispatch", "symrf.analysis", "symrf.cli"} <= set(modules())
    imports = all_imports()
    assert "symrf.analysis" in imports["symrf.chain"].module_level
    assert "symrf.recurrence" in imports["symrf.chain"].module_level  # from . import recurrence as rec
    assert "symrf.dispatch" in imports["symrf.zoo"].module_level  # from ..dispatch import analyze
    assert "symrf.graph" in imports["symrf.dispatch"].function_level
    assert "symrf.graph" not in imports["symrf.dispatch"].module_level


def test_the_import_collector_reads_every_form():
    source = (
        "from __future__ import annotations\n"
        "import os\n"
        "import symrf.layers\n"
        "from . import recurrence as rec, axes\n"
        "from .chain import ChainAnalysis\n"
        "from symrf.errors import SymrfError\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from .graph import GraphAnalysis\n"
        "else:\n"
        "    from .naming import Namer\n"
        "try:\n"
        "    from .series import StridedSum\n"
        "except ImportError:\n"
        "    from .printing import tex\n"
        "class C:\n"
        "    from .symbols import symbol\n"
        "    def method(self):\n"
        "        from .solving import solve\n"
        "def f():\n"
        "    import symrf.per_axis\n"
    )
    found = walk(ast.parse(source), "symrf.tables")
    assert set(found.module_level) == {"symrf.layers", "symrf.recurrence", "symrf.axes", "symrf.chain", "symrf.errors",
                                       "symrf.naming", "symrf.series", "symrf.symbols", "symrf.printing"}
    assert set(found.function_level) == {"symrf.solving", "symrf.per_axis"}
    # relative imports from inside the zoo package go up one level per dot
    zoo = ast.parse("from ..dispatch import analyze\nfrom .. import errors\nfrom . import names\n").body
    assert targets(zoo[0], "symrf.zoo") == ["symrf.dispatch"]
    assert targets(zoo[1], "symrf.zoo") == ["symrf.errors"]
    assert targets(zoo[2], "symrf.zoo") == ["symrf.zoo"]


def test_every_module_has_a_tier():
    missing = sorted(set(modules()) - set(TIERS))
    assert not missing, (
        f"module(s) without a tier: {', '.join(missing)}; add each to TIERS in tests/test_tiers.py "
        f"(0 vocabulary/formulas/notation, 1 model, 2 parsers, 3 presentation, 4 engines, 5 entry points)"
    )
    stale = sorted(set(TIERS) - set(modules()))
    assert not stale, f"TIERS in tests/test_tiers.py names module(s) that no longer exist: {', '.join(stale)}"


def test_module_level_imports_go_only_downward():
    upward = []
    for name, imports in sorted(all_imports().items()):
        for target, line in sorted(imports.module_level.items()):
            if name in TIERS and target in TIERS and TIERS[target] > TIERS[name]:
                upward.append(f"{location(name, line)}: {name} (tier {TIERS[name]}) imports {target} "
                              f"(tier {TIERS[target]})")
    assert not upward, "module-level imports must not go to a higher tier:\n" + "\n".join(upward)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the directed graph, as a list of nodes that starts and ends with the same node, or None."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for following in sorted(graph.get(node, ())):
            if state.get(following) == 1:
                return stack[stack.index(following):] + [following]
            if following not in state:
                found = visit(following)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_find_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_module_level_imports_have_no_cycle():
    graph = {name: set(imports.module_level) for name, imports in all_imports().items()}
    cycle = find_cycle(graph)
    assert cycle is None, "module-level imports form a cycle: " + " -> ".join(cycle)


def test_function_level_imports_only_in_entry_points():
    found = []
    for name, imports in sorted(all_imports().items()):
        if TIERS.get(name) == ENTRY_POINTS:
            continue
        for target, line in sorted(imports.function_level.items()):
            found.append(f"{location(name, line)}: {name} (tier {TIERS.get(name)}) imports {target} in a function")
    assert not found, ("only entry points (tier 5) may import symrf modules inside functions; import at module "
                       "level, downward:\n" + "\n".join(found))


def test_function_level_imports_of_entry_points_go_to_modules_that_exist():
    for name, imports in all_imports().items():
        for target, line in imports.function_level.items():
            assert target in modules(), f"{location(name, line)}: {target} is not a module of symrf"


def loaded_by_import_symrf() -> list[str]:
    code = "import json, sys, symrf; print(json.dumps(sorted(m for m in sys.modules if m.startswith('symrf'))))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=PACKAGE.parent)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_import_symrf_leaves_the_engines_beyond_the_chain_unloaded():
    loaded = loaded_by_import_symrf()
    print("import symrf loads:", ", ".join(loaded))  # shown with pytest -s: what the package import costs
    assert {"symrf", "symrf.analysis", "symrf.chain", "symrf.dispatch"} <= set(loaded)
    early = [name for name in LAZY if name in loaded]
    assert not early, f"import symrf loads {', '.join(early)}; they should load on first use (loaded: {loaded})"
    assert set(loaded) <= set(modules()), "only modules of the package start with 'symrf'"


def test_the_lazy_engines_load_on_first_use():
    code = (
        "import json, sys, symrf\n"
        "symrf.analyze('residual([conv(3, p=1)])'); symrf.analyze('n * [conv(3)]'); symrf.analyze('conv((3, 5))')\n"
        "_ = symrf.solve\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('symrf'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=PACKAGE.parent)
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert set(LAZY) <= loaded
