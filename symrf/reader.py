"""Reading text safely: a Python-syntax tree checked against a whitelist and caps, and the values in it.

Spec texts (:mod:`symrf.spec`), command-line values and strings given to the Python API are read here with
:mod:`ast`: only whitelisted node types are accepted, sizes are capped (text length, number of syntax elements,
nesting depth, digits of numbers, symbolic exponents), and values are built from integer literals, symbol names
and ``+ - * / // **``. Nothing is ever passed to ``eval``, ``exec`` or ``sympify``. Every problem raises
:class:`~symrf.errors.SpecError` with the position of the offending part.
"""

from __future__ import annotations

import ast
import math
import os
import re
from typing import NoReturn, cast

import sympy

from .errors import SpecError, quoted
from .symbols import NAME_PATTERN, Value, check_symbol_name, symbol_for_role

__all__ = ["MAX_DEPTH", "MAX_DIGITS", "MAX_NODES", "MAX_SYMBOLIC_EXPONENT", "MAX_TEXT", "TextReader", "parse_value"]

#: Longest spec text, in characters.
MAX_TEXT = 1_000_000
#: Most syntax elements (calls, names, numbers, operators, lists ...) in one spec.
MAX_NODES = 200_000
#: Deepest nesting of syntax elements.
MAX_DEPTH = 100
#: Most decimal digits of any number, literal or computed (below Python's 4300-digit limit for printing ints).
MAX_DIGITS = 4_000
#: Largest integer exponent of a symbolic base, as in ``k**3``.
MAX_SYMBOLIC_EXPONENT = 100
_NUMBER_LIMIT = 10**MAX_DIGITS

_OPERATORS: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Pow: "**",
}
_FORBIDDEN_OPERATORS: dict[type, str] = {
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Not: "not",
    ast.Invert: "~",
}
_UNARY = (ast.USub, ast.UAdd)

#: The node types a spec may contain (operators are checked by their parent).
_ALLOWED = frozenset(
    {
        ast.Expression,
        ast.Module,
        ast.Expr,
        ast.List,
        ast.Tuple,
        ast.Call,
        ast.keyword,
        ast.Name,
        ast.Constant,
        ast.BinOp,
        ast.UnaryOp,
    }
)

_DESCRIPTIONS: dict[type, str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "a subscript",
    ast.Slice: "a slice",
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.comprehension: "a comprehension",
    ast.Compare: "a comparison",
    ast.BoolOp: "'and' / 'or'",
    ast.IfExp: "a conditional expression",
    ast.NamedExpr: "an assignment expression",
    ast.Dict: "a dictionary",
    ast.Set: "a set",
    ast.JoinedStr: "an f-string",
    ast.FormattedValue: "an f-string",
    ast.Starred: "'*' unpacking",
    ast.Await: "'await'",
    ast.Yield: "'yield'",
    ast.YieldFrom: "'yield'",
}

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LONG_NUMBER = re.compile(r"\d{" + str(MAX_DIGITS + 1) + ",}")

def parse_value(text: str, role: str = "kernel") -> Value:
    """The value (an ``int`` or a sympy expression) in ``text``, its symbols having the assumptions of ``role``.

    >>> from symrf.reader import parse_value
    >>> parse_value("2*k + 1"), parse_value("6 / 3"), parse_value("7 // 2")
    (2*k + 1, 2, 3)
    >>> parse_value("p", "padding").is_nonnegative, parse_value("p", "kernel").is_positive
    (True, True)
    """
    reader = TextReader(text)
    if len(reader.top) != 1:
        node = reader.top[1] if len(reader.top) > 1 else None
        reader.fail("expected a single value such as 3 or 2*k + 1", node)
    node = reader.top[0]
    if type(node) is ast.Constant and isinstance(node.value, str):
        reader.fail("a value cannot be a string", node)
    return reader.value(node, role)


def _normal(value: object) -> object:
    """Sympy integers as Python ``int``; everything else unchanged."""
    if isinstance(value, sympy.Integer):
        return int(value)
    return value


class TextReader:
    """One text: its syntax tree, checked against the whitelist and the caps, and the values in it.

    Subclasses (the spec reader) name the functions the text may call and the parameters that take strings, so
    that messages about values can mention them.
    """

    #: Names of callable functions (mentioned in messages about values).
    functions: frozenset[str] = frozenset()
    #: Parameters whose value may be a string literal (mentioned in messages about strings).
    string_parameters: frozenset[str] = frozenset()
    #: Whether the text may start with definitions ``name = ...`` (kept in :attr:`definitions`, in order).
    definitions_allowed: bool = False

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise SpecError(f"a spec must be text, not {type(text).__name__}")
        if len(text) > MAX_TEXT:
            raise SpecError(f"the spec is too long ({len(text):,} characters; at most {MAX_TEXT:,})")
        original = _LINE_BREAK.split(text)
        self.multiline = sum(1 for line in original if line.strip()) > 1
        self._values: dict[object, Value] = {}  # evaluated expressions, by role and shape
        self.definitions: list[ast.Assign] = []
        if not text.strip():
            raise SpecError("the spec is empty")
        self.top = self._parse(text, original)
        if not self.top and not self.definitions:
            raise SpecError("the spec is empty")
        self._check()

    # -- parsing ---------------------------------------------------------------------------------------------

    def _parse(self, text: str, original: list[str]) -> list[ast.expr]:
        """The top-level nodes of ``text``: the elements of a comma- or line-separated sequence."""
        # First read the text as the inside of a list, so that commas, line breaks inside brackets and indentation
        # all work; a text whose brackets do not balance cannot turn into one list spanning the whole wrapper.
        self.lines, self.line_shift, self.margin = ["["] + original + ["]"], -1, 0
        self.source = "[\n" + "\n".join(original) + "\n]"
        try:
            tree = ast.parse(self.source, mode="eval")
        except SyntaxError:
            tree = None
        except (RecursionError, MemoryError):
            raise SpecError("the spec is nested too deeply") from None
        except ValueError as exc:  # NUL characters, on some Python versions
            raise SpecError(f"the spec cannot be read: {exc}") from None
        if tree is not None and type(tree.body) is ast.List and (tree.body.lineno, tree.body.col_offset) == (1, 0):
            self.tree: ast.AST = tree
            return list(tree.body.elts)
        # Otherwise read it as a sequence of lines (layers separated by line breaks), after removing a common
        # indentation; this reading also gives the syntax errors their positions in the user's text.
        self.lines, self.line_shift, self.margin = _dedent(original)
        self.source = "\n".join(self.lines)
        try:
            module = ast.parse(self.source, mode="exec")
        except SyntaxError as exc:
            raise self._syntax_error(exc) from None
        except (RecursionError, MemoryError):
            raise SpecError("the spec is nested too deeply") from None
        except ValueError as exc:
            raise SpecError(f"the spec cannot be read: {exc}") from None
        self.tree = module
        top: list[ast.expr] = []
        for statement in module.body:
            if type(statement) is ast.Assign and self.definitions_allowed:
                self._definition(statement, top)
                continue
            if type(statement) is not ast.Expr:
                self.fail(
                    f"the statement {self._segment(statement)!r} is not allowed; "
                    "a spec is a sequence of layers such as conv(3), pool(2)",
                    statement,
                )
            top.append(statement.value)
        if not module.body:
            raise SpecError("the spec is empty")
        return top

    def _definition(self, statement: ast.Assign, top: list[ast.expr]) -> None:
        """Keep the definition ``name = ...``: one name, before the network."""
        if len(statement.targets) != 1 or type(statement.targets[0]) is not ast.Name:
            where = statement.targets[1] if len(statement.targets) > 1 else statement.targets[0]
            self.fail(f"a definition names one block, as in block = [conv(3), conv(3)], not "
                      f"{self._segment(statement)!r}", where)
        if top:
            name = statement.targets[0].id
            self.fail(f"the definition of {name!r} comes after the network; definitions come first, one per line or "
                      "separated by ';'", statement)
        self.definitions.append(statement)

    def _syntax_error(self, exc: SyntaxError) -> SpecError:
        message = exc.msg or "invalid syntax"
        if "nested parentheses" in message:
            message = "the spec is nested too deeply (too many nested brackets)"
        elif "indent" in message:
            message = (f"syntax error: {message}: separate layers with commas, or write one layer per line with "
                       "every line indented alike")
        elif "integer string conversion" in message:
            return self._long_literal()
        else:
            message = f"syntax error: {message}"
        line = exc.lineno + self.line_shift if exc.lineno else None
        column = exc.offset + self.margin if exc.offset and exc.offset > 0 else None
        return self.error(message, line, column)

    def _long_literal(self) -> SpecError:
        """The error for an integer literal too long for Python to read, at the first such literal."""
        message = f"an integer literal is too long (at most {MAX_DIGITS:,} digits)"
        for index, line in enumerate(self.lines, start=1):
            match = _LONG_NUMBER.search(line)
            if match:
                return self.error(message, index + self.line_shift, match.start() + 1 + self.margin)
        return SpecError(message)

    def _check(self) -> None:
        """Walk the tree without recursion: count nodes, bound the depth, and allow only whitelisted nodes."""
        stack: list[tuple[ast.AST, int]] = [(self.tree, 0)]
        count = 0
        while stack:
            node, depth = stack.pop()
            count += 1
            if count > MAX_NODES:
                raise SpecError(f"the spec is too large (more than {MAX_NODES:,} syntax elements)")
            if depth > MAX_DEPTH:
                self.fail(f"the spec is nested too deeply (more than {MAX_DEPTH} levels)", node)
            kind = type(node)
            if kind is ast.Constant or kind is ast.Name:
                continue
            children: list[ast.AST]
            if kind is ast.Call:
                self._check_call(node)  # type: ignore[arg-type]
                children = [node.func, *node.args, *node.keywords]  # type: ignore[attr-defined]
            elif kind is ast.keyword:
                if node.arg is None:  # type: ignore[attr-defined]
                    self.fail("'**' unpacking is not allowed in a spec", node)
                children = [node.value]  # type: ignore[attr-defined]
            elif kind is ast.BinOp:
                if type(node.op) not in _OPERATORS:  # type: ignore[attr-defined]
                    self._forbidden_operator(node)  # type: ignore[arg-type]
                children = [node.left, node.right]  # type: ignore[attr-defined]
            elif kind is ast.UnaryOp:
                if not isinstance(node.op, _UNARY):  # type: ignore[attr-defined]
                    self._forbidden_operator(node)  # type: ignore[arg-type]
                children = [node.operand]  # type: ignore[attr-defined]
            elif kind is ast.List or kind is ast.Tuple:
                children = node.elts  # type: ignore[attr-defined]
            elif kind is ast.Expression:
                children = [node.body]  # type: ignore[attr-defined]
            elif kind is ast.Expr:
                children = [node.value]  # type: ignore[attr-defined]
            elif kind is ast.Assign and self.definitions_allowed:
                children = [node.value]  # type: ignore[attr-defined]  # the target, a name, was checked
            elif kind is ast.Module:
                children = node.body  # type: ignore[attr-defined]
            else:
                self._forbidden(node)
            depth += 1
            stack.extend((child, depth) for child in reversed(children))

    def _check_call(self, node: ast.Call) -> None:
        """A hook for subclasses: look at a call before its parts are checked (the spec reader recognises
        PyTorch's layer names there)."""

    def _forbidden(self, node: ast.AST) -> NoReturn:
        if isinstance(node, ast.stmt):
            self.fail(f"the statement {self._segment(node)!r} is not allowed; a spec is a sequence of layers", node)
        if type(node) is ast.Attribute:
            where = node.value  # point at the dot, just after the object
            line, column = self._position(where.end_lineno, where.end_col_offset)
            raise self.error(f"attribute access ('.{node.attr}') is not allowed in a spec", line, column)
        what = _DESCRIPTIONS.get(type(node), f"'{type(node).__name__}'")
        self.fail(f"{what} is not allowed in a spec: {self._segment(node)}", node)

    def _forbidden_operator(self, node: ast.BinOp | ast.UnaryOp) -> NoReturn:
        symbol = _FORBIDDEN_OPERATORS.get(type(node.op), type(node.op).__name__)
        allowed = " ".join(_OPERATORS.values())
        if type(node) is ast.BinOp:
            line, column = self._operator_position(node)
            raise self.error(f"the operator {symbol!r} is not allowed in a spec (only {allowed})", line, column)
        self.fail(f"the operator {symbol!r} is not allowed in a spec (only {allowed})", node)

    # -- positions and errors --------------------------------------------------------------------------------

    def _position(self, lineno: int | None, col_offset: int | None) -> tuple[int | None, int | None]:
        """The 1-based line and character column in the user's text of an ast position (a byte offset)."""
        if lineno is None or col_offset is None:
            return None, None
        line = self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""
        chars = len(line.encode("utf-8")[:col_offset].decode("utf-8", errors="ignore"))
        return lineno + self.line_shift, chars + 1 + self.margin

    def _operator_position(self, node: ast.BinOp) -> tuple[int | None, int | None]:
        """The position of a binary operator: the first character after the left operand and its brackets."""
        lineno, offset = node.left.end_lineno, node.left.end_col_offset
        if lineno is None or offset is None:
            return self._position(node.lineno, node.col_offset)
        while 0 < lineno <= len(self.lines):
            raw = self.lines[lineno - 1].encode("utf-8")
            while offset < len(raw) and raw[offset : offset + 1] in (b" ", b"\t", b")", b"]"):
                offset += 1
            if offset < len(raw):
                return self._position(lineno, offset)
            lineno, offset = lineno + 1, 0
        return self._position(node.lineno, node.col_offset)

    def error(self, message: str, line: int | None, column: int | None) -> SpecError:
        """A :class:`SpecError` at ``line`` and ``column``; the line is named only for a multi-line spec."""
        exc = SpecError(message, column)
        if self.multiline and line is not None and column is not None:
            exc.args = (f"{message} (at line {line}, column {column})",)
        exc.line = line  # type: ignore[attr-defined]
        return exc

    def fail(self, message: str, node: ast.AST | None) -> NoReturn:
        """Raise a :class:`SpecError` at ``node``."""
        if node is None:
            raise SpecError(message)
        line, column = self._position(getattr(node, "lineno", None), getattr(node, "col_offset", None))
        raise self.error(message, line, column)

    def _segment(self, node: ast.AST, limit: int = 40) -> str:
        """The source text of ``node``, shortened to ``limit`` characters."""
        try:
            text = ast.get_source_segment(self.source, node) or type(node).__name__
        except (IndexError, ValueError):
            text = type(node).__name__
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    # -- layers ----------------------------------------------------------------------------------------------

    # -- values ----------------------------------------------------------------------------------------------

    def value(self, node: ast.expr, role: str) -> Value:
        """The int or sympy expression that ``node`` denotes; names become symbols with the assumptions of ``role``."""
        if type(node) is ast.BinOp or type(node) is ast.UnaryOp:
            key = (role, _shape(node))
            if key[1] is not None:
                found = self._values.get(key)
                if found is None:
                    found = self._values[key] = self._evaluate(node, role)
                return found
        return self._evaluate(node, role)

    def _evaluate(self, node: ast.expr, role: str) -> Value:
        kind = type(node)
        if kind is ast.Constant:
            return self._constant(node)  # type: ignore[arg-type]
        if kind is ast.Name:
            return self._symbol(node, role)  # type: ignore[arg-type]
        if kind is ast.BinOp:
            left = self._evaluate(node.left, role)  # type: ignore[attr-defined]
            right = self._evaluate(node.right, role)  # type: ignore[attr-defined]
            return self._arithmetic(node, left, right)  # type: ignore[arg-type]
        if kind is ast.UnaryOp:
            operand = self._evaluate(node.operand, role)  # type: ignore[attr-defined]
            return operand if type(node.op) is ast.UAdd else self._sized(-operand, node)  # type: ignore[attr-defined]
        if kind is ast.List:
            self.fail(f"expected a number or a symbol, got the list {self._segment(node)}", node)
        if kind is ast.Tuple:
            self.fail(f"expected a number or a symbol, got the tuple {self._segment(node)}", node)
        if kind is ast.Call:
            func = node.func  # type: ignore[attr-defined]
            if type(func) is ast.Name and func.id in self.functions:
                self.fail(f"expected a number or a symbol, got the layer {self._segment(node)}", node)
            self.fail(f"function calls are not allowed in values: {self._segment(node)}", node)
        self._forbidden(node)

    def _constant(self, node: ast.Constant) -> int:
        value = node.value
        if type(value) is int:
            if abs(value) >= _NUMBER_LIMIT:
                self.fail(f"an integer has more than {MAX_DIGITS:,} digits", node)
            return value
        if isinstance(value, bool):
            self.fail(f"{value} is not a number; use an integer or a symbol", node)
        if isinstance(value, float):
            self.fail(f"{self._segment(node)} is not an integer; layer values are integers or symbols", node)
        if isinstance(value, complex):
            self.fail(f"complex numbers are not allowed: {self._segment(node)}", node)
        if isinstance(value, str):
            allowed = " or ".join(f"{p}=" for p in sorted(self.string_parameters))
            self.fail(f"strings are only allowed as the value of {allowed}, not {self._segment(node)}", node)
        self.fail(f"{self._segment(node)} is not a number; use an integer or a symbol", node)

    def _symbol(self, node: ast.Name, role: str) -> sympy.Symbol:
        name = node.id
        if name in self.functions:
            self.fail(f"{name!r} is a layer function, not a value; call it, as in {name}(3)", node)
        if name.lower() in _MODE_WORDS:
            self.fail(_bare_mode(name, role), node)
        if not NAME_PATTERN.match(name):
            self.fail(f"{quoted(name)} is not a symbol name (letters, digits and '_', starting with a letter)", node)
        try:
            check_symbol_name(name)  # a name printed formulas use (floor, Max ...) would keep values from reading back
        except SpecError as exc:
            self.fail(str(exc), node)
        return symbol_for_role(name, role)

    def _arithmetic(self, node: ast.BinOp, left: Value, right: Value) -> Value:
        op = type(node.op)
        if op is ast.Add:
            result = left + right
        elif op is ast.Sub:
            result = left - right
        elif op is ast.Mult:
            result = left * right
        elif op is ast.Div:
            self._nonzero(right, node)
            if type(left) is int and type(right) is int:
                result = left // right if left % right == 0 else sympy.Rational(left, right)
            else:
                result = left / right
        elif op is ast.FloorDiv:
            self._nonzero(right, node)
            if type(left) is int and type(right) is int:
                result = left // right
            else:
                result = sympy.floor(sympy.Integer(left) / right if type(left) is int else left / right)
        else:
            result = self._power(node, left, right)
        return self._sized(result, node)

    def _nonzero(self, divisor: Value, node: ast.BinOp) -> None:
        if divisor == 0 or (isinstance(divisor, sympy.Expr) and divisor.is_zero):
            line, column = self._operator_position(node)
            raise self.error(f"division by zero in {self._segment(node)}", line, column)

    def _power(self, node: ast.BinOp, base: Value, exponent: Value) -> Value:
        if type(exponent) is int:
            if exponent < 0:
                self.fail(f"an exponent must be a non-negative integer, got {exponent}", node.right)
            if type(base) is int or isinstance(base, sympy.Rational):
                if type(base) is int:
                    numerator, denominator = base, 1
                else:
                    rational = cast(sympy.Rational, base)
                    numerator, denominator = int(rational.p), int(rational.q)
                size = max(abs(numerator), denominator)
                if size > 1 and (exponent > 4 * MAX_DIGITS or exponent * math.log10(size) > MAX_DIGITS):
                    self.fail(f"{self._segment(node)} has more than {MAX_DIGITS:,} digits", node)
                if size <= 1 and type(base) is int:
                    return base**exponent  # 0, 1 or -1: any exponent is cheap
            elif exponent > MAX_SYMBOLIC_EXPONENT:
                self.fail(f"the exponent of {self._segment(node)} is too large (at most {MAX_SYMBOLIC_EXPONENT})", node)
            return base**exponent
        if isinstance(exponent, sympy.Expr) and exponent.is_integer and exponent.is_nonnegative:
            return (sympy.Integer(base) if type(base) is int else base) ** exponent
        self.fail(f"an exponent must be a non-negative integer, got {exponent}", node.right)

    def _sized(self, result: object, node: ast.AST) -> Value:
        """``result`` as an int or sympy expression, refused if its numbers or powers are too large."""
        result = _normal(result)
        if type(result) is int:
            if abs(result) >= _NUMBER_LIMIT:
                self.fail(f"{self._segment(node)} has more than {MAX_DIGITS:,} digits", node)
            return result
        if not isinstance(result, sympy.Expr):
            self.fail(f"{self._segment(node)} is not a number or an expression", node)
        for part in sympy.preorder_traversal(result):
            if isinstance(part, sympy.Rational):
                if abs(part.p) >= _NUMBER_LIMIT or part.q >= _NUMBER_LIMIT:
                    self.fail(f"{self._segment(node)} has a number with more than {MAX_DIGITS:,} digits", node)
            elif isinstance(part, sympy.Pow) and part.exp.is_Integer and not part.base.is_number:
                if abs(part.exp) > MAX_SYMBOLIC_EXPONENT:
                    self.fail(f"{self._segment(node)} has a power above {MAX_SYMBOLIC_EXPONENT}", node)
        return result


#: Words that name padding modes (TensorFlow's "same" and "valid", and "full"), refused as symbol names: written
#: without quotes they are a forgotten quote, not a symbol.
_MODE_WORDS = ("same", "valid", "full")


def _bare_mode(name: str, role: str) -> str:
    """The message for a padding-mode word written without quotes (``p=same``)."""
    word = name.lower()
    if word == "full":
        return ("full is not a padding mode of symrf (its modes are 'same' and 'valid', quoted); write full "
                "padding as a value, p=k - 1")
    if role == "padding":
        return f"a padding mode is a string: write p='{word}' with quotes ({name} without quotes would be a symbol)"
    return f"{name} is not a value; a padding mode is a string given as the padding: p='{word}'"


def _shape(node: ast.expr) -> object:
    """A hashable key for an arithmetic expression of numbers and names, or None for anything else."""
    kind = type(node)
    if kind is ast.Constant:
        value = node.value  # type: ignore[attr-defined]
        return (int, value) if type(value) is int else None
    if kind is ast.Name:
        return node.id  # type: ignore[attr-defined]
    if kind is ast.BinOp:
        left, right = _shape(node.left), _shape(node.right)  # type: ignore[attr-defined]
        return None if left is None or right is None else (type(node.op), left, right)  # type: ignore[attr-defined]
    if kind is ast.UnaryOp:
        operand = _shape(node.operand)  # type: ignore[attr-defined]
        return None if operand is None else (type(node.op), operand)  # type: ignore[attr-defined]
    return None


def _dedent(lines: list[str]) -> tuple[list[str], int, int]:
    """``lines`` without their common indentation, the line shift (0) and the width of that indentation."""
    indents = [line[: len(line) - len(line.lstrip(" \t"))] for line in lines if line.strip()]
    margin = os.path.commonprefix(indents) if indents else ""
    if not margin:
        return lines, 0, 0
    return [line[len(margin) :] if line.startswith(margin) else "" for line in lines], 0, len(margin)
