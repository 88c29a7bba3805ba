"""The one naming rule for rows: a layer's own name, else its kind and a per-kind counter.

``conv(3), pool(2), conv(3)`` is named ``conv1, pool1, conv2``; named layers do not count, so
``conv(3, name="stem"), conv(3)`` is named ``stem, conv1``. Merges are ``merge1, merge2, ...`` and blocks repeated a
symbolic number of times ``repeat1, ...`` under the same rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["Namer", "layer_names"]


class Namer:
    """Gives names in order under the rule above; ``prefix`` is put before generated names (``node/conv1``).

    >>> namer = Namer()
    >>> namer.name("conv"), namer.name("conv", "stem"), namer.name("conv"), namer.name("merge")
    ('conv1', 'stem', 'conv2', 'merge1')
    """

    __slots__ = ("counters",)

    def __init__(self) -> None:
        self.counters: dict[str, int] = {}

    def name(self, kind: str, given: str | None = None, prefix: str = "") -> str:
        if given:
            return given
        count = self.counters[kind] = self.counters.get(kind, 0) + 1
        return f"{prefix}{kind}{count}"


def layer_names(layers: Iterable[Any]) -> tuple[str, ...]:
    """The names of a chain's layers (objects with ``kind`` and ``name``).

    >>> layer_names([conv(3, name="stem"), conv(3), pool(2)])
    ('stem', 'conv1', 'pool1')
    """
    namer = Namer()
    return tuple(namer.name(layer.kind, layer.name) for layer in layers)
