"""Networks: immutable sequences of layers and of blocks repeated a (possibly symbolic) number of times."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Union

import sympy

from .errors import SymrfError
from .layers import Layer, Value, as_value
from .symbols import unify

Item = Union[Layer, "Repeat"]


@dataclass(frozen=True, slots=True)
class Repeat:
    """``count`` copies of ``body`` in sequence; ``count`` is a symbol or expression (integers are expanded)."""

    count: Value
    body: Network

    def __post_init__(self) -> None:
        object.__setattr__(self, "count", as_value(self.count, "count", "repetition "))

    @property
    def free_symbols(self) -> frozenset[sympy.Symbol]:
        own = self.count.free_symbols if isinstance(self.count, sympy.Expr) else frozenset()
        return frozenset(own) | self.body.free_symbols

    def xreplace(self, mapping: dict) -> Item | tuple[Item, ...]:
        count = self.count.xreplace(mapping) if isinstance(self.count, sympy.Expr) else self.count
        body = self.body.xreplace(mapping)
        return repeat(count, body)

    def __repr__(self) -> str:
        from .printing import spec_text

        count = spec_text(self.count)
        if isinstance(self.count, sympy.Expr) and not (self.count.is_Symbol or self.count.is_Integer):
            count = f"({count})"
        return f"{count} * {list(self.body.items)!r}"


@dataclass(frozen=True, slots=True)
class Network:
    """An immutable chain of layers and repeated blocks.

    >>> net = Network.of([conv(3), pool(2)])
    >>> len(net), net.is_numeric
    (2, True)
    """

    items: tuple[Item, ...] = ()

    def __post_init__(self) -> None:
        items = tuple(self.items)
        for item in items:
            if not isinstance(item, (Layer, Repeat)):
                raise SymrfError(f"a network holds layers and repeated blocks, not {item!r}")
        object.__setattr__(self, "items", items)

    @classmethod
    def of(cls, items: Iterable[object]) -> Network:
        """A network from layers, nested lists of layers, repeated blocks and networks (all flattened).

        Symbols with the same name are unified (a name used both as a kernel and as a padding is positive).
        """
        flat = tuple(_flatten(items))
        net = cls(flat)
        found: set[sympy.Symbol] = set()
        for item in set(flat):  # distinct items only: long expanded networks repeat the same few layers
            found |= item.free_symbols
        mapping = unify(found)
        return net.xreplace(mapping) if mapping else net

    @property
    def has_repeats(self) -> bool:
        """Whether the network holds a block repeated a symbolic number of times."""
        return any(isinstance(item, Repeat) for item in self.items)

    @property
    def layers(self) -> tuple[Layer, ...]:
        """The layers in order; only for networks without symbolic repetition."""
        if self.has_repeats:
            raise SymrfError("this network repeats a block a symbolic number of times; use its closed form")
        return self.items  # type: ignore[return-value]

    @property
    def is_numeric(self) -> bool:
        return not self.has_repeats and all(layer.is_numeric for layer in self.items)

    @property
    def free_symbols(self) -> frozenset[sympy.Symbol]:
        found: set[sympy.Symbol] = set()
        for item in self.items:
            found |= item.free_symbols
        return frozenset(found)

    def xreplace(self, mapping: dict) -> Network:
        """This network with symbols replaced; repetitions whose count becomes an integer are expanded."""
        replaced: dict[Item, object] = {}
        for item in self.items:
            if item not in replaced:
                replaced[item] = item.xreplace(mapping) if mapping else item
        return Network(tuple(_flatten(replaced[item] for item in self.items)))

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def __add__(self, other: Network) -> Network:
        if not isinstance(other, Network):
            return NotImplemented
        return Network.of([self, other])

    def __repr__(self) -> str:
        return ", ".join(repr(item) for item in self.items)


def repeat(count: object, layers: object) -> Item | tuple[Item, ...]:
    """``layers`` repeated ``count`` times: expanded for an integer count, a :class:`Repeat` for a symbol.

    >>> repeat(2, [conv(3), pool(2)])
    (conv(3), pool(2), conv(3), pool(2))
    >>> repeat("n", [conv(3)])
    n * [conv(3)]
    """
    if not isinstance(layers, Network):
        layers = Network.of(layers if isinstance(layers, (list, tuple)) else [layers])
    body = layers
    count = as_value(count, "count", "repetition ") if not isinstance(count, int) or isinstance(count, bool) else count
    if isinstance(count, int):
        if count < 0:
            raise SymrfError(f"a block cannot be repeated a negative number of times ({count})")
        return body.items * count
    return Repeat(count, body)


def _flatten(items: Iterable[object]) -> Iterator[Item]:
    for item in items:
        if isinstance(item, (Layer, Repeat)):
            yield item
        elif isinstance(item, Network):
            yield from item.items
        elif isinstance(item, (list, tuple)):
            yield from _flatten(item)
        else:
            raise SymrfError(f"a network holds layers and repeated blocks, not {item!r}")
