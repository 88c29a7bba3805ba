"""The one exception family of symrf.

Every problem a user can cause (a malformed spec, a zero stride, an empty output, an unreachable target) is a
:class:`SymrfError`. It subclasses :class:`ValueError`, so generic handlers keep working, and its message is a
single sentence that says what is wrong and where.
"""

from __future__ import annotations


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
