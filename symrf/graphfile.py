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
reported. Errors name the node and the line of its ``[[node]]`` header: duplicate names, unknown inputs, cycles,
bad layers (with the column inside the node's ``layers``), unknown keys.

>>> g = read_graph('[[node]]\\nname = "a"\\nlayers = "conv(3, p=1)"\\n[[node]]\\nname = "b"\\ninputs = ["a", "input"]')
>>> analyze(g).rf, analyze(g).aligned
(3, True)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .dag import INPUT, Graph, GraphNode
from .errors import SpecError, SymrfError, quoted, shorten
from .naming import name_problem
from .network import Network
from .spec import PATH_SHOWN, parse, read_text

__all__ = ["GraphSpec", "load_graph", "read_graph"]

#: Keys a graph file may have at the top level, and in each node.
TOP_KEYS = frozenset({"name", "description", "source", "input_size", "output", "spec", "node", "nodes",
                      "published", "final_layer", "notes"})
NODE_KEYS = frozenset({"name", "layers", "inputs"})


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
        network = _graph(nodes, data.get("output"), _node_lines(text, kind), label)
    published = data.get("published")
    if published is not None and not isinstance(published, dict):
        raise SymrfError(f"{label}'published' is a table of reference values")
    return GraphSpec(
        network,
        _input_size(data.get("input_size"), label),
        _optional(data, "name", label),
        _optional(data, "description", label),
        _optional(data, "source", label),
        published,
        _optional(data, "final_layer", label),
        where,
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


def _graph(nodes: object, output: object, lines: list[int | None], label: str):

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
        built.append(GraphNode(name, op, tuple(inputs)))
    names = {node.name for node in built}
    for number, node in enumerate(built, start=1):
        for source in node.inputs:
            if source != INPUT and source not in names:
                line = lines[number - 1] if number - 1 < len(lines) else None
                at = f" (line {line})" if line else ""
                raise SymrfError(f"{label}node {number}{at} {node.name!r}: its input {quoted(source)} is not a node")
    if output is not None:
        output = _string(output, "output", label)
        if output not in names:
            raise SymrfError(f"{label}the output {quoted(output)} is not a node")
    located = {node.name: f"{node.name} (line {lines[i]})" for i, node in enumerate(built) if i < len(lines)}
    try:
        return Graph(tuple(built), output, located)
    except SymrfError as exc:
        raise SymrfError(f"{label}{exc}") from None
