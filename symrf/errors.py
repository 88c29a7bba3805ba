"""The one exception family of symrf.

Every problem a user can cause (a malformed spec, a zero stride, an empty output, an unreachable target) is a
:class:`SymrfError`. It subclasses :class:`ValueError`, so generic handlers keep working, and its message is a
single sentence that says what is wrong and where.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

__all__ = ["EmptyOutputError", "LayerError", "SpecError", "SymrfError", "UnreachableError", "brief", "message_line",
           "printable", "quoted", "shorten"]

#: How many characters of a user's value a message shows (see :func:`shorten`).
SHOWN = 60

#: Longest message line printed (see :func:`message_line`), and longest run of digits shown whole in it.
MESSAGE_LIMIT = 1_000
DIGITS_SHOWN = 40

_LONG_NUMBER = re.compile(rf"\d{{{DIGITS_SHOWN + 1},}}")


def shorten(text: str, limit: int = SHOWN) -> str:
    """``text`` on one line and at most ``limit`` characters, cut with an ellipsis: how messages quote user text.

    >>> shorten("conv(3)"), shorten("x" * 100, 10)
    ('conv(3)', 'xxxxxxx...')
    """
    head = " ".join(text[: 4 * limit].split())  # a bounded head: the rest is never looked at
    if len(head) <= limit and len(text) <= 4 * limit:
        return head
    return head[: limit - 3].rstrip() + "..."


def message_line(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """A message as one printed line: whitespace runs as one space, numbers longer than :data:`DIGITS_SHOWN` digits
    cut to their first digits and their length, and the whole at most ``limit`` characters (cut with an ellipsis).

    >>> message_line("size 224,\\n smaller than " + "1" + "0" * 100)
    'size 224, smaller than 100000000000000000000000... (101 digits)'
    """
    text = _LONG_NUMBER.sub(lambda found: f"{found.group()[:24]}... ({len(found.group()):,} digits)", text)
    return shorten(text, limit)


class _Shown(reprlib.Repr):
    """``repr`` with bounded work and length: long strings, lists and integers are cut."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.maxlevel, self.maxlist, self.maxtuple, self.maxdict, self.maxset = 3, 6, 6, 4, 6
        self.maxstring = self.maxother = limit
        self.maxlong = 40

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 128:  # too many digits to convert for a message
            sign = "a negative" if x < 0 else "an"
            return f"{sign} integer of about {int(abs(x).bit_length() * 0.30103) + 1:,} digits"
        return super().repr_int(x, level)


def quoted(value: object, limit: int = SHOWN) -> str:
    """The ``repr`` of a user's value for a message, at most ``limit`` characters (cut with an ellipsis), computed
    with bounded work whatever the value's size.

    >>> quoted("smae"), quoted(list(range(100))), quoted(10**5000)
    ("'smae'", '[0, 1, 2, 3, 4, 5, ...]', 'an integer of about 5,001 digits')
    """
    try:
        text = _Shown(limit).repr(value)
    except Exception:  # a value whose repr fails: name its type
        text = f"a {type(value).__name__}"
    return shorten(text, limit)


class SymrfError(ValueError):
    """A problem with the user's network, spec or question, explained in one line."""


class SpecError(SymrfError):
    """The spec text cannot be read; ``column`` (1-based) points at the offending part when known."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.column = column
        where = f" (at column {column})" if column is not None else ""
        super().__init__(f"{message}{where}")


class LayerError(SymrfError):
    """A layer's value is invalid (a zero stride, a negative padding, a non-integer kernel)."""


class EmptyOutputError(SymrfError):
    """A layer would produce an empty output for the given input size."""


class UnreachableError(SymrfError):
    """A target can never be reached (for instance a repeated block whose receptive field never grows)."""


#: Most decimal digits of a printed integer (Python refuses to write more than 4,300 by default).
PRINTED_DIGITS = 4_300

_F = TypeVar("_F", bound=Callable[..., Any])


def too_long_to_print() -> SymrfError:
    """The error for a result with more than :data:`PRINTED_DIGITS` digits."""
    return SymrfError(f"a result has more than {PRINTED_DIGITS:,} digits, too many to print; use fewer strided "
                      "layers or symbols")


def brief(value: object, limit: int = 200) -> str:
    """A computed value for a message: its text on one line, numbers longer than :data:`DIGITS_SHOWN` digits cut
    and at most ``limit`` characters; a value with too many digits to write at all is named instead.

    >>> brief(10**5000)
    'a value of more than 4,300 digits'
    """
    try:
        text = str(value)
    except ValueError:  # Python refuses to write an integer of more than 4,300 digits
        return f"a value of more than {PRINTED_DIGITS:,} digits"
    return message_line(text, limit)


def printable(method: _F) -> _F:
    """``method`` (a printer) with Python's refusal to write an integer of more than :data:`PRINTED_DIGITS` digits
    turned into a :class:`SymrfError` that says so (the value itself is exact; only its text is refused)."""

    @wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except ValueError as exc:
            if isinstance(exc, SymrfError) or "integer string conversion" not in str(exc):
                raise
            raise too_long_to_print() from None

    return wrapper  # type: ignore[return-value]
