"""Global context in graphs (GraphNode.context) and ``rf_local``: the RF of the paths that avoid global operations.

The ground truth is the brute-force graph oracle on the graph without its global paths (the local RF), and the
union of the whole input with the local window (the RF through the context).
"""

from __future__ import annotations

import json

import pytest

import symrf
from symrf.dag import Graph, GraphNode
from symrf.errors import SymrfError
from symrf.importing import GraphBuilder, unique_name

from .graph_oracle import answer, build


def se_graph() -> Graph:
    """conv 3/1 p1 -> excitation gate (global pool, 1x1 conv) multiplied in -> conv 3/1 p1 -> classifier head."""
    parse = symrf.parse
    return Graph((
        GraphNode("c1", parse("conv(3, p=1)"), ("input",)),
        GraphNode("gate", parse("global_pool(), conv(1)"), ("c1",)),
        GraphNode("mul", symrf.Network(), ("c1",), ("gate",)),
        GraphNode("c2", parse("conv(5, 2, p=2)"), ("mul",)),
        GraphNode("head", parse("global_pool(), conv(1)"), ("c2",)),
    ), output="head", aliases={"stage": "c2"})


def test_rf_local_is_the_rf_of_the_local_paths_and_rf_the_union_with_the_whole_input():
    a = symrf.analyze(se_graph(), 32)
    rows = {row.name: row for row in a}
    assert (rows["c1"].rf, rows["c1"].rf_local) == (3, 3)
    # the gate reads everything and has no local path
    assert rows["gate/global_pool1"].rf_local is None and rows["gate/conv1"].rf_local is None
    # after the gate: local window [-1, 1] joined with the whole input [0, 31]
    assert (rows["mul"].rf, rows["mul"].rf_local, rows["mul"].start) == (33, 3, -1)
    # c2: local window [-3, 3] (conv 5/2 p2 after conv 3 p1), joined with [0, 31]: [-3, 31]
    assert (rows["c2"].rf, rows["c2"].rf_local, rows["c2"].start) == (35, 7, -3)
    assert a.layer("stage").name == "c2"
    assert a.rf_local is None and a.has_global
    assert any("takes global context from gate/conv1" in note for note in a.notes)


def test_local_values_equal_the_oracle_on_the_network_without_its_global_paths():
    a = symrf.analyze(se_graph(), 64)
    for name, local in (("c1", "conv(3, p=1)"), ("mul", "conv(3, p=1)"), ("c2", "conv(3, p=1), conv(5, 2, p=2)")):
        truth = answer(build(symrf.parse(local)), 0)
        assert (a.layer(name).rf_local, a.layer(name).start) == (truth.rf, truth.first), name


def test_without_an_input_size_the_whole_input_is_a_symbol_and_a_note_asks_for_it():
    a = symrf.analyze(se_graph())
    assert str(a.layer("mul").rf) == "Max(1, n_input - 1) + 2"
    assert a.layer("mul").rf_local == 3
    assert any("give an input size" in note and "n_input" in note for note in a.notes)


def test_a_merge_of_global_and_local_paths_has_the_local_rf_of_its_local_paths():
    # parallel paths where one pools globally and is broadcast back by up-sampling (a pyramid pooling)
    a = symrf.analyze("conv(3, p=1), parallel([conv(5, p=2)], [global_pool(), upsample(16)])", 16)
    merge = a.layer("merge1")
    assert merge.rf_local == 7  # conv 3 then conv 5, the only local path
    assert merge.rf > merge.rf_local


def test_json_and_tables_show_rf_local_only_where_some_path_is_global():
    plain = symrf.analyze("conv(3), residual([conv(3, p=1)])")
    assert not plain.has_global and "rf_local" not in plain.to_dict()
    assert all(row.rf_local == row.rf for row in plain)
    data = json.loads(json.dumps(symrf.analyze(se_graph(), 32).to_dict()))
    assert data["rf_local"] is None
    assert [layer["rf_local"] for layer in data["layers"]][:4] == [3, None, None, 3]


def test_context_must_name_nodes():
    with pytest.raises(SymrfError, match="context input is a node's name"):
        GraphNode("a", symrf.Network(), ("input",), ("input",))
    with pytest.raises(SymrfError, match="not a node"):
        Graph((GraphNode("a", symrf.Network(), ("input",), ("nowhere",)),))
    with pytest.raises(SymrfError, match="alias 'x' names 'nowhere'"):
        Graph((GraphNode("a", symrf.parse("conv(3)"), ("input",)),), aliases={"x": "nowhere"})


def test_per_axis_rows_carry_rf_local_per_axis():
    b = GraphBuilder(2, (16, 12))
    x = b.layer("conv", "conv", b.input, (3, 1), (1, 1), ((1, 1), (0, 0)), (1, 1))
    gate = b.global_("pool", x)
    y = b.merge("mul", [x, gate])
    a = symrf.analyze(b.build(y), (16, 12))
    assert a.rf_local == (3, 1) and a.rf == (17, 12)


def test_builder_names_are_unique_and_merges_of_one_input_add_nothing():
    taken: set[str] = set()
    assert [unique_name("add", taken) for _ in range(3)] == ["add", "add_1", "add_2"]
    b = GraphBuilder(1, (8,))
    x = b.layer("c", "conv", b.input, (3,), (1,), ((1, 1),), (1,))
    assert b.merge("add", [x, x]) is x
