"""The spec language: a network written in the Python API's own call syntax, read safely.

A spec such as ``conv(3), pool(2, 2), n * [conv(k, p=(k - 1)//2)]`` is parsed with :mod:`ast` and evaluated by a
small interpreter that accepts only a whitelist of node types: calls of the functions in :data:`FUNCTIONS`, lists
and tuples of them, repetitions ``n * [...]``, and values made of integer literals, symbol names and
``+ - * / // **``. Nothing is ever passed to ``eval``, ``exec`` or ``sympify``. Every problem raises
:class:`~symrf.errors.SpecError` with the position of the offending part, and sizes are capped (text length,
number of syntax elements, nesting depth, digits of numbers, repetition counts) so that no input can hang the parser
or exhaust memory.

A spec may span several lines (for instance in a file read by :func:`read_spec`); its layers are separated by commas
or by line breaks.

A spec may start with definitions, one per line or separated by ``;``: ``block = [conv(3, p=1), conv(3, p=1)]``
names a block (a list of layers, or one item), and the definitions after it and the network use it by name
(``conv(3), 4 * [residual(block)]``), where its items stand as if written out. Called with keyword values, a block
stands with its symbols of those names replaced (``down(k=3, s=2, p=1)`` for ``down = [conv(k, s, p=p)]``), and
``name='x'`` names its last item, the block's output. Redefinitions, unknown names, recursion, a block used as a
value and a definition after the network are refused with their position. A block counts toward
:data:`MAX_LAYERS` where it is defined and each time it is used, and blocks nest at most :data:`MAX_NESTING` levels
of parallel paths and repetitions, so that a short text of blocks of blocks cannot describe an enormous network.
"""

from __future__ import annotations

import ast
import difflib
import inspect
import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path
from typing import NoReturn

import sympy

from .errors import SpecError, SymrfError, quoted
from .layers import PADDING_MODES, AxesLayer, Layer, conv, convt, global_pool, pool, upsample
from .network import ITEMS, Network, Parallel, Repeat, parallel, repeat, residual
from .reader import MAX_DEPTH, MAX_DIGITS, MAX_NODES, MAX_SYMBOLIC_EXPONENT, MAX_TEXT, TextReader, parse_value
from .symbols import NAME_PATTERN, Value

__all__ = [
    "FUNCTIONS", "MAX_DEPTH", "MAX_DIGITS", "MAX_LAYERS", "MAX_NESTING", "MAX_NODES", "MAX_SYMBOLIC_EXPONENT",
    "MAX_TEXT", "PARAMETER_ROLES", "STRING_PARAMETERS", "definitions", "parse", "parse_value", "read_spec",
]

#: The functions a spec may call, by name. A new layer kind is one entry here (plus an entry in
#: :data:`PARAMETER_ROLES` if one of its parameters has a name not listed there).
FUNCTIONS: dict[str, Callable[..., object]] = {
    "conv": conv,
    "pool": pool,
    "repeat": repeat,
    "convt": convt,
    "upsample": upsample,
    "global_pool": global_pool,
    "parallel": parallel,
    "residual": residual,
}

#: Role of an argument, by parameter name: a value role of :mod:`symrf.symbols` ("kernel", "stride", ...) that
#: decides the assumptions of the symbols in the argument, ``"layers"`` for an argument that holds layers, or
#: ``"text"`` for a string argument. Parameters not listed here are positive values (role "size").
PARAMETER_ROLES: dict[str, str] = {
    "k": "kernel",
    "s": "stride",
    "p": "padding",
    "d": "dilation",
    "count": "count",
    "layers": "layers",
    "body": "layers",
    "branches": "layers",
    "blocks": "layers",
    "name": "text",
}

#: Parameters whose value may be a string literal, passed through unchanged (``name='conv1'``, ``p='same'``).
STRING_PARAMETERS = frozenset({"name", "p"})

#: Deepest nesting of parallel paths and repetitions in a defined block: as deep as text alone can nest them (each
#: level takes at least two of the :data:`MAX_DEPTH` levels of syntax); blocks used inside blocks could go deeper.
MAX_NESTING = MAX_DEPTH // 2

#: Most layers (and repeated and parallel blocks) a spec may hold. A repeated block's body counts once (it is never
#: unrolled); a defined block counts where it is defined and again each time it is used.
MAX_LAYERS = 1_000_000

_LAYERS = "layers"
_TEXT = "text"
_DEFAULT_ROLE = "size"

#: Names of value roles, used to suggest ``s`` for a misspelt ``stride=``.
_ROLE_ALIASES = {"kernel_size": "kernel", "size": "kernel", "times": "count", "n": "count"}

_COMMENT = re.compile(r"""("(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*')|#[^\r\n]*""")

#: Layers that take their kernel and stride positionally and the rest by keyword: their parameters in order.
_KEYWORD_AFTER_STRIDE = {"conv": ("k", "s", "p", "d"), "pool": ("k", "s", "p", "d"), "convt": ("k", "s", "p", "d")}

#: PyTorch's parameters of a convolution (``Conv2d``), a transposed one, and pools, in PyTorch's order, each with
#: the spec parameter it becomes (None: it does not matter for receptive fields).
_TORCH_CONV = (("in_channels", None), ("out_channels", None), ("kernel_size", "k"), ("stride", "s"),
               ("padding", "p"), ("dilation", "d"), ("groups", None), ("bias", None))
_TORCH_CONVT = (("in_channels", None), ("out_channels", None), ("kernel_size", "k"), ("stride", "s"),
                ("padding", "p"), ("output_padding", None), ("groups", None), ("bias", None), ("dilation", "d"))
_TORCH_MAX_POOL = (("kernel_size", "k"), ("stride", "s"), ("padding", "p"), ("dilation", "d"))
_TORCH_AVG_POOL = (("kernel_size", "k"), ("stride", "s"), ("padding", "p"))
_TORCH_UPSAMPLE = (("size", None), ("scale_factor", "s"))
#: How a spec call with too many positional arguments reads as PyTorch's (``conv(3, 64, 3)`` as ``Conv2d``).
_TORCH_READING = {"conv": ("Conv2d", _TORCH_CONV), "convt": ("ConvTranspose2d", _TORCH_CONVT)}
_TORCH_LABELS = {"in_channels": "in", "out_channels": "out", "kernel_size": "k", "stride": "s", "padding": "p",
                 "dilation": "d"}
#: Default values of a layer's stride, padding and dilation as spec text (left out of suggested spellings).
_DEFAULT_TEXT = {"s": "1", "p": "0", "d": "1"}

#: PyTorch's layer classes that change receptive fields: the spec function that writes each, and its parameters.
_TORCH_LAYERS: dict[str, tuple[str, tuple[tuple[str, str | None], ...]]] = {
    **{f"Conv{n}d": ("conv", _TORCH_CONV) for n in (1, 2, 3)},
    **{f"ConvTranspose{n}d": ("convt", _TORCH_CONVT) for n in (1, 2, 3)},
    **{f"MaxPool{n}d": ("pool", _TORCH_MAX_POOL) for n in (1, 2, 3)},
    **{f"AvgPool{n}d": ("pool", _TORCH_AVG_POOL) for n in (1, 2, 3)},
    **{f"Adaptive{kind}Pool{n}d": ("global_pool", ()) for kind in ("Avg", "Max") for n in (1, 2, 3)},
    "Upsample": ("upsample", _TORCH_UPSAMPLE),
    "UpsamplingNearest2d": ("upsample", _TORCH_UPSAMPLE),
}

#: PyTorch's layers that leave receptive fields as they are (they act on each pixel, or on whole feature maps).
_TORCH_POINTWISE = frozenset({
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "GELU", "SiLU", "Mish", "Hardswish", "Hardsigmoid", "Sigmoid",
    "Tanh", "Softmax", "LogSoftmax", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "GroupNorm", "LayerNorm",
    "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LocalResponseNorm", "Dropout", "Dropout1d", "Dropout2d",
    "Dropout3d", "Identity",
})



def parse(text: str) -> Network:
    """The network that the spec ``text`` describes, built with the same functions as the Python API.

    >>> from symrf.spec import parse
    >>> parse("conv(3), pool(2, 2), conv(3, s=2, p=1)")
    conv(3), pool(2), conv(3, s=2, p=1)
    >>> parse("2 * [conv(3)], n * [conv(k, p=(k - 1)//2), pool(2)]")
    2 * [conv(3)], n * [conv(k, p=(k - 1)//2), pool(2)]
    >>> parse("block = [conv(3, p=1), conv(3, p=1)]; conv(3), 2 * [residual(block)]")
    conv(3), 2 * [residual([conv(3, p=1), conv(3, p=1)])]
    >>> parse("down = [conv(k, s, p=p)]; down(k=3, s=2, p=1), down(k=2*m + 1, name='out')")
    conv(3, s=2, p=1), conv(2*m + 1, s=s, p=p, name='out')
    >>> parse("conv(3, s=0)")
    Traceback (most recent call last):
    ...
    symrf.errors.SpecError: conv: stride must be positive, got 0 (at column 11)
    """
    reader = _Reader(text)
    reader.define()
    if not reader.top:
        names = ", ".join(reader.blocks)
        reader.fail(f"the spec defines {names} but describes no network: write the network after the definitions, "
                    "as in block = [conv(3), conv(3)]; conv(3), 2 * [block]", reader.definitions[-1])
    items: list[object] = []
    for node in reader.top:
        items.extend(reader.items(node))
    if not items:
        raise SpecError("the spec describes no layers")
    try:
        return Network.of(items)
    except SymrfError as exc:
        raise SpecError(str(exc)) from None


def definitions(text: str) -> str:
    """The definitions at the head of the spec ``text``, as spec text one per line (``""`` if it has none), so that
    other specs can use its blocks (a zoo model's family stages use the blocks of the model's spec).

    >>> from symrf.spec import definitions
    >>> print(definitions("unit = [conv(3, p=1)]; down = [unit, pool(2)]; down, unit"))
    unit = [conv(3, p=1)]
    down = [unit, pool(2)]
    >>> definitions("conv(3), pool(2)")
    ''
    """
    reader = _Reader(text)
    reader.define()  # the definitions are checked as parse() checks them
    return "\n".join(ast.get_source_segment(reader.source, statement) or "" for statement in reader.definitions)


def read_spec(argument: str) -> str:
    """The spec text of ``argument``: the contents of the file it names without ``#`` comments, or itself.

    >>> from symrf.spec import read_spec
    >>> read_spec("conv(3), pool(2)")
    'conv(3), pool(2)'
    """
    if not argument.strip():
        return argument
    path = Path(argument)
    try:
        exists = path.exists()
    except (OSError, ValueError):  # a name too long for the file system, or with a NUL character
        exists = False
    if not exists:
        if "(" not in argument and re.search(r"[/\\]|\.[A-Za-z]+\Z", argument.strip()):
            shown = quoted(argument, PATH_SHOWN)
            raise SymrfError(f"no such spec file {shown} (a spec looks like \"conv(3), pool(2)\")")
        return argument
    return _strip_comments(read_text(path, "spec file"))


#: How many characters of a file's path messages show (paths are rarely longer).
PATH_SHOWN = 260

#: What a path that is not a regular file is, by the test of :mod:`stat`.
_FILE_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def read_text(path: Path, what: str) -> str:
    """The text of the regular file at ``path`` (at most ``MAX_TEXT`` characters); ``what`` names it in errors.

    Anything but a regular file (a directory, a FIFO, a device) is refused before it is opened, and so is a file
    too large to hold at most ``MAX_TEXT`` characters, so that reading never blocks or fills the memory.
    """
    name = quoted(os.fspath(path), PATH_SHOWN)

    def check(info: os.stat_result) -> None:
        if not stat.S_ISREG(info.st_mode):
            kind = next((kind for test, kind in _FILE_KINDS if test(info.st_mode)), "not a file")
            raise SymrfError(f"the {what} {name} is not a regular file ({kind}); symrf reads only regular files")
        if info.st_size > 4 * MAX_TEXT:  # UTF-8 takes at most 4 bytes a character
            raise SymrfError(f"the {what} {name} is too large ({info.st_size:,} bytes; at most {MAX_TEXT:,} "
                             "characters)")

    try:
        check(os.stat(path))
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # never waits for a writer
        with open(descriptor, encoding="utf-8") as handle:
            check(os.fstat(descriptor))  # the same file, if it was replaced after the first check
            text = handle.read(MAX_TEXT + 1)
    except SymrfError:
        raise
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # ValueError: a NUL character in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SymrfError(f"cannot read the {what} {name}: {reason}") from None
    if len(text) > MAX_TEXT:
        raise SymrfError(f"the {what} {name} is too long (more than {MAX_TEXT:,} characters)")
    return text


def _strip_comments(text: str) -> str:
    """``text`` without ``#`` comments (a ``#`` inside a quoted name is kept)."""
    return _COMMENT.sub(lambda match: match.group(1) or "", text)


@cache
def _signature(fn: Callable[..., object]) -> inspect.Signature:
    return inspect.signature(fn)


_POSITIONAL_ONLY = inspect.Parameter.POSITIONAL_ONLY
_POSITIONAL_OR_KEYWORD = inspect.Parameter.POSITIONAL_OR_KEYWORD
_VAR_POSITIONAL = inspect.Parameter.VAR_POSITIONAL
_VAR_KEYWORD = inspect.Parameter.VAR_KEYWORD


#: One bound parameter of a call: (parameter, kind, role, source).
_Step = tuple[str, object, str, object]


@lru_cache(maxsize=1024)
def _plan(fn: Callable[..., object], count: int, keywords: tuple[str, ...]) -> tuple[_Step, ...]:
    """How a call of ``fn`` with ``count`` positional arguments and these keywords binds, checked by ``bind``.

    Each entry is (parameter, kind, role, source): the source is the index of a positional argument, a keyword,
    the indices caught by ``*args`` or the keywords caught by ``**kwargs``. Raises ``TypeError`` like ``bind``.
    """
    signature = _signature(fn)
    bound = signature.bind(*range(count), **{keyword: keyword for keyword in keywords})
    plan = []
    for parameter, source in bound.arguments.items():
        kind = signature.parameters[parameter].kind
        if kind is _VAR_KEYWORD:
            source = tuple(source)
        plan.append((parameter, kind, _role(parameter), source))
    return tuple(plan)


def _role(parameter: str) -> str:
    return PARAMETER_ROLES.get(parameter, _DEFAULT_ROLE)


@dataclass(frozen=True, slots=True, eq=False)
class _Block:
    """A defined block: its items, how much it weighs toward :data:`MAX_LAYERS`, and its symbols by name."""

    items: tuple[object, ...]
    weight: int
    symbols: dict[str, tuple[sympy.Symbol, ...]]
    node: ast.Assign


class _Reader(TextReader):
    """One spec text: the checked syntax tree of :class:`~symrf.reader.TextReader`, and its interpreter."""

    functions = frozenset(FUNCTIONS)
    string_parameters = STRING_PARAMETERS
    definitions_allowed = True

    def __init__(self, text: str) -> None:
        self.produced = 0
        self._made: dict[object, object] = {}  # results of calls, by function and argument values
        self.declared: dict[str, ast.Assign] = {}  # every definition, by name, known before any is evaluated
        self.blocks: dict[str, _Block] = {}  # the definitions evaluated so far
        self._defining: str | None = None
        self._measures: dict[int, tuple[int, int, frozenset[sympy.Symbol], object]] = {}
        super().__init__(text)
        for statement in self.definitions:
            self._declare(statement)

    # -- definitions ---------------------------------------------------------------------------------------------

    def _declare(self, statement: ast.Assign) -> None:
        """Check the name of a definition: a block name, not a layer function's, not taken."""
        target = statement.targets[0]
        name = target.id  # type: ignore[attr-defined]  # the reader checked that it is a name
        if name in FUNCTIONS:
            self.fail(f"{name!r} is a layer function; give the block another name", target)
        if not NAME_PATTERN.match(name):
            self.fail(f"{quoted(name)} is not a block name (letters, digits and '_', starting with a letter)", target)
        if name in self.declared:
            first = self.declared[name].targets[0]
            self.fail(f"{name!r} is already defined at {self._where(first)}; give this block another name", target)
        self.declared[name] = statement

    def define(self) -> None:
        """Evaluate the definitions in order; a definition may use the ones before it."""
        for statement in self.definitions:
            name = statement.targets[0].id  # type: ignore[attr-defined]
            self._defining = name
            items = tuple(self.items(statement.value))
            if not items:
                self.fail(f"the block {name!r} is empty", statement.value)
            weight, depth, symbols = 0, 0, frozenset[sympy.Symbol]()
            for item in items:
                item_weight, item_depth, item_symbols = self._measure(item)
                weight, depth, symbols = weight + item_weight, max(depth, item_depth), symbols | item_symbols
            if depth > MAX_NESTING:
                self.fail(f"the block {name!r} nests parallel paths and repetitions too deeply (more than "
                          f"{MAX_NESTING} levels)", statement.value)
            by_name: dict[str, tuple[sympy.Symbol, ...]] = {}
            for symbol in sorted(symbols, key=sympy.default_sort_key):
                by_name[symbol.name] = by_name.get(symbol.name, ()) + (symbol,)
            self.blocks[name] = _Block(items, weight, by_name, statement)
        self._defining = None

    def _measure(self, item: object) -> tuple[int, int, frozenset[sympy.Symbol]]:
        """The weight (layers and blocks, a repeated body once), nesting depth and symbols of ``item``.

        Remembered by identity, so that a block used many times inside another is measured once."""
        known = self._measures.get(id(item))
        if known is not None:
            return known[0], known[1], known[2]
        networks: tuple[Network, ...] = ()
        symbols = frozenset[sympy.Symbol]()
        if isinstance(item, Repeat):
            networks = (item.body,)
            if isinstance(item.count, sympy.Expr):
                symbols = frozenset(item.count.free_symbols)
        elif isinstance(item, Parallel):
            networks = item.branches
        if networks:
            weight, depth = 1, 0
            for network in networks:
                for inner in network.items:
                    inner_weight, inner_depth, inner_symbols = self._measure(inner)
                    weight, depth, symbols = weight + inner_weight, max(depth, inner_depth), symbols | inner_symbols
            depth += 1
        else:
            weight, depth, symbols = 1, 0, item.free_symbols  # type: ignore[attr-defined]
        self._measures[id(item)] = (weight, depth, symbols, item)  # the item is kept so that its id stays its own
        return weight, depth, symbols

    def _block(self, name: str, node: ast.AST) -> _Block:
        """The block ``name``, defined before this use."""
        block = self.blocks.get(name)
        if block is not None:
            return block
        if name == self._defining:
            self.fail(f"the block {name!r} uses itself; a block cannot contain itself", node)
        defined = self.declared[name].targets[0]
        self.fail(f"the block {name!r} is used before its definition at {self._where(defined)}; define blocks before "
                  "the blocks that use them", node)

    def _where(self, node: ast.AST) -> str:
        """``line 3`` (or ``column 12`` in a one-line spec): where ``node`` starts, for a message."""
        line, column = self._position(getattr(node, "lineno", None), getattr(node, "col_offset", None))
        return f"line {line}" if self.multiline else f"column {column}"

    def _splice(self, node: ast.Name) -> list[object]:
        """The items of the block that ``node`` names, or the error for a name that is no block."""
        name = node.id
        if name not in self.declared:
            if not self.declared:
                self.fail(f"expected a layer such as conv(3), got {self._segment(node)}", node)
            close = difflib.get_close_matches(name, list(self.declared), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"the blocks defined are {', '.join(self.declared)}"
            self.fail(f"unknown block {quoted(name)}; {hint}", node)
        block = self._block(name, node)
        self._produce(block.weight, node)
        return list(block.items)

    def _instantiate(self, node: ast.Call) -> list[object]:
        """``down(k=3, s=2, name='x')``: a block's items with symbols replaced, its last item named."""
        name = node.func.id  # type: ignore[attr-defined]
        block = self._block(name, node.func)
        shown = self._segment(node, 60)
        if node.args:
            example = f"{name}({next(iter(block.symbols), 'k')}=3)" if block.symbols else f"{name}(name='x')"
            self.fail(f"a block takes values by keyword, as in {example}, not positionally", node.args[0])
        values: dict[str, ast.expr] = {}
        label: str | None = None
        seen: set[str] = set()
        for keyword in node.keywords:
            argument = keyword.arg or ""
            if argument in seen:
                self.fail(f"{name}() got the argument {quoted(argument)} twice", keyword)
            seen.add(argument)
            if argument == "name":
                label = self._argument(keyword.value, "name", _TEXT)  # type: ignore[assignment]
                continue
            if not block.symbols:
                self.fail(f"the block {name!r} has no symbols to give values to; only name= can be given", keyword)
            if argument not in block.symbols:
                close = difflib.get_close_matches(argument, list(block.symbols), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                self.fail(f"{quoted(argument)} is not a symbol of the block {name!r}{hint} (its symbols are "
                          f"{', '.join(block.symbols)})", keyword)
            if type(keyword.value) is ast.Constant and isinstance(keyword.value.value, str):
                self.fail(f"a block's symbol takes a number or an expression, not the string "
                          f"{self._segment(keyword.value)}", keyword.value)
            values[argument] = keyword.value
        self._produce(block.weight, node)
        items = block.items
        if values:
            mapping: dict[sympy.Symbol, Value] = {}
            for argument, value_node in values.items():
                for symbol in block.symbols[argument]:  # one per set of assumptions: a kernel and a padding k
                    mapping[symbol] = self.value(value_node, "kernel" if symbol.is_positive else "padding")
            try:
                items = Network(items).xreplace(mapping).items  # type: ignore[arg-type]
            except SymrfError as exc:
                self.fail(f"{shown}: {exc}", node)
        if label is not None:
            items = self._named(items, label, name, node)
        return list(items)

    def _named(self, items: tuple[object, ...], label: str, name: str, node: ast.Call) -> tuple[object, ...]:
        """``items`` with the last one named ``label``: the block's output gets the name."""
        where = next(keyword for keyword in node.keywords if keyword.arg == "name")
        if not items:
            self.fail(f"{self._segment(node, 60)} holds no layers to name", where)
        last = items[-1]
        if type(last) is Repeat:
            self.fail(f"the block {name!r} ends with a repetition ({quoted(last, 40)}), which cannot carry a name; "
                      "end it with a layer, parallel(...) or residual(...) to name its output", where)
        try:
            if type(last) is AxesLayer:
                renamed: object = AxesLayer(tuple(replace(axis, name=label) for axis in last.axes), label)
            elif type(last) is Parallel:
                renamed = Parallel(last.branches, label)
            else:
                renamed = replace(last, name=label)  # type: ignore[type-var]
        except SymrfError as exc:
            self.fail(str(exc), where.value)
        return items[:-1] + (renamed,)

    def _is_block(self, node: ast.expr) -> bool:
        """Whether ``node`` is syntactically a list of layers: a list, a tuple, a defined block (used or
        instantiated), or a repetition or sum of them."""
        kind = type(node)
        if kind is ast.List or kind is ast.Tuple:
            return True
        if kind is ast.Name:
            return node.id in self.declared  # type: ignore[attr-defined]
        if kind is ast.Call:
            return type(node.func) is ast.Name and node.func.id in self.declared  # type: ignore[attr-defined]
        if kind is ast.BinOp and type(node.op) in (ast.Mult, ast.Add):  # type: ignore[attr-defined]
            return self._is_block(node.left) or self._is_block(node.right)  # type: ignore[attr-defined]
        return False

    def _symbol(self, node: ast.Name, role: str) -> sympy.Symbol:
        """A block's name is refused where a value is expected (``conv(block)``)."""
        if node.id in self.declared:
            self.fail(f"{node.id!r} is a block of layers, not a value", node)
        return super()._symbol(node, role)

    def _evaluate(self, node: ast.expr, role: str) -> Value:
        if type(node) is ast.Call and type(node.func) is ast.Name and node.func.id in self.declared:
            self.fail(f"expected a number or a symbol, got the block {self._segment(node)}", node)
        return super()._evaluate(node, role)

    # -- PyTorch's names ---------------------------------------------------------------------------------------

    def _check_call(self, node: ast.Call) -> None:
        """Refuse a call of a PyTorch layer (``Conv2d(...)``, ``nn.MaxPool2d(...)``), showing its spec."""
        func = node.func
        name = func.id if type(func) is ast.Name else func.attr if type(func) is ast.Attribute else None
        if name in _TORCH_LAYERS or name in _TORCH_POINTWISE or (type(func) is ast.Attribute and _dotted(func)):
            self.fail(self._torch_message(func, node), node)

    def _forbidden(self, node: ast.AST) -> NoReturn:
        """Attribute access such as ``nn.Conv2d`` is recognised as PyTorch's; anything else as the reader says."""
        if type(node) is ast.Attribute and (node.attr in _TORCH_LAYERS or node.attr in _TORCH_POINTWISE
                                            or _dotted(node)):
            self.fail(self._torch_message(node, None), node)
        super()._forbidden(node)

    def _torch_message(self, func: ast.expr, call: ast.Call | None) -> str:
        """What a PyTorch name is in a spec: the equivalent call when the arguments give it."""
        shown = _dotted(func) or self._segment(func)
        name = shown.rsplit(".", 1)[-1]
        if name in _TORCH_POINTWISE:
            return f"{shown} is PyTorch's and does not change receptive fields: leave it out of the spec"
        if name not in _TORCH_LAYERS:
            return (f"{shown} looks like PyTorch's; a spec calls symrf's layer functions without a module: "
                    f"{', '.join(FUNCTIONS)}, as in conv(3, s=2, p=1)")
        function, parameters = _TORCH_LAYERS[name]
        spec = self._torch_spec(function, parameters, call) if call is not None else None
        if spec is None:
            template = {"conv": "conv(k, s=..., p=..., d=...)", "convt": "convt(k, s=..., p=..., d=...)",
                        "pool": "pool(k, s=..., p=..., d=...)", "upsample": "upsample(s) with s the scale factor",
                        "global_pool": "global_pool() (for an output size of 1)"}[function]
            return f"{shown} is PyTorch's; a spec writes it {template}"
        note = " (channel counts do not matter for receptive fields)" if function in ("conv", "convt") else ""
        return f"{shown} is PyTorch's; a spec writes it {spec}{note}"

    def _torch_spec(self, function: str, parameters: tuple[tuple[str, str | None], ...],
                    call: ast.Call) -> str | None:
        """The spec call equivalent to the PyTorch ``call``, from its source text, or None if it cannot tell."""
        given: dict[str, str] = {}
        for (_, spec_name), argument in zip(parameters, call.args):
            if spec_name is not None:
                given[spec_name] = self._segment(argument, 60)
        names = dict(parameters)
        for keyword in call.keywords:
            spec_name = names.get(keyword.arg or "")
            if spec_name is not None:
                given[spec_name] = self._segment(keyword.value, 60)
        if function == "global_pool":
            return "global_pool()" if not call.args or self._segment(call.args[0]) in ("1", "(1, 1)") else None
        if function == "upsample":
            return f"upsample({given['s']})" if "s" in given else None
        if "k" not in given:
            return None
        defaults = {"s": ("1", "None") if function != "pool" else ("None",), "p": ("0",), "d": ("1",)}
        shown = [given["k"]] + [f"{key}={given[key]}" for key in ("s", "p", "d")
                                if key in given and given[key] not in defaults[key]]
        return f"{function}({', '.join(shown)})"

    # -- layers and blocks -----------------------------------------------------------------------------------

    def items(self, node: ast.expr) -> list[object]:
        """The layers and repeated blocks that ``node`` denotes, lists flattened."""
        kind = type(node)
        if kind is ast.List or kind is ast.Tuple:
            found: list[object] = []
            for element in node.elts:  # type: ignore[attr-defined]
                found.extend(self.items(element))
            return found
        if kind is ast.Name:
            return self._splice(node)  # type: ignore[arg-type]
        if kind is ast.Call:
            func = node.func  # type: ignore[attr-defined]
            if type(func) is ast.Name and func.id in self.declared:
                return self._instantiate(node)  # type: ignore[arg-type]
            made, consumed = self._call(node)  # type: ignore[arg-type]
            found = self._layers_of(made, node)
            self._produce(sum(id(item) not in consumed for item in found), node)
            return found
        if kind is ast.BinOp and type(node.op) in (ast.Mult, ast.Add):  # type: ignore[attr-defined]
            return self._combine(node)  # type: ignore[arg-type]
        if kind is ast.Constant and isinstance(node.value, str):  # type: ignore[attr-defined]
            self.fail(f"expected a layer such as conv(3), got the string {self._segment(node)}", node)
        self.fail(f"expected a layer such as conv(3), got {self._segment(node)}", node)

    def _combine(self, node: ast.BinOp) -> list[object]:
        """``n * [...]``, ``[...] * n`` (repetition) or ``[...] + [...]`` (concatenation)."""
        left, right = self._is_block(node.left), self._is_block(node.right)
        if type(node.op) is ast.Add:
            if left and right:
                return self.items(node.left) + self.items(node.right)
            if left or right:
                self.fail("only lists of layers can be added to lists of layers", node)
        elif left and right:
            self.fail("two lists of layers cannot be multiplied; write n * [...] to repeat a block", node)
        elif left or right:
            count_node, body_node = (node.right, node.left) if left else (node.left, node.right)
            count = self.value(count_node, "count")
            body = self.items(body_node)
            try:
                made = self._layers_of(repeat(count, body), node)
            except SymrfError as exc:
                self.fail(str(exc), node)
            self._produce(sum(type(item) is Repeat for item in made), node)
            return made
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if type(side) is ast.Call and type(node.op) is ast.Mult:
                shown = f"{self._segment(other, 20)} * [{self._segment(side)}]"
                self.fail(f"to repeat a layer, put it in a list: {shown}", node)
        self.fail(f"expected a layer such as conv(3), got the value {self._segment(node)}", node)


    def _produce(self, size: int, node: ast.AST) -> None:
        """Count ``size`` more layers and blocks, refused beyond :data:`MAX_LAYERS` before they are built."""
        self.produced += size
        if self.produced > MAX_LAYERS:
            defined = "; a defined block counts where it is defined and each time it is used" if self.declared else ""
            self.fail(f"the spec holds more than {MAX_LAYERS:,} layers (repetitions count once{defined})", node)

    def _layers_of(self, made: object, node: ast.expr) -> list[object]:
        if isinstance(made, ITEMS):
            return [made]
        if isinstance(made, Network):
            return list(made.items)
        if isinstance(made, (tuple, list)):
            return list(made)
        self.fail(f"{self._segment(node)} does not describe layers", node)

    def _call(self, node: ast.Call) -> tuple[object, set[int]]:
        """Check a call's arguments against its function's signature, evaluate them by role, and call it.

        Returns the result and the identities of the layers passed in as arguments (a result may reuse them).
        """
        if type(node.func) is not ast.Name:
            self.fail(f"only layer functions such as conv(...) can be called, not {self._segment(node.func)}", node)
        name = node.func.id
        fn = FUNCTIONS.get(name)
        if fn is None:
            close = difflib.get_close_matches(name, [*FUNCTIONS, *self.declared], n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known functions: {', '.join(FUNCTIONS)}"
            self.fail(f"unknown function {quoted(name)}; {hint}", node.func)
        parameters = _signature(fn).parameters
        given: set[str] = set()
        for keyword in node.keywords:
            if keyword.arg not in parameters and not any(p.kind is _VAR_KEYWORD for p in parameters.values()):
                self.fail(_unknown_argument(name, keyword.arg or "", parameters), keyword)
            if keyword.arg in given:
                self.fail(f"{name}() got the argument {quoted(keyword.arg)} twice", keyword)
            given.add(keyword.arg or "")
        try:
            plan = _plan(fn, len(node.args), tuple(keyword.arg for keyword in node.keywords))
        except TypeError as exc:
            where: ast.AST = node
            message = f"{name}(): {exc}"
            if "too many positional" in str(exc):
                accepted = sum(p.kind in (_POSITIONAL_ONLY, _POSITIONAL_OR_KEYWORD) for p in parameters.values())
                where = node.args[min(accepted, len(node.args) - 1)]
                if name in _KEYWORD_AFTER_STRIDE:
                    message = self._positional_message(name, node)
            self.fail(message, where)
        keywords = {keyword.arg: keyword.value for keyword in node.keywords}
        args: list[object] = []
        kwargs: dict[str, object] = {}
        consumed: set[int] = set()
        arguments_by_role: dict[str, ast.AST] = {}  # to point an error about, say, the stride at the stride
        all_positional = any(kind is _VAR_POSITIONAL for _, kind, _, _ in plan)
        for parameter, kind, role, source in plan:
            if kind is _VAR_POSITIONAL:
                values = [self._argument(node.args[i], parameter, role) for i in source]  # type: ignore[attr-defined]
                if role == _LAYERS:
                    consumed.update(id(item) for value in values for item in value)  # type: ignore[attr-defined]
                args.extend(values)
                continue
            if kind is _VAR_KEYWORD:
                for kwarg in source:  # type: ignore[attr-defined]
                    kwargs[kwarg] = self._argument(keywords[kwarg], kwarg, _role(kwarg))
                continue
            argument = node.args[source] if type(source) is int else keywords[source]  # type: ignore[index]
            arguments_by_role.setdefault(role, argument)
            value = self._argument(argument, parameter, role)
            if role == _LAYERS:
                consumed.update(id(item) for item in value)  # type: ignore[attr-defined]
            if kind is _POSITIONAL_ONLY or (all_positional and kind is _POSITIONAL_OR_KEYWORD):
                args.append(value)
            else:
                kwargs[parameter] = value
        try:
            key: object = (name, tuple(args), tuple(kwargs.items()))
            hash(key)
        except TypeError:  # unhashable arguments (lists of layers): no reuse
            key = None
        if key is not None and key in self._made:
            return self._made[key], consumed
        try:
            made = fn(*args, **kwargs)
        except SymrfError as exc:
            message = str(exc)
            where = next((argument for role, argument in arguments_by_role.items()  # "conv: stride must be ..."
                          if re.match(rf"\w+: {role}\b", message)), node)
            self.fail(message, where)
        if key is not None and isinstance(made, Layer):  # layers are immutable: equal calls can share one
            self._made[key] = made
        return made, consumed

    def _positional_message(self, name: str, node: ast.Call) -> str:
        """``conv(3, 64, 3)``: the spelling with keywords, and PyTorch's reading ``Conv2d(in, out, k)``."""
        args = [self._segment(argument, 30) for argument in node.args]
        keywords = [self._segment(keyword, 40) for keyword in node.keywords]
        parameters = _KEYWORD_AFTER_STRIDE[name]
        message = f"{name}() takes the kernel and the stride positionally; padding and dilation by keyword"
        if len(args) <= len(parameters):
            spelt = [args[0]] + [f"{parameter}={value}" for parameter, value in zip(parameters[1:], args[1:])]
            message += f": {name}({', '.join(spelt + keywords)})?"
        else:
            message += f" (as in {name}(3, s=2, p=1, d=2))."
        torch_name, torch_parameters = _TORCH_READING.get(name, ("", ()))
        numeric = all(re.fullmatch("[0-9]{1,9}", arg) for arg in args[:2])  # a stride above the kernel: channels?
        channels = len(args) > len(parameters) or (numeric and int(args[1]) > int(args[0]))
        if channels and len(torch_parameters) >= len(args):
            read = {spec: value for (_, spec), value in zip(torch_parameters, args) if spec is not None}
            shown = [read["k"]] + [f"{key}={read[key]}" for key in ("s", "p", "d")
                                   if key in read and read[key] != _DEFAULT_TEXT[key]]
            order = ", ".join(_TORCH_LABELS.get(torch, torch) for torch, _ in torch_parameters[: len(args)])
            message += (f" If {args[0]} and {args[1]} are channel counts as in PyTorch's {torch_name}({order}), "
                        f"channels do not matter here: write {name}({', '.join(shown + keywords)})")
        return message

    def _argument(self, node: ast.expr, parameter: str, role: str) -> object:
        """The value of one argument: layers, a string, a tuple of values, or a value."""
        if role == _LAYERS:
            return self.items(node)
        if type(node) is ast.Constant and (node.value is None or isinstance(node.value, str)):
            if node.value is None or parameter in STRING_PARAMETERS:
                if role == "padding" and node.value is not None:
                    self._padding_mode(node)
                return node.value
            allowed = " or ".join(f"{p}=" for p in sorted(STRING_PARAMETERS))
            self.fail(f"a string is only allowed as {allowed}, not as {parameter}= ({self._segment(node)})", node)
        if role == _TEXT:
            self.fail(f"{parameter}= must be a string such as {parameter}='conv1', not {self._segment(node)}", node)
        if type(node) is ast.Tuple or (type(node) is ast.List and role == "padding"):
            # values per axis; a padding's entries may be (before, after) pairs, its list [(0, 1)] one axis's pair
            return tuple(self._argument(element, parameter, role) for element in node.elts)
        return self.value(node, role)


    def _padding_mode(self, node: ast.Constant) -> None:
        """Refuse a quoted padding other than 'same' and 'valid' (a symbol is written without quotes)."""
        word = str(node.value).strip().lower()
        if word in PADDING_MODES:
            return
        close = difflib.get_close_matches(word, PADDING_MODES, n=1, cutoff=0.6)
        if close:
            self.fail(f"{self._segment(node)} is not a padding mode; did you mean {close[0]!r}?", node)
        symbol = f"; a symbol is written without quotes, as in p={word}" if NAME_PATTERN.match(word) else ""
        self.fail(f"{self._segment(node)} is not a padding mode: a quoted padding is 'same' or 'valid'{symbol}", node)


def _dotted(node: ast.expr) -> str | None:
    """``nn.Conv2d`` or ``torch.nn.Conv2d`` as text when ``node`` is such an access of PyTorch's ``nn``."""
    parts: list[str] = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    if type(node) is not ast.Name or not parts:
        return None
    parts.append(node.id)
    parts.reverse()
    return ".".join(parts) if {"nn", "torch"} & set(parts[:-1]) else None


def _unknown_argument(function: str, argument: str, parameters: Mapping[str, inspect.Parameter]) -> str:
    """``conv() has no argument 'stide'; did you mean 's'?``"""
    candidates: dict[str, str] = {}
    for name in parameters:
        candidates[name] = name
        role = PARAMETER_ROLES.get(name)
        if role and role not in (_LAYERS, _TEXT):
            candidates.setdefault(role, name)
    for alias, role in _ROLE_ALIASES.items():
        for name in parameters:
            if PARAMETER_ROLES.get(name) == role:
                candidates.setdefault(alias, name)
    close = difflib.get_close_matches(argument, list(candidates), n=1, cutoff=0.6)
    if close:
        return f"{function}() has no argument {quoted(argument)}; did you mean {candidates[close[0]]!r}?"
    return f"{function}() has no argument {quoted(argument)}; its arguments are {', '.join(parameters)}"
