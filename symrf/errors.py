"""The one exception family of symrf.

Every problem a user can cause (a malformed spec, a zero stride, an empty output, an unreachable target) is a
:class:`SymrfError`. It subclasses :class:`ValueError`, so generic handlers keep working, and its message is a
single sentence that says what is wrong and where.
"""

from __future__ import annotations

import reprlib

__all__ = ["EmptyOutputError", "LayerError", "SpecError", "SymrfError", "UnreachableError", "quoted", "shorten"]

#: How many characters of a user's value a message shows (see :func:`shorten`).
SHOWN = 60


def shorten(text: str, limit: int = SHOWN) -> str:
    """``text`` on one line and at most ``limit`` characters, cut with an ellipsis: how messages quote user text.

    >>> shorten("conv(3)"), shorten("x" * 100, 10)
    ('conv(3)', 'xxxxxxx...')
    """
    head = " ".join(text[: 4 * limit].split())  # a bounded head: the rest is never looked at
    if len(head) <= limit and len(text) <= 4 * limit:
        return head
    return head[: limit - 3].rstrip() + "..."


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
