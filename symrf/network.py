"""Networks: immutable sequences of layers, of blocks repeated a (possibly symbolic) number of times, and of
parallel paths that start from one input and are merged (residual and inception blocks)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Union, cast

import sympy

from .axes import common_axis_count
from .errors import SymrfError, quoted
from .layers import AxesLayer, Layer, Value, as_value, check_name
from .printing import spec_text
from .symbols import unify

Item = Union[Layer, AxesLayer, "Repeat", "Parallel"]


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
    plain: bool = field(default=True, init=False, repr=False, compare=False)  # see is_plain
    numeric: bool = field(default=True, init=False, repr=False, compare=False)  # see is_numeric
    repeats: bool = field(default=False, init=False, repr=False, compare=False)  # see has_repeats

    def __post_init__(self) -> None:
        items = tuple(self.items)
        plain, numeric, repeats = True, True, False
        for item in items:
            if type(item) is Layer:
                plain = plain and item.is_plain
                numeric = numeric and item.is_numeric
            elif type(item) is Repeat:
                plain = plain and item.body.plain
                numeric = numeric and type(item.count) is int and item.body.numeric
                repeats = True
            elif isinstance(item, ITEMS):
                plain = False
                numeric = numeric and getattr(item, "is_numeric", False)
            else:
                raise SymrfError(f"a network holds layers, repeated blocks and parallel paths, not {quoted(item)}")
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "plain", plain)
        object.__setattr__(self, "numeric", numeric)
        object.__setattr__(self, "repeats", repeats)

    @classmethod
    def of(cls, items: Iterable[object]) -> Network:
        """A network from layers, nested lists of layers, repeated blocks and networks (all flattened).

        Symbols with the same name are unified (a name used both as a kernel and as a padding is positive).
        """
        if not isinstance(items, Iterable):
            raise SymrfError(f"a network is built from a list of layers, not {quoted(items)}")
        flat = tuple(_flatten(items))
        net = cls(flat)
        found: set[sympy.Symbol] = set()
        for item in set(flat):  # distinct items only: long expanded networks repeat the same few layers
            found |= item.free_symbols
        mapping = unify(found)
        return net.xreplace(mapping) if mapping else net

    @property
    def has_repeats(self) -> bool:
        """Whether the network holds a repeated block (a symbolic or an integer count: repetitions are never
        unrolled; their closed forms are used instead)."""
        return self.repeats  # found while the network is built

    @property
    def layers(self) -> tuple[Layer, ...]:
        """The layers in order; only for networks without repeated blocks."""
        if self.has_repeats:
            raise SymrfError("this network repeats a block; its layers are not listed one by one (use its closed form)")
        return self.items  # type: ignore[return-value]

    @property
    def is_numeric(self) -> bool:
        """Whether every value is an integer (and the chain recurrence applies): the fast numeric path."""
        return self.numeric

    @property
    def count_symbols(self) -> frozenset[sympy.Symbol]:
        """The symbols in repetition counts, at any depth (``n`` and ``m`` in ``m * [n * [conv(3)]]``)."""
        found: set[sympy.Symbol] = set()
        for item in self.items:
            if isinstance(item, Repeat):
                if isinstance(item.count, sympy.Expr):
                    found |= item.count.free_symbols
                found |= item.body.count_symbols
        return frozenset(found)

    @property
    def free_symbols(self) -> frozenset[sympy.Symbol]:
        found: set[sympy.Symbol] = set()
        for item in self.items:
            found |= item.free_symbols
        return frozenset(found)

    @property
    def axis_count(self) -> int:
        """How many axes the network has: the most any of its layers gives values for (single values fit any).

        >>> Network.of([conv(3), conv((3, 5))]).axis_count
        2
        """
        counts = {_axis_count(item) for item in self.items}
        return common_axis_count(counts)

    @property
    def is_plain(self) -> bool:
        """Whether the chain recurrence alone describes the network: 1-D conv and pool layers with explicit
        symmetric paddings, and blocks of them repeated (no parallel paths, no other kinds, no "same").

        It is found while the network is built, so checking it costs nothing."""
        return self.plain

    def along(self, axis: int) -> Network:
        """The 1-D network along axis ``axis``: each layer's values for that axis (single values are used as is).

        >>> Network.of([conv((3, 5), s=2), conv((3, 1), s=2)]).along(1)
        conv(5, s=2), conv(1, s=2)
        """
        return Network(tuple(_along(item, axis) for item in self.items))

    def xreplace(self, mapping: dict) -> Network:
        """This network with symbols replaced; repetitions whose count becomes an integer are expanded."""
        replaced: dict[Item, object] = {}
        for item in self.items:
            if item not in replaced:
                replaced[item] = item.xreplace(mapping) if mapping else item
        return Network(tuple(_flatten(replaced[item] for item in self.items)))

    def up_to(self, name: str) -> Network:
        """The network up to and including its item named ``name`` (a layer or a parallel block of the chain
        itself, not one inside a block).

        >>> parse("conv(3), pool(2, 2, name='p'), conv(3)").up_to("p")
        conv(3), pool(2, name='p')
        """
        for index, item in enumerate(self.items):
            if getattr(item, "name", None) == name:
                return Network(self.items[:index + 1])
        named = [str(getattr(item, "name", None)) for item in self.items if getattr(item, "name", None)]
        listed = ", ".join(named[:20]) + (", ..." if len(named) > 20 else "")
        raise SymrfError(f"the network has no layer or block named {quoted(name)} in its chain (names: "
                         f"{listed or 'none; give layers name=...'})")

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


@dataclass(frozen=True, slots=True)
class Parallel:
    """Paths that all start from the same input and whose outputs are merged (added or concatenated).

    An empty path is the identity, as in a residual block's shortcut. The merged output sees, along each path,
    that path's receptive field; see :mod:`symrf.graph` for how the paths are combined.

    >>> parallel([conv(1, 4)], [conv(3, 2, p=1), conv(1, 2)])
    parallel([conv(1, s=4)], [conv(3, s=2, p=1), conv(1, s=2)])
    >>> residual([conv(3, p=1), conv(3, p=1)], name="block1")
    residual([conv(3, p=1), conv(3, p=1)], name='block1')
    """

    branches: tuple[Network, ...]
    name: str | None = None

    def __post_init__(self) -> None:
        branches = tuple(
            branch if isinstance(branch, Network) else Network.of(branch if isinstance(branch, (list, tuple)) else
                                                                  [branch])
            for branch in self.branches
        )
        if not branches:
            raise SymrfError("parallel() needs at least one path, such as parallel([conv(3)], [])")
        check_name(self.name, "parallel", SymrfError)
        object.__setattr__(self, "branches", branches)

    @property
    def kind(self) -> str:
        return "merge"

    @property
    def is_residual(self) -> bool:
        """Whether this is a path and an identity shortcut (as :func:`residual` builds)."""
        return len(self.branches) == 2 and len(self.branches[1]) == 0 and len(self.branches[0]) > 0

    @property
    def is_numeric(self) -> bool:
        return all(branch.is_numeric for branch in self.branches)

    @property
    def free_symbols(self) -> frozenset[sympy.Symbol]:
        found: set[sympy.Symbol] = set()
        for branch in self.branches:
            found |= branch.free_symbols
        return frozenset(found)

    def xreplace(self, mapping: dict) -> Parallel:
        return Parallel(tuple(branch.xreplace(mapping) for branch in self.branches), self.name)

    def __repr__(self) -> str:
        name = [f"name={self.name!r}"] if self.name is not None else []
        if self.is_residual:
            return f"residual({', '.join([repr(list(self.branches[0].items))] + name)})"
        return f"parallel({', '.join([repr(list(branch.items)) for branch in self.branches] + name)})"


def parallel(*branches: object, name: str | None = None) -> Parallel:
    """Paths (lists of layers) from one input, merged at the end; an empty list is the identity.

    >>> parallel([conv(3, p=1)], [pool(3, 1, p=1)], name="mixed").name
    'mixed'
    """
    return Parallel(cast("tuple[Network, ...]", branches), name)  # __post_init__ makes each branch a Network


def residual(layers: object, name: str | None = None) -> Parallel:
    """A residual block: the path ``layers`` and an identity shortcut, merged: ``parallel(layers, [])``.

    >>> residual([conv(3, p=1)]) == parallel([conv(3, p=1)], [])
    True
    """
    return Parallel(cast("tuple[Network, ...]", (layers, [])), name)  # __post_init__ makes each branch a Network


#: What a network holds.
ITEMS = (Layer, AxesLayer, Repeat, Parallel)


def _axis_count(item: Item) -> int:
    if type(item) is Layer:
        return 1
    if type(item) is AxesLayer:
        return item.axis_count
    branches = item.branches if type(item) is Parallel else (cast(Repeat, item).body,)
    counts = {branch.axis_count for branch in branches}
    counts.discard(1)
    if len(counts) > 1:
        listed = ", ".join(map(str, sorted(counts)))
        raise SymrfError(f"the layers give values for different numbers of axes: {listed}")
    return counts.pop() if counts else 1


def _along(item: Item, axis: int) -> Item:
    if type(item) is Layer:
        return item
    if type(item) is AxesLayer:
        return item.along(axis)
    if type(item) is Parallel:
        return Parallel(tuple(branch.along(axis) for branch in item.branches), item.name)
    item = cast(Repeat, item)  # the last kind of item
    return Repeat(item.count, item.body.along(axis))


def repeat(count: object, layers: object) -> Item | tuple[Item, ...]:
    """``layers`` repeated ``count`` times: a :class:`Repeat`, never unrolled (its closed form is computed with
    integer arithmetic, so ``10**100`` copies cost what one does); a count of 1 is the block itself, 0 nothing.

    >>> repeat(2, [conv(3), pool(2)])
    2 * [conv(3), pool(2)]
    >>> repeat("n", [conv(3)]), repeat(1, [conv(3)]), repeat(sympy.Integer(0), [conv(3)])
    (n * [conv(3)], (conv(3),), ())
    """
    if not isinstance(layers, Network):
        layers = Network.of(layers if isinstance(layers, (list, tuple)) else [layers])
    body = layers
    if isinstance(count, sympy.Integer):  # a symbolic count given a value (xreplace): 0 and 1 as for an int
        count = int(count)
    count = as_value(count, "count", "repetition ") if not isinstance(count, int) or isinstance(count, bool) else count
    if isinstance(count, int):
        if count < 0:
            raise SymrfError(f"a block cannot be repeated a negative number of times ({count})")
        if count <= 1 or not body.items:
            return body.items if count == 1 else ()
    return Repeat(count, body)


def _flatten(items: Iterable[object]) -> Iterator[Item]:
    for item in items:
        if isinstance(item, ITEMS):
            yield item
        elif isinstance(item, Network):
            yield from item.items
        elif isinstance(item, (list, tuple)):
            yield from _flatten(item)
        else:
            raise SymrfError(f"a network holds layers, repeated blocks and parallel paths, not {quoted(item)}")
