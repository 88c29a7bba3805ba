"""Graph files: a network kept under version control as TOML (or YAML, when PyYAML is installed).

A file holds either a one-line ``spec`` in the spec language, or named nodes that form a DAG; metadata is
optional. A node merges its inputs (when it has several: their outputs are added or concatenated, as in
:func:`~symrf.network.parallel`) and then applies its ``layers``, written in the spec language::

    name = "tiny-resnet"            # optional metadata: name, description, source, input_size, output
    input_size = 32                 # one value for every axis, or a list with one per axis

    [[node]]
    name = "stem"
    layers = "conv(3, p=1)"         # inputs default to the previous node (the network's input for the first)

    [[node]]
    name = "body"
    layers = "conv(3, p=1), conv(3, p=1)"

    [[node]]
    name = "add"                    # no layers: a pure merge
    inputs = ["body", "stem"]

``input`` names the network's input; ``output`` (default: the last node) names the node whose receptive field is
reported. A node's ``context`` lists nodes whose output reaches it as global context (an excitation gate:
:attr:`GraphNode.context <symrf.dag.GraphNode.context>`); the table ``[aliases]`` gives other names for nodes or
named layers (an imported model's container paths: ``"layer3" = "layer3.1.add"``). ``reports = "rf_local"`` says
that the file's values are those of the local paths (a model with excitation gates), ``[[measured]]`` holds
values measured elsewhere (one table per layer), ``unmeasured`` says why there are none. Errors name the node and
the line of its ``[[node]]`` header: duplicate names, unknown inputs, cycles, bad layers (with the column inside
the node's ``layers``), unknown keys.

:func:`write_graph` is the inverse of :func:`read_graph`: it writes a graph (an imported model) as TOML, a chain
of single-input nodes as one node of named layers.

>>> g = read_graph('[[node]]\\nname = "a"\\nlayers = "conv(3, p=1)"\\n[[node]]\\nname = "b"\\ninputs = ["a", "input"]')
>>> analyze(g).rf, analyze(g).aligned
(3, True)
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import cast

import sympy

from .dag import INPUT, Graph, GraphNode
from .errors import SpecError, SymrfError, quoted, shorten
from .layers import AxesLayer, Layer
from .naming import name_problem
from .network import Network
from .spec import PATH_SHOWN, parse, read_text

__all__ = ["GraphSpec", "dump", "load_graph", "read_graph", "write_graph"]

#: Keys a graph file may have at the top level, and in each node.
TOP_KEYS = frozenset({"name", "description", "source", "input_size", "output", "spec", "node", "nodes",
                      "published", "final_layer", "notes", "aliases", "reports", "measured", "unmeasured",
                      "endpoints", "family"})
NODE_KEYS = frozenset({"name", "layers", "inputs", "context"})
#: What ``reports`` may say: the values are those of every path (``rf``) or of the local paths (``rf_local``).
REPORTS = ("rf", "rf_local")


@dataclass(frozen=True, slots=True, eq=False)
class GraphSpec:
    """A network read from a graph file, with its metadata (``published`` holds reference values, if any)."""

    network: object  # a Network, or a symrf.graph.Graph
    input_size: object = None
    name: str | None = None
    description: str | None = None
    source: str | None = None
    published: Mapping[str, object] | None = None
    final_layer: str | None = None
    path: str | None = None
    #: ``"rf_local"`` when the file's values are those of the local paths (a model with excitation gates).
    reports: str | None = None
    #: Values measured elsewhere, one mapping per layer (``layer``, ``rf``, ``jump``, ``start``, how).
    measured: tuple[Mapping[str, object], ...] = ()
    unmeasured: str | None = None
    #: Layers that end the model's stages (names of rows or aliases).
    endpoints: tuple[str, ...] = ()


def load_graph(path: str | os.PathLike) -> GraphSpec:
    """Read the graph file at ``path`` (``.toml``; ``.yaml`` or ``.yml`` with PyYAML installed)."""
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"load_graph() takes the path of a graph file, not {type(path).__name__}")
    path = Path(path)
    text = read_text(path, "graph file")
    kind = "yaml" if path.suffix.lower() in (".yaml", ".yml") else "toml"
    return read_graph(text, kind, where=os.fspath(path))


def read_graph(text: str, kind: str = "toml", where: str | None = None) -> GraphSpec:
    """The graph described by ``text`` (TOML, or YAML with PyYAML); ``where`` names the file in errors."""
    label = f"{shorten(where, PATH_SHOWN)}: " if where else ""
    data = _load(text, kind, label)
    if not isinstance(data, dict):
        raise SymrfError(f"{label}a graph file holds a table of keys, not {type(data).__name__}")
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise SymrfError(f"{label}unknown key {quoted(unknown[0])}; a graph file has {', '.join(sorted(TOP_KEYS))}")
    nodes = data.get("node", data.get("nodes"))
    if "node" in data and "nodes" in data:
        raise SymrfError(f"{label}give the nodes as 'node' or as 'nodes', not both")
    if (nodes is None) == ("spec" not in data):
        raise SymrfError(f"{label}a graph file has either a 'spec' string or a list of nodes")
    if nodes is None:
        spec = _string(data["spec"], "spec", label)
        try:
            network: object = parse(spec)
        except SpecError as exc:
            raise SymrfError(f"{label}in 'spec': {exc}") from None
        if "output" in data:
            raise SymrfError(f"{label}'output' names a node; a file with a 'spec' has none")
    else:
        network = _graph(nodes, data.get("output"), _node_lines(text, kind), label, data.get("aliases"))
    if "aliases" in data and nodes is None:
        raise SymrfError(f"{label}'aliases' name nodes; a file with a 'spec' has none")
    published = data.get("published")
    if published is not None and not isinstance(published, dict):
        raise SymrfError(f"{label}'published' is a table of reference values")
    reports = _optional(data, "reports", label)
    if reports is not None and reports not in REPORTS:
        raise SymrfError(f"{label}'reports' is {' or '.join(map(quoted, REPORTS))}, not {quoted(reports)}")
    measured = data.get("measured", [])
    if not isinstance(measured, list) or not all(isinstance(m, dict) and isinstance(m.get("layer"), str)
                                                 for m in measured):
        raise SymrfError(f"{label}'measured' is a list of tables ([[measured]]), each with its 'layer'")
    return GraphSpec(
        network,
        _input_size(data.get("input_size"), label),
        _optional(data, "name", label),
        _optional(data, "description", label),
        _optional(data, "source", label),
        published,
        _optional(data, "final_layer", label),
        where,
        reports,
        tuple(measured),
        _optional(data, "unmeasured", label),
        _names(data.get("endpoints", []), "endpoints", label),
    )


def _load(text: str, kind: str, label: str) -> object:
    if kind == "toml":
        import tomllib

        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SymrfError(f"{label}not valid TOML: {exc}") from None
        except RecursionError:
            raise SymrfError(f"{label}the TOML is nested too deeply") from None
    if kind != "yaml":
        raise SymrfError(f"unknown graph file format {quoted(kind)}; use toml or yaml")
    try:
        import yaml
    except ImportError:
        raise SymrfError(f"{label}reading YAML needs PyYAML (pip install pyyaml); TOML needs nothing") from None
    class Loader(yaml.SafeLoader):
        """PyYAML's safe loader, refusing anchors and aliases: a few aliases can expand to gigabytes."""

        def compose_node(self, parent: object, index: object) -> object:
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                mark = event.start_mark
                raise SymrfError(f"{label}line {mark.line + 1}: YAML anchors and aliases (&name, *name) are not "
                                 "allowed in a graph file; write the values out")
            return super().compose_node(parent, index)

    try:
        return yaml.load(text, Loader=Loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        raise SymrfError(f"{label}not valid YAML: {shorten(' '.join(str(exc).split()), 200)}") from None
    except RecursionError:
        raise SymrfError(f"{label}the YAML is nested too deeply") from None


def _node_lines(text: str, kind: str) -> list[int | None]:
    """The line of each node's header (``[[node]]`` in TOML, ``- name:`` items in YAML), for error messages."""
    pattern = r"^\s*\[\[\s*nodes?\s*\]\]" if kind == "toml" else r"^\s*-\s+name\s*:"
    return [number for number, line in enumerate(text.splitlines(), start=1) if re.match(pattern, line)]


def _string(value: object, key: str, label: str) -> str:
    if not isinstance(value, str):
        raise SymrfError(f"{label}{quoted(key)} must be a string, not {quoted(value)}")
    return value


def _names(value: object, key: str, label: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SymrfError(f"{label}{quoted(key)} is a list of layer names")
    return tuple(value)


def _optional(data: dict, key: str, label: str) -> str | None:
    return None if key not in data else _string(data[key], key, label)


def _input_size(value: object, label: str) -> object:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str, list)):
        raise SymrfError(f"{label}'input_size' is an integer, a symbol or a list of them, not {quoted(value)}")
    if isinstance(value, list):
        if not value or not all(isinstance(v, (int, str)) and not isinstance(v, bool) for v in value):
            raise SymrfError(f"{label}'input_size' lists one integer or symbol per axis, not {quoted(value)}")
        return tuple(value)
    return value


def _graph(nodes: object, output: object, lines: list[int | None], label: str, aliases: object = None):

    if not isinstance(nodes, list) or not nodes:
        raise SymrfError(f"{label}the nodes must be a non-empty list of tables")
    built: list[GraphNode] = []
    seen: dict[str, str] = {}
    for number, node in enumerate(nodes, start=1):
        line = lines[number - 1] if number - 1 < len(lines) else None
        where = f"{label}node {number}" + (f" (line {line})" if line else "")
        if not isinstance(node, dict):
            raise SymrfError(f"{where}: a node is a table with name, layers and inputs")
        unknown = sorted(set(node) - NODE_KEYS)
        if unknown:
            raise SymrfError(f"{where}: unknown key {quoted(unknown[0])}; a node has {', '.join(sorted(NODE_KEYS))}")
        if "name" not in node:
            raise SymrfError(f"{where}: the node has no name")
        name = _string(node["name"], "name", f"{where}: ")
        where = f"{where} {quoted(name)}"
        problem = name_problem(name)
        if problem:
            raise SymrfError(f"{where}: the node's name {problem}; a name is printable text")
        if name == INPUT:
            raise SymrfError(f"{where}: {INPUT!r} names the network's input; give the node another name")
        if name in seen:
            raise SymrfError(f"{where}: the name {quoted(name)} is already used by {seen[name]}")
        seen[name] = where.removeprefix(label)
        inputs = node.get("inputs")
        if inputs is None:
            inputs = [built[-1].name if built else INPUT]
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not inputs or not all(isinstance(i, str) for i in inputs):
            raise SymrfError(f"{where}: 'inputs' is a non-empty list of node names")
        context = node.get("context", [])
        if isinstance(context, str):
            context = [context]
        if not isinstance(context, list) or not all(isinstance(i, str) for i in context):
            raise SymrfError(f"{where}: 'context' is a list of node names")
        layers = node.get("layers", "")
        text = _string(layers, "layers", f"{where}: ")
        try:
            op = parse(text) if text.strip() else Network()
        except SpecError as exc:
            position = re.search(r" \(at (line \d+, )?column \d+\)$", str(exc))
            message = str(exc)[: position.start()] if position else str(exc)
            spec_line = position.group(1) if position and position.group(1) else ""  # layers on several lines
            at = f" (at {spec_line}column {exc.column} of its layers)" if exc.column is not None else ""
            raise SymrfError(f"{where}: {message}{at}") from None
        try:
            built.append(GraphNode(name, op, tuple(inputs), tuple(context)))
        except SymrfError as exc:
            raise SymrfError(f"{where}: {exc}") from None
    names = {node.name for node in built}
    for number, node in enumerate(built, start=1):
        for source in node.sources:
            if source != INPUT and source not in names:
                line = lines[number - 1] if number - 1 < len(lines) else None
                at = f" (line {line})" if line else ""
                raise SymrfError(f"{label}node {number}{at} {node.name!r}: its input {quoted(source)} is not a node")
    if output is not None:
        output = _string(output, "output", label)
        if output not in names:
            raise SymrfError(f"{label}the output {quoted(output)} is not a node")
    if aliases is not None and (not isinstance(aliases, dict) or not all(isinstance(v, str) for v in aliases.values())):
        raise SymrfError(f"{label}'aliases' is a table of names: \"other name\" = \"node or layer\"")
    located = {node.name: f"{node.name} (line {lines[i]})" for i, node in enumerate(built) if i < len(lines)}
    try:
        return Graph(tuple(built), output, located, aliases or None)
    except SymrfError as exc:
        raise SymrfError(f"{label}{exc}") from None


# -- writing -----------------------------------------------------------------------------------------------------


def write_graph(graph: Graph | GraphSpec, *, header: str = "", one_axis: bool = False, **metadata: object) -> str:
    """``graph`` as a TOML graph file that :func:`read_graph` reads back into a graph that analyses alike.

    ``graph`` is a :class:`~symrf.dag.Graph` (or a :class:`GraphSpec` holding one, whose metadata are written
    unless given). ``metadata`` are top-level keys of the file (``name``, ``source``, ``input_size``, ``measured``
    ...); ``header`` is put first as comment lines. A chain of nodes that each read the one before (and are read
    by nothing else) becomes one node whose layers keep the nodes' names; nodes' ``context`` and the graph's
    ``aliases`` are kept. ``one_axis=True`` writes a layer with the same values on every axis once, when every
    layer of the graph is such a layer (a square network, analysed alike along each axis).

    >>> g = read_graph('[[node]]\\nname = "a"\\nlayers = "conv(3)"\\n[[node]]\\nname = "b"\\nlayers = "pool(2)"')
    >>> print(write_graph(g.network, name="tiny"), end="")
    name = "tiny"
    output = "b"
    <BLANKLINE>
    [[node]]
    name = "b"
    layers = "conv(3, name='a'), pool(2, name='b')"
    >>> analyze(read_graph(write_graph(g.network))).rf
    4
    """
    if isinstance(graph, GraphSpec):
        defaults = {"name": graph.name, "description": graph.description, "source": graph.source,
                    "input_size": graph.input_size, "final_layer": graph.final_layer, "reports": graph.reports,
                    "published": graph.published, "unmeasured": graph.unmeasured,
                    "measured": list(graph.measured) or None, "endpoints": list(graph.endpoints) or None}
        metadata = {**{k: v for k, v in defaults.items() if v is not None}, **metadata}
        graph = graph.network  # type: ignore[assignment]
    if not isinstance(graph, Graph):
        raise SymrfError(f"write_graph() writes a graph of nodes, not {type(graph).__name__}")
    unknown = sorted(set(metadata) - TOP_KEYS)
    if unknown or {"spec", "node", "nodes", "output", "aliases"} & set(metadata):
        bad = unknown[0] if unknown else sorted({"spec", "node", "nodes", "output", "aliases"} & set(metadata))[0]
        raise SymrfError(f"write_graph(): {quoted(bad)} is not a key it can be given")
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    tables = {key: value for key, value in metadata.items() if _is_tables(value)}
    for key, value in metadata.items():
        if value is not None and key not in tables:
            lines.append(f"{_key(key)} = {_value(value)}")
    lines.append(f"output = {_value(graph.output)}")
    for key, rows in tables.items():
        for row in rows:  # type: ignore[attr-defined]
            lines += ["", f"[[{_key(key)}]]"] + [f"{_key(k)} = {_value(v)}" for k, v in row.items()]
    flat = one_axis and _square(graph)
    previous = INPUT
    for name, items, inputs, context in _chains(graph):
        lines += ["", "[[node]]", f"name = {_value(name)}"]
        if items:
            shown = [_one_axis(item) if flat else item for item in items]
            lines.append(f"layers = {_value(', '.join(repr(item) for item in shown))}")
        if inputs != (previous,):  # the default: the node before
            lines.append(f"inputs = {_value(list(inputs))}")
        previous = name
        if context:
            lines.append(f"context = {_value(list(context))}")
    if graph.aliases:
        lines += ["", "[aliases]"] + [f"{_key(alias)} = {_value(target)}" for alias, target in graph.aliases.items()]
    return "\n".join(lines) + "\n"


def dump(graph: Graph | GraphSpec, path: str | os.PathLike, **options: object) -> None:
    """Write ``graph`` to the graph file at ``path`` (:func:`write_graph` with ``options``)."""
    Path(path).write_text(write_graph(graph, **options), encoding="utf-8")  # type: ignore[arg-type]


def _simple(node: GraphNode) -> bool:
    """Whether the node is one layer that the node's name names."""
    if len(node.op.items) != 1:
        return False
    item = node.op.items[0]
    return isinstance(item, (Layer, AxesLayer)) and item.name in (None, node.name)


def _chains(graph: Graph) -> list[tuple[str, tuple, tuple[str, ...], tuple[str, ...]]]:
    """The nodes to write: (name, items, inputs, context), chains of simple nodes that follow each other joined into
    one node of named layers named after its last layer."""
    readers: dict[str, int] = {graph.output: 1}  # type: ignore[dict-item]
    for node in graph.nodes:
        for source in node.sources:
            readers[source] = readers.get(source, 0) + 1
    chains: list[list[GraphNode]] = []  # each joined chain, in the order of the graph's nodes
    for node in graph.nodes:
        last = chains[-1] if chains else None
        if (last is not None and _simple(node) and node.inputs == (last[-1].name,) and not node.context
                and readers.get(last[-1].name) == 1 and _joinable(last[0])):  # rows keep their order
            last.append(node)
        else:
            chains.append([node])
    out = []
    for chain in chains:
        if len(chain) == 1:
            items = chain[0].op.items
        else:
            items = tuple(replace(cast("Layer | AxesLayer", member.op.items[0]), name=member.name) for member in chain)
        out.append((chain[-1].name, items, chain[0].inputs, chain[0].context))
    return out


def _joinable(head: GraphNode) -> bool:
    return _simple(head) and len(head.inputs) == 1 and not head.context


def _square(graph: Graph) -> bool:
    return all(isinstance(item, Layer) or (isinstance(item, AxesLayer) and len(set(item.axes)) == 1)
               for node in graph.nodes for item in node.op.items)


def _one_axis(item: object) -> object:
    if isinstance(item, AxesLayer):
        return replace(item.axes[0], name=item.name)
    return item


def _is_tables(value: object) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _value(value: object) -> str:
    """A TOML value: strings as JSON writes them (a subset of TOML's basic strings), numbers, lists, tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (sympy.Integer, Fraction)) and int(value) == value:
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)  # a symbol or a fraction, as text
