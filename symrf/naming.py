"""The one naming rule for rows: a layer's own name, else its kind and a per-kind counter.

``conv(3), pool(2), conv(3)`` is named ``conv1, pool1, conv2``; named layers do not count, so
``conv(3, name="stem"), conv(3)`` is named ``stem, conv1``. Merges are ``merge1, merge2, ...`` and blocks repeated a
symbolic number of times ``repeat1, ...`` under the same rule. A generated name never repeats a name given anywhere
in the network: ``conv(3, name="conv1"), conv(3)`` is named ``conv1, conv2``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["MAX_NAME", "Namer", "given_names", "layer_names", "name_problem"]

#: Longest name of a layer, block or graph node, in characters.
MAX_NAME = 200


def name_problem(name: str) -> str | None:
    """What is wrong with ``name`` as the name of a layer, block or node, or None: a name is printable text (no
    control characters, no lone surrogates) of at most :data:`MAX_NAME` characters.

    >>> name_problem("layer3/conv1"), name_problem("a\\x00b"), name_problem("\\ud800")
    (None, 'has the control character U+0000', 'has the lone surrogate U+D800')
    """
    if len(name) > MAX_NAME:
        return f"is too long ({len(name):,} characters; at most {MAX_NAME})"
    if name.isprintable():
        return None
    for char in name:
        if not char.isprintable() and char != " ":
            code = ord(char)
            if 0xD800 <= code <= 0xDFFF:
                return f"has the lone surrogate U+{code:04X}"
            if char.isspace() or code < 0x20 or 0x7F <= code < 0xA0:
                return f"has the control character U+{code:04X}"
            return f"has the unprintable character U+{code:04X}"
    return None


class Namer:
    """Gives names in order under the rule above; ``prefix`` is put before generated names (``node/conv1``), and a
    generated name skips the ``reserved`` ones (the names given in the network, see :func:`given_names`).

    >>> namer = Namer(reserved={"conv1"})
    >>> namer.name("conv"), namer.name("conv", "stem"), namer.name("conv"), namer.name("merge")
    ('conv2', 'stem', 'conv3', 'merge1')
    """

    __slots__ = ("counters", "reserved")

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self.counters: dict[str, int] = {}
        self.reserved = frozenset(reserved)

    def name(self, kind: str, given: str | None = None, prefix: str = "") -> str:
        if given:
            return given
        while True:
            count = self.counters[kind] = self.counters.get(kind, 0) + 1
            name = f"{prefix}{kind}{count}"
            if name not in self.reserved:
                return name


def given_names(items: Iterable[Any]) -> set[str]:
    """Every name given to a layer or a block of ``items`` (network items: layers, parallel paths, repeated blocks),
    at any depth.

    >>> sorted(given_names(parse("conv(3, name='stem'), parallel([conv(1, name='a')], [pool(2)], name='m')").items))
    ['a', 'm', 'stem']
    """
    found: set[str] = set()
    stack = list(items)
    while stack:
        item = stack.pop()
        name = getattr(item, "name", None)
        if name:
            found.add(name)
        body = getattr(item, "body", None)
        if body is not None:
            stack.extend(body.items)
        for branch in getattr(item, "branches", ()):
            stack.extend(branch.items)
    return found


def layer_names(layers: Iterable[Any]) -> tuple[str, ...]:
    """The names of a chain's layers (objects with ``kind`` and ``name``).

    >>> layer_names([conv(3, name="stem"), conv(3), pool(2)])
    ('stem', 'conv1', 'pool1')
    """
    layers = tuple(layers)
    namer = Namer(layer.name for layer in layers if layer.name)
    return tuple(namer.name(layer.kind, layer.name) for layer in layers)
