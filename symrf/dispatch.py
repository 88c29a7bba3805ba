"""The one dispatcher: :func:`analyze` picks the engine from the network's structure alone.

- values per axis (``conv((3, 5))``): the network is analysed along each axis by this same dispatcher, and the
  per-axis analyses are reported together (:class:`~symrf.per_axis.AxesAnalysis`);
- several paths (``parallel``, ``residual``), graph files, TensorFlow "same" padding, asymmetric padding,
  ``convt``, ``upsample`` and ``global_pool``: one sweep over the graph (:class:`~symrf.graph.GraphAnalysis`);
- a block repeated a symbolic number of times in a plain chain: closed forms
  (:class:`~symrf.closed_forms.ClosedFormAnalysis`);
- a plain chain of conv and pool layers: the chain recurrence (:class:`~symrf.chain.ChainAnalysis`).

Options never move a network to another engine: ``strict`` only turns misalignment warnings into errors, and an
input size only adds output sizes. The engines beyond the chain are imported on first use, so that ``import
symrf`` and ``symrf rf "conv(3)"`` stay light.
"""

from __future__ import annotations

from typing import Any

from .analysis import Analysis
from .chain import ChainAnalysis
from .layers import Value, input_sizes_per_axis
from .network import Network
from .spec import parse

__all__ = ["analyze", "engine_of", "erf"]


def _network(network: object) -> Any:
    """A Network or a Graph (graphs and graph files are imported only when one is given)."""
    if isinstance(network, Network):
        return network
    if isinstance(network, str):
        return parse(network)
    if isinstance(network, Analysis):
        return network.network
    from .dag import Graph

    if isinstance(network, Graph):
        return network
    return Network.of(network if isinstance(network, (list, tuple)) else [network])




def engine_of(network: Any) -> str:
    """The engine a 1-D network needs: "graph", "closed_form" or "chain".

    >>> engine_of(parse("conv(3)")), engine_of(parse("n * [conv(3)]")), engine_of(parse("residual([conv(3)])"))
    ('chain', 'closed_form', 'graph')
    """
    if not isinstance(network, Network) or not network.is_plain:  # a Graph, or a network that needs one
        return "graph"
    return "closed_form" if network.has_repeats else "chain"


def _analyze_axis(network: Any, size: Value | None, strict: bool) -> Analysis:
    engine = engine_of(network)
    if engine == "chain":
        return ChainAnalysis(network, size)
    if engine == "closed_form":
        from .closed_forms import ClosedFormAnalysis

        return ClosedFormAnalysis(network, size)
    from .graph import GraphAnalysis

    return GraphAnalysis(network, size, strict)


def analyze(network: Any, input_size: object = None, *, strict: bool = False) -> Analysis:
    """Analyse a network: a spec string, a :class:`~symrf.network.Network`, a list of layers, a graph
    (:class:`~symrf.dag.Graph`, or a graph file read by :func:`symrf.load_graph`, at its own input size unless one
    is given). Every result is an :class:`~symrf.analysis.Analysis`.

    ``input_size`` is one value for every axis or one per axis (an int or a symbol); a network written with one
    value per layer and given several sizes, such as ``(224, 224)``, is analysed along that many axes, with the same
    layers on each. ``strict=True`` makes a misaligned merge an error.

    >>> analyze("conv(3, p=1), pool(2)", input_size=32).size
    16
    >>> analyze("n * [conv((3, 5))]").rf
    (2*n + 1, 4*n + 1)
    >>> analyze("conv(3), pool(2)", input_size=(224, 160)).size
    (111, 79)
    """
    if not isinstance(network, (Network, str)):
        from .graphfile import GraphSpec  # imported only when something other than a spec or a network is given

        if isinstance(network, GraphSpec):
            if input_size is None:
                input_size = network.input_size
            network = network.network
    net = _network(network)
    count = net.axis_count
    if count == 1 and isinstance(input_size, (tuple, list)) and len(input_size) > 1:
        count = len(input_size)  # one value per layer, several sizes: the same layers along every axis
    sizes = input_sizes_per_axis(input_size, count)
    if count == 1:
        return _analyze_axis(net, sizes[0], strict)
    from .per_axis import AxesAnalysis

    def reanalyze(other: Any, other_sizes: Any) -> Analysis:
        return analyze(other, other_sizes, strict=strict)

    analyses = tuple(_analyze_axis(net.along(axis), sizes[axis], strict) for axis in range(count))
    return AxesAnalysis(net, analyses, reanalyze)


def erf(network: Any, input_size: object = None, *, layer: int | str | None = None) -> Any:
    """The effective receptive field of feature 0 of a network's output with uniform weights, exactly (an
    :class:`~symrf.effective.ERF`; see :mod:`symrf.effective`). ``network`` is anything :func:`analyze` takes (a
    spec, a Network, a list of layers, a graph, a graph file read by :func:`symrf.load_graph`, an Analysis, used as
    it is unless an input size is given); ``input_size`` as for :func:`analyze` (one per axis gives several axes);
    ``layer`` (a row's name or 1-based index) gives the ERF of that row's feature 0 instead.

    >>> erf("conv(3)").response
    (0, (Fraction(1, 3), Fraction(1, 3), Fraction(1, 3)))
    >>> erf("residual([conv(3, p=1)])").response
    (-1, (Fraction(1, 6), Fraction(2, 3), Fraction(1, 6)))
    >>> erf("conv((3, 1)), conv((3, 5))").variance
    (4/3, 2)
    """
    from .effective import ERF

    if not isinstance(network, Analysis) or input_size is not None:
        network = analyze(network, input_size)
    return ERF(network, layer)
