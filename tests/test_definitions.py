"""Tests of definitions in the spec language (issue 11, item 4): named blocks, reused by name and instantiated with
values, checked against the same network written out by hand; every refusal with its position; the caps."""

from __future__ import annotations

import re
import time

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from symrf import analyze, spec
from symrf.cli import app
from symrf.errors import SpecError, SymrfError
from symrf.graphfile import read_graph
from symrf.network import Parallel, Repeat
from symrf.spec import parse, read_spec
from symrf.symbols import symbol


def outcome(text: str) -> object:
    """What a spec gives: its network and its analysis as a dictionary, or the error it raises."""
    try:
        network = parse(text)
        return network, analyze(network).to_dict()
    except SymrfError as exc:
        return type(exc).__name__, str(exc)


def same(defined: str, written_out: str) -> None:
    """``defined`` (with definitions) gives the very network and analysis of ``written_out``."""
    result, expected = outcome(defined), outcome(written_out)
    assert not isinstance(expected[0], str), expected  # the written-out spec is valid: a test that can fail
    assert result == expected


def refused(text: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        parse(text)
    return info.value


# -- reuse --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("defined", "written_out"),
    [
        ("block = [conv(3, p=1), conv(3, p=1)]; conv(3), 4 * [residual(block)]",
         "conv(3), 4 * [residual([conv(3, p=1), conv(3, p=1)])]"),
        ("block = [conv(3), pool(2)]\nconv(5), block, block, conv(1)",
         "conv(5), conv(3), pool(2), conv(3), pool(2), conv(1)"),
        ("block = [conv(3), pool(2)]; [conv(5), [block]], n * [block], block * 2, repeat(m, block)",
         "[conv(5), [conv(3), pool(2)]], n * [conv(3), pool(2)], [conv(3), pool(2)] * 2, "
         "repeat(m, [conv(3), pool(2)])"),
        ("a = [conv(3, p=1)]; b = [parallel(a, [conv(1)], [])]; c = [a, residual(b)]; c, c",
         "conv(3, p=1), residual([parallel([conv(3, p=1)], [conv(1)], [])]), conv(3, p=1), "
         "residual([parallel([conv(3, p=1)], [conv(1)], [])])"),
        ("one = conv(3, s=2, name='c')\none, 2 * one", "conv(3, s=2, name='c'), 2 * [conv(3, s=2, name='c')]"),
        ("body = n * [conv(k, p=(k - 1)//2)]\nbody + [pool(2)] + body",
         "n * [conv(k, p=(k - 1)//2)], pool(2), n * [conv(k, p=(k - 1)//2)]"),
        ("alias = [conv(3)]; other = alias; other", "conv(3)"),
        ("wide = [conv((3, 5), s=(2, 1))]; wide, wide", "conv((3, 5), s=(2, 1)), conv((3, 5), s=(2, 1))"),
        ("unused = [pool(2)]; conv(3)", "conv(3)"),
    ],
)
def test_a_block_used_by_name_is_the_spec_written_out(defined, written_out):
    same(defined, written_out)


def test_separators_comments_and_lines():
    written_out = parse("conv(3), conv(3, p=1), conv(3, p=1), pool(2)")
    for text in [
        "b = [conv(3, p=1), conv(3, p=1)]; conv(3), b, pool(2)",
        "b = [conv(3, p=1), conv(3, p=1)];conv(3);b;pool(2);",
        "b = [conv(3, p=1), conv(3, p=1)]\nconv(3), b, pool(2)\n",
        "b = [conv(3, p=1), conv(3, p=1)]  # two convolutions\n# the network:\nconv(3)\nb\npool(2)",
        "b = [\n    conv(3, p=1),  # one\n    conv(3, p=1),  # two\n]\nconv(3), b,\npool(2)",
        "    b = [conv(3, p=1), conv(3, p=1)]\n    conv(3), b, pool(2)",  # a margin shared by every line
        "\n\nb = [conv(3, p=1),\n     conv(3, p=1)]\n\nconv(3), b, pool(2)\n\n",
    ]:
        assert parse(text) == written_out, text


# -- instantiation ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("defined", "written_out"),
    [
        ("down = [conv(k, s, p=p)]; conv(7), down(k=3, s=2, p=1), down(k=5, s=1, p=2)",
         "conv(7), conv(3, s=2, p=1), conv(5, s=1, p=2)"),
        # k is both a kernel (positive) and in a padding (non-negative): each use is replaced
        ("b = [conv(k, p=(k - 1)//2)]; b(k=2*m + 1)", "conv(2*m + 1, p=(2*m + 1 - 1)//2)"),
        ("b = [conv(k, p=(k - 1)//2)]; b(k=7)", "conv(7, p=3)"),
        ("b = [conv(k, s)]; b(k=s, s=k)", "conv(s, k)"),  # simultaneous, not one after the other
        ("b = [conv(3, p=q)]; b(q=r + 1)", "conv(3, p=r + 1)"),  # r is a padding's symbol: non-negative
        ("stage = [n * [conv(3)], pool(2)]; stage(n=3), stage(n=1), stage(n=0)",
         "3 * [conv(3)], pool(2), conv(3), pool(2), pool(2)"),
        ("stage = [n * [conv(k)]]; stage(n=m + 1)", "(m + 1) * [conv(k)]"),
        ("b = [residual([conv(k, p=p), conv(k, p=p)])]; b(k=3, p=1)", "residual([conv(3, p=1), conv(3, p=1)])"),
        ("b = [conv((k, j), s=(2, t))]; b(k=3, j=5, t=1)", "conv((3, 5), s=(2, 1))"),
        ("b = [conv(k)]; c = [b(k=3), b(k=m), b]; c", "conv(3), conv(m), conv(k)"),
        ("b = [conv(k)]; 2 * [b(k=3)], n * b(k=5)", "2 * [conv(3)], n * [conv(5)]"),
        ("b = [conv(k)]; residual(b(k=3)), parallel(b(k=1), b(k=5)), repeat(2, b(k=7))",
         "residual([conv(3)]), parallel([conv(1)], [conv(5)]), repeat(2, [conv(7)])"),
    ],
)
def test_instantiation_is_the_hand_substituted_spec(defined, written_out):
    same(defined, written_out)


def test_symbols_not_given_stay_symbols_with_their_assumptions():
    network = parse("down = [conv(k, s, p=p)]; down(k=2*m + 1), down(p=q)")
    first, second = network.items
    m, s, p, q, k = symbol("m"), symbol("s"), symbol("p", nonnegative=True), symbol("q", nonnegative=True), symbol("k")
    assert (first.kernel, first.stride, first.padding) == (2 * m + 1, s, p)
    assert (second.kernel, second.stride, second.padding) == (k, s, q)
    assert second.padding.is_nonnegative and second.padding.is_positive is None
    assert network.free_symbols == {m, s, p, q, k}


def test_a_block_is_the_same_after_an_instantiation():
    network = parse("b = [conv(k)]; b(k=3), b, b(name='x'), b")
    assert [repr(item) for item in network.items] == ["conv(3)", "conv(k)", "conv(k, name='x')", "conv(k)"]


# -- naming an end-point ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("defined", "written_out"),
    [
        ("mixed = [parallel([conv(1)], [conv(1), conv(3, p=1)], [pool(3, 1, p=1), conv(1)])]\n"
         "conv(3, 2), mixed(name='Mixed_5b'), pool(3, 2), mixed(name='Mixed_6a')",
         "conv(3, 2), parallel([conv(1)], [conv(1), conv(3, p=1)], [pool(3, 1, p=1), conv(1)], name='Mixed_5b'), "
         "pool(3, 2), parallel([conv(1)], [conv(1), conv(3, p=1)], [pool(3, 1, p=1), conv(1)], name='Mixed_6a')"),
        ("b = [conv(3), pool(2)]; b(name='end')", "conv(3), pool(2, name='end')"),
        ("b = [conv(3), residual([conv(3, p=1)])]; b(name='res')", "conv(3), residual([conv(3, p=1)], name='res')"),
        ("b = [conv(k, name='old')]; b(k=3, name='new'), b", "conv(3, name='new'), conv(k, name='old')"),
        ("b = [conv((3, 5), s=(2, 1))]; b(name='wide')", "conv((3, 5), s=(2, 1), name='wide')"),
        ("b = [pool(2), n * [conv(3)], conv(1)]; b(n=2, name='x')", "pool(2), 2 * [conv(3)], conv(1, name='x')"),
        ("b = [conv(3), n * [conv(3)]]; b(n=1, name='x')", "conv(3), conv(3, name='x')"),  # the repetition is gone
    ],
)
def test_name_names_the_last_item(defined, written_out):
    same(defined, written_out)


def test_a_named_end_point_is_a_row_of_the_analysis():
    analysis = analyze(parse("mixed = [parallel([conv(1)], [conv(3, p=1)])]\n"
                             "conv(3, 2), mixed(name='Mixed_5b'), pool(3, 2), mixed(name='Mixed_6a')"))
    assert (analysis.layer("Mixed_5b").rf, analysis.layer("Mixed_6a").rf) == (7, 19)  # 3, +2*2; then +2*2, +4*2
    assert analysis.layer("Mixed_5b").kind == "merge"


# -- definitions in files -----------------------------------------------------------------------------------------

RESNET18 = """
basic = [residual([conv(3, p=1), conv(3, p=1)])]
down = [parallel([conv(3, 2, p=1), conv(3, p=1)], [conv(1, 2)])]
conv(7, 2, p=3), pool(3, 2, p=1)
basic, basic(name='layer1')
down, basic(name='layer2')
down, basic(name='layer3')
down, basic(name='layer4')
"""
RESNET18_WRITTEN_OUT = """
conv(7, 2, p=3), pool(3, 2, p=1)
residual([conv(3, p=1), conv(3, p=1)]), residual([conv(3, p=1), conv(3, p=1)], name='layer1')
parallel([conv(3, 2, p=1), conv(3, p=1)], [conv(1, 2)]), residual([conv(3, p=1), conv(3, p=1)], name='layer2')
parallel([conv(3, 2, p=1), conv(3, p=1)], [conv(1, 2)]), residual([conv(3, p=1), conv(3, p=1)], name='layer3')
parallel([conv(3, 2, p=1), conv(3, p=1)], [conv(1, 2)]), residual([conv(3, p=1), conv(3, p=1)], name='layer4')
"""


def test_definitions_in_a_graph_files_spec():
    defined = read_graph(f'name = "resnet18"\nspec = """{RESNET18}"""\n')
    written_out = read_graph(f'name = "resnet18"\nspec = """{RESNET18_WRITTEN_OUT}"""\n')
    assert defined.network == written_out.network
    analysis = analyze(defined.network)
    assert analysis.rf == 435  # torchvision's resnet18, as the zoo has it
    assert [analysis.layer(f"layer{i}").rf for i in (1, 2, 3, 4)] == [43, 99, 211, 435]


def test_definitions_in_a_graph_files_node_layers():
    nodes = ('[[node]]\nname = "stem"\nlayers = "conv(7, 2, p=3)"\n'
             '[[node]]\nname = "body"\nlayers = """\nunit = [conv(k, p=(k - 1)//2)]\nunit(k=3), unit(k=5)\n"""\n'
             '[[node]]\nname = "add"\ninputs = ["body", "stem"]\n')
    written_out = nodes.replace('"""\nunit = [conv(k, p=(k - 1)//2)]\nunit(k=3), unit(k=5)\n"""',
                                '"conv(3, p=1), conv(5, p=2)"')
    assert analyze(read_graph(nodes).network).to_dict() == analyze(read_graph(written_out).network).to_dict()
    assert analyze(read_graph(nodes).network).rf == 7 + 2 * 2 + 4 * 2
    with pytest.raises(SymrfError) as info:
        read_graph(nodes.replace("unit(k=5)", "unit(j=5)"))
    assert str(info.value) == ("node 2 (line 4) 'body': 'j' is not a symbol of the block 'unit' (its symbols are k) "
                               "(at line 2, column 17 of its layers)")


def test_definitions_in_a_spec_file(tmp_path):
    path = tmp_path / "resnet18.spec"
    path.write_text("# resnet18 with its blocks written once\n" + RESNET18.replace("down, ", "down,  # stride 2\n"))
    assert parse(read_spec(str(path))) == parse(RESNET18_WRITTEN_OUT)


def test_the_command_line():
    runner = CliRunner()
    defined = runner.invoke(app, ["rf", "block = [conv(3, p=1), conv(3, p=1)]; conv(3), 4 * [residual(block)]"])
    written_out = runner.invoke(app, ["rf", "conv(3), 4 * [residual([conv(3, p=1), conv(3, p=1)])]"])
    assert defined.exit_code == written_out.exit_code == 0
    assert defined.output == written_out.output
    assert "19" in defined.output.splitlines()[-1]  # the network's RF: 3 + 4 * (2 + 2)
    error = runner.invoke(app, ["rf", "block = [conv(3, p=1)]; conv(3), 4 * [residual(blok)]"])
    assert error.exit_code == 2
    assert error.output.strip() == "symrf: error: unknown block 'blok'; did you mean 'block'? (at column 48)"


# -- what is refused, and where -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        # redefinition, and names that cannot be a block's
        ("a = [conv(3)]\na = [pool(2)]\na", "'a' is already defined at line 1; give this block another name", 2, 1),
        ("a = [conv(3)]; a = [pool(2)]; a", "'a' is already defined at column 1", 1, 16),
        ("conv = [conv(3)]\nconv", "'conv' is a layer function; give the block another name", 1, 1),
        ("x = [conv(3)]\nresidual = [x]\nresidual", "'residual' is a layer function", 2, 1),
        ("_a = [conv(3)]\n_a", "'_a' is not a block name (letters, digits and '_', starting with a letter)", 1, 1),
        ("a = b = [conv(3)]\na", "a definition names one block, as in block = [conv(3), conv(3)]", 1, 5),
        ("a, b = [conv(3)]\na", "a definition names one block", 1, 1),
        ("a += [conv(3)]\na", "the statement 'a += [conv(3)]' is not allowed", 1, 1),
        # a block where a value is expected
        ("block = [conv(3)]\nconv(block)", "'block' is a block of layers, not a value", 2, 6),
        ("k = [conv(3)]\nconv(3, p=k)", "'k' is a block of layers, not a value", 2, 11),
        ("k = [conv(3)]\nconv(3, p=2*k + 1)", "'k' is a block of layers, not a value", 2, 13),
        ("k = [conv(3)]\nconv(3), 2*k + 1", "only lists of layers can be added to lists of layers", 2, 10),
        ("down = [conv(k)]\nconv(down(k=3))", "expected a number or a symbol, got the block down(k=3)", 2, 6),
        ("down = [conv(k)]\ndown(k=down)", "'down' is a block of layers, not a value", 2, 8),
        ("b = [conv(3)]\nb * b", "two lists of layers cannot be multiplied", 2, 1),
        # unknown names
        ("block = [conv(3)]\nconv(3), blok", "unknown block 'blok'; did you mean 'block'?", 2, 10),
        ("block = [conv(3)]\nxyz", "unknown block 'xyz'; the blocks defined are block", 2, 1),
        ("block = [conv(3)]\nblok(k=3)", "unknown function 'blok'; did you mean 'block'?", 2, 1),
        # recursion and use before definition
        ("a = [conv(3), a]\na", "the block 'a' uses itself; a block cannot contain itself", 1, 15),
        ("a = [residual(a(k=1))]\na", "the block 'a' uses itself", 1, 15),
        ("a = [b]\nb = [conv(3)]\na", "the block 'b' is used before its definition at line 2", 1, 6),
        ("a = [conv(3), b]\nb = [a]\nb", "the block 'b' is used before its definition at line 2", 1, 15),
        ("a = [conv(3), b]; b = [a]; b", "the block 'b' is used before its definition at column 19", 1, 15),
        # instantiation
        ("down = [conv(k)]\ndown(3)", "a block takes values by keyword, as in down(k=3), not positionally", 2, 6),
        ("b = [conv(3)]\nb(3)", "a block takes values by keyword, as in b(name='x'), not positionally", 2, 3),
        ("down = [conv(k, s)]\ndown(p=1)", "'p' is not a symbol of the block 'down' (its symbols are k, s)", 2, 6),
        ("down = [conv(k, s)]\ndown(kk=1)", "'kk' is not a symbol of the block 'down'; did you mean 'k'?", 2, 6),
        ("block = [conv(3)]\nblock(k=3)",
         "the block 'block' has no symbols to give values to; only name= can be given", 2, 7),
        ("d = [conv(k)]\nd(k='3')", "a block's symbol takes a number or an expression, not the string '3'", 2, 5),
        ("d = [conv(k)]\nd(k=(3, 5))", "expected a number or a symbol, got the tuple (3, 5)", 2, 5),
        ("d = [conv(k, s)]\nd(s=0)", "d(s=0): conv: stride must be positive, got 0", 2, 1),
        ("d = [n * [conv(3)]]\nd(n=-1)", "d(n=-1): a block cannot be repeated a negative number of times (-1)", 2, 1),
        ("stage = [n * [conv(3)]]\nstage(name='s')",
         "the block 'stage' ends with a repetition (n * [conv(3)]), which cannot carry a name; end it with a layer, "
         "parallel(...) or residual(...) to name its output", 2, 7),
        ("stage = [n * [conv(3)]]\nconv(3), stage(n=0, name='s')", "stage(n=0, name='s') holds no layers to name",
         2, 21),
        ("b = [conv(3)]\nb(name=3)", "name= must be a string such as name='conv1', not 3", 2, 8),
        ("b = [conv(3)]\nb(name='a\\x00b')", "conv: the name 'a\\x00b' has the control character U+0000", 2, 8),
        # where definitions go, and what they hold
        ("conv(3)\nblock = [conv(3)]\nblock",
         "the definition of 'block' comes after the network; definitions come first, one per line or separated by "
         "';'", 2, 1),
        ("block = [conv(3)]", "the spec defines block but describes no network: write the network after the "
         "definitions, as in block = [conv(3), conv(3)]; conv(3), 2 * [block]", 1, 1),
        ("a = [conv(3)]\nb = [a]", "the spec defines a, b but describes no network", 2, 1),
        ("a = []\nconv(3)", "the block 'a' is empty", 1, 5),
        ("a = 0 * [conv(3)]; conv(3)", "the block 'a' is empty", 1, 5),
        ("a = 3\nconv(3)", "expected a layer such as conv(3), got 3", 1, 5),
        ("a = 'conv(3)'\nconv(3)", "expected a layer such as conv(3), got the string 'conv(3)'", 1, 5),
        ("a = [conv(3).x]\na", "attribute access ('.x') is not allowed in a spec", 1, 13),
        ("a = [conv(3)]\nconv(3), k", "unknown block 'k'; the blocks defined are a", 2, 10),
    ],
)
def test_refusals_name_the_problem_and_its_position(text, message, line, column):
    error = refused(text)
    assert message in str(error)
    assert "\n" not in str(error)
    assert (error.line, error.column) == (line, column)
    multiline = len([part for part in text.splitlines() if part.strip()]) > 1
    where = f"line {line}, column {column}" if multiline else f"column {column}"
    assert str(error).endswith(f"(at {where})")


def test_nothing_in_a_definition_is_run():
    for text in ["a = __import__('os').system('echo pwned'); a", "a = [conv(3)]; a.__class__", "a = [conv(3)]; a[0]",
                 "a = [conv(3)]; a()()", "a = [conv(3)]; [b for b in a]", "a = lambda: 1; a"]:
        with pytest.raises(SpecError):
            parse(text)


def test_values_are_read_as_before_without_definitions():
    with pytest.raises(SpecError) as info:
        spec.parse_value("k = 3")
    assert "the statement 'k = 3' is not allowed" in str(info.value)
    assert str(refused("conv(3), k")) == "expected a layer such as conv(3), got k (at column 10)"


# -- caps ---------------------------------------------------------------------------------------------------------


def test_a_block_counts_where_it_is_defined_and_each_time_it_is_used(monkeypatch):
    monkeypatch.setattr(spec, "MAX_LAYERS", 100)
    ten = "b = [" + ", ".join(["conv(3)"] * 10) + "]\n"
    assert len(parse(ten + ", ".join(["b"] * 9))) == 90  # 10 + 9 * 10 = 100
    error = refused(ten + ", ".join(["b"] * 10))
    assert str(error) == ("the spec holds more than 100 layers (repetitions count once; a defined block counts where "
                          "it is defined and each time it is used) (at line 2, column 28)")
    assert "more than 100 layers" in str(refused(ten.replace("conv(3)", "conv(k)") + ", ".join(["b(k=3)"] * 10)))
    assert len(parse(ten + "1000 * [b]")) == 1  # a repeated block counts once: 10 + 10 + the repetition
    # a parallel block counts with the layers it holds
    assert "more than 100 layers" in str(refused(ten + ", ".join(["residual(b)"] * 9)))


def test_blocks_of_blocks_are_refused_before_they_are_built():
    lines = ["a0 = [" + ", ".join(["conv(3)"] * 10) + "]"]
    lines += [f"a{i} = [" + ", ".join([f"a{i - 1}"] * 10) + "]" for i in range(1, 12)]  # 10**12 layers
    start = time.perf_counter()
    error = refused("\n".join(lines + ["a11"]))
    assert time.perf_counter() - start < 2.0
    assert "more than 1,000,000 layers" in str(error)
    lines = ["a0 = [conv(3, p=1)]"] + [f"a{i} = [residual(a{i - 1}), residual(a{i - 1})]" for i in range(1, 60)]
    start = time.perf_counter()
    error = refused("\n".join(lines + ["a59"]))  # 2**60 layers, nested
    assert time.perf_counter() - start < 5.0
    assert "more than 1,000,000 layers" in str(error)


def test_blocks_nest_no_deeper_than_text_can():
    depth = spec.MAX_NESTING
    lines = ["x0 = [conv(3, p=1)]"] + [f"x{i} = [residual(x{i - 1})]" for i in range(1, depth + 1)]
    assert analyze(parse("\n".join(lines + [f"x{depth}"]))).rf == 3
    lines.append(f"x{depth + 1} = [residual(x{depth})]")
    error = refused("\n".join(lines + [f"x{depth + 1}"]))
    assert str(error) == (f"the block 'x{depth + 1}' nests parallel paths and repetitions too deeply (more than "
                          f"{depth} levels) (at line {depth + 2}, column {len(f'x{depth + 1}') + 4})")
    nested = "conv(3)"
    for _ in range(depth):
        nested = f"residual([{nested}])"
    assert "nested too deeply" in str(refused(nested))  # what text alone cannot write either


def test_a_long_network_of_blocks_parses_quickly():
    text = "b = [conv(3), pool(2, 1), conv(5, p=2), residual([conv(3, p=1)])]\n" + ", ".join(["b"] * 25_000)
    start = time.perf_counter()
    network = parse(text)
    assert time.perf_counter() - start < 2.0
    assert len(network) == 100_000


# -- random blocks: a definition used m times is the block written m times -----------------------------------------

_VALUES = {"k": st.sampled_from(["1", "2", "3", "5", "k", "2*k + 1"]), "s": st.sampled_from(["1", "2", "s"]),
           "p": st.sampled_from(["0", "1", "2", "p", "(k - 1)//2"]), "d": st.sampled_from(["1", "2", "d"])}


@st.composite
def layers(draw) -> str:
    kind = draw(st.sampled_from(["conv", "pool"]))
    k, s, p, d = (draw(_VALUES[role]) for role in "kspd")
    return f"{kind}({k}, {s}, p={p}, d={d})"


@st.composite
def blocks(draw) -> str:
    """A short list of layers, some of them in a residual block."""
    parts = draw(st.lists(layers(), min_size=1, max_size=4))
    if draw(st.booleans()):
        inner = draw(st.lists(st.sampled_from(["conv(3, p=1)", "conv(1)", "pool(3, 1, p=1)", "conv(k, p=(k - 1)//2)"]),
                              min_size=1, max_size=2))
        parts.insert(draw(st.integers(0, len(parts))), f"residual([{', '.join(inner)}])")
    return ", ".join(parts)


def same_at_values(defined: str, written_out: str, values: dict[str, int]) -> None:
    """``defined`` is the very network ``written_out`` is, and their analyses agree at integer ``values`` of the
    symbols (a numeric analysis, exact and quick: the symbolic one is checked by the examples above)."""
    network = parse(defined)
    assert network == parse(written_out)
    mapping = {sym: values[sym.name] for sym in network.free_symbols}
    assert outcome(repr(network.xreplace(mapping))) == outcome(repr(parse(written_out).xreplace(mapping)))


_INTEGERS = st.fixed_dictionaries({name: st.integers(1, 4) for name in "kspdnm"})


@settings(max_examples=60, deadline=None)
@given(blocks(), st.integers(1, 4), st.sampled_from(["{}", "residual([{}])", "n * [{}]", "[conv(3), {}]"]),
       st.sampled_from(["; ", "\n"]), _INTEGERS)
def test_a_definition_used_m_times_is_the_block_written_m_times(block, m, context, separator, values):
    used = ", ".join([context.format("block")] * m)
    written = ", ".join([context.format(f"[{block}]")] * m)
    same_at_values(f"block = [{block}]{separator}conv(7), {used}", f"conv(7), {written}", values)


@settings(max_examples=60, deadline=None)
@given(blocks(), st.dictionaries(st.sampled_from("kspd"), st.sampled_from(["1", "2", "3", "m", "2*m + 1"]),
                                 min_size=1), _INTEGERS)
def test_an_instantiation_is_the_block_written_with_its_values(block, given_values, values):
    present = {name for name in given_values if re.search(rf"\b{name}\b(?!=)", block)}  # a symbol, not p= or d=
    given_values = {name: value for name, value in given_values.items() if name in present}
    if not given_values:
        return
    keywords = ", ".join(f"{name}={value}" for name, value in given_values.items())
    substituted = re.sub(r"\b[kspd]\b(?!=)", lambda match: f"({given_values.get(match.group(0), match.group(0))})",
                         block)
    same_at_values(f"block = [{block}]; conv(7), block({keywords}), block", f"conv(7), {substituted}, {block}", values)


def test_parallel_and_repeat_items_survive_an_instantiation():
    network = parse("b = [parallel([conv(k)], [pool(k, 1)], name='m'), n * [conv(k)]]; b(k=3), b(n=2)")
    merge, repetition, merge2, repetition2 = network.items
    assert isinstance(merge, Parallel) and merge.name == "m" and isinstance(repetition, Repeat)
    assert repetition.count == symbol("n") and repetition2.count == 2
    assert merge2.branches[0].items[0].kernel == symbol("k")
    assert sympy.Integer(3) == merge.branches[1].items[0].kernel
