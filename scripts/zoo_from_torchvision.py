"""Write the zoo's torchvision entries (symrf/zoo/<name>.toml) from symrf's PyTorch importer, with measured values.

Run from the repository root with torch and torchvision installed (no weights are downloaded)::

    PYTHONPATH=. python scripts/zoo_from_torchvision.py            # every model
    PYTHONPATH=. python scripts/zoo_from_torchvision.py googlenet  # some

Each model is built with ``weights=None`` (its parameters on the meta device: nothing is allocated), imported with
:func:`symrf.from_torch` at the crop size of torchvision's default preprocessing for its default weights, cut at
its last feature layer (the classifier is dropped) and written with :func:`symrf.graphfile.write_graph`, with the
end-points of its stages (torchvision's container paths) and its source.

The measurement owes nothing to symrf: for each end-point, the RF, jump and start along the width are measured by
input gradients on a linear, positive copy of the model (convolutions and linear layers with a positive constant
weight and no bias, max poolings as average poolings of the same geometry, activations, norms and dropout removed,
squeeze-and-excitation gates removed, so that what is measured is ``rf_local``), in double precision, on an input
of ones that is short in height and long in width, long enough to hold the field of an interior feature: the
gradient of a feature is non-zero exactly on the pixels it reads (nothing cancels). Two neighbouring features are
measured (one per sample); RF = last - first + 1 pixel, jump = how far the first pixel moves, start = first pixel of
feature ``i`` - ``i`` * jump. Every model is measured (about six minutes for all on two cores); a model left out of
a family's ``measured`` list would say so in its file.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch
import torchvision
from torch import nn
from torchvision import models
from torchvision.ops.misc import SqueezeExcitation

import symrf
from symrf.dag import Graph
from symrf.graphfile import load_graph, write_graph

ZOO = Path(__file__).resolve().parent.parent / "symrf" / "zoo"


@dataclass(frozen=True)
class Family:
    module: str  # torchvision.models.<module>
    paper: str
    title: str  # description, with {name} and {final}
    final: str
    endpoints: tuple[str, ...]
    measured: tuple[str, ...]  # the variants that are measured
    short: int = 32  # the height of the measuring input


def _squeezenet(name: str) -> tuple[str, ...]:
    return ("features.2", "features.6", "features.11") if name == "squeezenet1_0" else (
        "features.2", "features.5", "features.8")


DENSE = ("features.pool0", "features.denseblock1", "features.transition1", "features.denseblock2",
         "features.transition2", "features.denseblock3", "features.transition3", "features.denseblock4")
FAMILIES: dict[str, Family] = {
    "densenet": Family("densenet", "Huang et al., 'Densely Connected Convolutional Networks', CVPR 2017",
                       "{title} (torchvision), up to {final} (the last batch norm, before the classifier)",
                       "features", DENSE, ("densenet121", "densenet161", "densenet169", "densenet201")),
    "googlenet": Family("googlenet", "Szegedy et al., 'Going Deeper with Convolutions', CVPR 2015",
                        "GoogLeNet (torchvision, batch norm), up to {final}", "inception5b",
                        ("maxpool1", "maxpool2", "inception3b", "maxpool3", "inception4e", "maxpool4"),
                        ("googlenet",)),
    "inception": Family("inception", "Szegedy et al., 'Rethinking the Inception Architecture for Computer Vision', "
                        "CVPR 2016", "Inception v3 (torchvision), up to {final}", "Mixed_7c",
                        ("Conv2d_2b_3x3", "maxpool1", "Conv2d_4a_3x3", "maxpool2", "Mixed_5d", "Mixed_6a",
                         "Mixed_6e", "Mixed_7a"), ("inception_v3",), short=96),
    "squeezenet": Family("squeezenet", "Iandola et al., 'SqueezeNet: AlexNet-level accuracy with 50x fewer "
                         "parameters and <0.5MB model size', arXiv:1602.07360, 2016",
                         "{title} (torchvision), up to {final} (before the classifier)", "features", (),
                         ("squeezenet1_0", "squeezenet1_1")),
    "shufflenetv2": Family("shufflenetv2", "Ma et al., 'ShuffleNet V2: Practical Guidelines for Efficient CNN "
                           "Architecture Design', ECCV 2018", "{title} (torchvision), up to {final}", "conv5",
                           ("conv1", "maxpool", "stage2", "stage3", "stage4"),
                           ("shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0")),
    "mnasnet": Family("mnasnet", "Tan et al., 'MnasNet: Platform-Aware Neural Architecture Search for Mobile', "
                      "CVPR 2019", "{title} (torchvision), up to {final} (before the classifier)", "layers",
                      ("layers.7", "layers.8", "layers.9", "layers.10", "layers.11", "layers.12", "layers.13"),
                      ("mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3")),
    "efficientnet": Family("efficientnet", "Tan & Le, 'EfficientNet: Rethinking Model Scaling for Convolutional "
                           "Neural Networks', ICML 2019",
                           "{title} (torchvision), up to {final} (before the classifier)",
                           "features", tuple(f"features.{i}" for i in range(8)),
                           tuple(f"efficientnet_b{i}" for i in range(8))),
    "regnet": Family("regnet", "Radosavovic et al., 'Designing Network Design Spaces', CVPR 2020",
                     "{title} (torchvision), up to {final} (before the classifier)", "trunk_output",
                     ("stem", "trunk_output.block1", "trunk_output.block2", "trunk_output.block3"),
                     tuple(f"regnet_{kind}_{size}" for kind in "xy" for size in
                           ("400mf", "800mf", "1_6gf", "3_2gf", "8gf", "16gf", "32gf", "128gf"))),
    "convnext": Family("convnext", "Liu et al., 'A ConvNet for the 2020s', CVPR 2022",
                       "{title} (torchvision), up to {final} (before the classifier)", "features",
                       tuple(f"features.{i}" for i in range(7)),
                       tuple(f"convnext_{size}" for size in ("tiny", "small", "base", "large"))),
    "resnet": Family("resnet", "", "{title} (torchvision), up to {final}", "layer4",
                     ("maxpool", "layer1", "layer2", "layer3"), ("resnext50_32x4d", "wide_resnet50_2")),
}
PAPERS = {
    "wide_resnet50_2": "Zagoruyko & Komodakis, 'Wide Residual Networks', BMVC 2016",
    "resnext50_32x4d": "Xie et al., 'Aggregated Residual Transformations for Deep Neural Networks', CVPR 2017",
}
TITLES = {"densenet": "DenseNet-{}", "squeezenet": "SqueezeNet {}", "shufflenet_v2": "ShuffleNet V2 {}",
          "mnasnet": "MnasNet {}", "efficientnet": "EfficientNet-{}", "regnet": "RegNet{}", "convnext": "ConvNeXt {}"}
#: torchvision's builder -> the zoo's name (inception_v3 is TF-Slim's in the zoo).
RENAMED = {"inception_v3": "inception_v3_torchvision"}


def builders() -> list[tuple[str, str]]:
    """(torchvision builder, family) of every model to write."""
    prefixes = {"densenet": "densenet", "squeezenet": "squeezenet", "shufflenet_v2": "shufflenetv2",
                "mnasnet": "mnasnet", "efficientnet_b": "efficientnet", "regnet_": "regnet", "convnext": "convnext",
                "googlenet": "googlenet", "inception_v3": "inception", "wide_resnet50_2": "resnet",
                "resnext50_32x4d": "resnet"}
    found = []
    for name in sorted(models.list_models(module=models)):
        family = next((family for prefix, family in prefixes.items() if name.startswith(prefix)), None)
        if family is not None:
            found.append((name, family))
    return found


def title(name: str) -> str:
    for prefix, pattern in TITLES.items():
        if name.startswith(prefix):
            rest = name[len(prefix):].lstrip("_")
            if prefix == "regnet":
                kind, _, size = rest.partition("_")
                return f"RegNet{kind.upper()}-{size.upper().replace('_', '.')}"
            if prefix == "efficientnet":
                rest = rest.upper()
            return pattern.format(rest.replace("_", "."))
    return {"wide_resnet50_2": "Wide ResNet-50-2", "resnext50_32x4d": "ResNeXt-50 32x4d"}.get(name, name)


@contextmanager
def meta_parameters():
    """Parameters made on the meta device: the largest models are built without allocating their weights."""
    original = nn.Module.register_parameter

    def register(self: nn.Module, name: str, param: nn.Parameter | None) -> None:
        if param is not None and param.device.type != "meta":
            param = nn.Parameter(param.to("meta"), requires_grad=param.requires_grad)
        original(self, name, param)

    nn.Module.register_parameter = register  # type: ignore[method-assign]
    try:
        yield
    finally:
        nn.Module.register_parameter = original  # type: ignore[method-assign]


def build(name: str, meta: bool) -> nn.Module:
    kwargs = {"init_weights": False} if name in ("googlenet", "inception_v3") else {}
    if meta:
        with meta_parameters():
            return models.get_model(name, weights=None, **kwargs).eval()
    torch.manual_seed(0)
    return models.get_model(name, weights=None, **kwargs).eval()


def crop_size(name: str) -> tuple[int, str]:
    weights = models.get_model_weights(name).DEFAULT
    return int(weights.transforms.keywords["crop_size"]), str(weights).rpartition(".")[2]


def cut(graph: Graph, final: str) -> Graph:
    """The part of ``graph`` that ``final`` (a node or an alias) reads; its aliases that name kept nodes."""
    aliases = dict(graph.aliases or {})
    output = aliases.get(final, final)
    by_name = {node.name: node for node in graph.nodes}
    kept, todo = set(), [output]
    while todo:
        name = todo.pop()
        if name in kept or name == "input":
            continue
        kept.add(name)
        todo.extend(by_name[name].sources)
    nodes = tuple(node for node in graph.nodes if node.name in kept)
    return Graph(nodes, output, None, {a: t for a, t in aliases.items() if t in kept})


# -- the measurement ---------------------------------------------------------------------------------------------

REMOVED = (nn.ReLU, nn.ReLU6, nn.SiLU, nn.Hardswish, nn.GELU, nn.Sigmoid, nn.Hardsigmoid, nn.BatchNorm2d,
           nn.LayerNorm, nn.GroupNorm, nn.Dropout, nn.Dropout2d, SqueezeExcitation)
METHOD = ("input gradient of two neighbouring interior features (one per sample) on a positive linear copy: conv "
          "and linear weights 1/fan-in, no bias, max pools as average pools, activations, norms, dropout and "
          "squeeze-and-excitation gates removed; float64, an input of ones")


def positive_copy(model: nn.Module) -> nn.Module:
    model = copy.deepcopy(model).double().eval()
    for path, module in list(model.named_modules()):
        replacement = None
        if isinstance(module, REMOVED):
            replacement = nn.Identity()
        elif isinstance(module, nn.MaxPool2d):
            assert module.dilation in (1, (1, 1)), path
            replacement = nn.AvgPool2d(module.kernel_size, module.stride, module.padding, module.ceil_mode)
        if replacement is not None:
            parent, _, leaf = path.rpartition(".")
            setattr(model.get_submodule(parent) if parent else model, leaf, replacement)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                module.weight.fill_(1.0 / module.weight[0].numel())
                if module.bias is not None:
                    module.bias.zero_()
            elif getattr(module, "weight", None) is not None:
                raise NotImplementedError(f"a module with weights: {type(module).__name__}")
        for path, parameter in model.named_parameters():
            if path.endswith("layer_scale"):
                parameter.fill_(1.0)  # ConvNeXt's 1e-6 would only shrink the values
    return model


def measure(model: nn.Module, layers: tuple[str, ...], height: int, width: int) -> dict[str, dict]:
    """RF, jump and start along the width of the features at ``layers``, on an input of ``height`` x ``width``."""
    copy_ = positive_copy(model)
    outputs: dict[str, torch.Tensor] = {}
    handles = []
    for layer in layers:
        def hook(module: nn.Module, args: object, output: torch.Tensor, layer: str = layer) -> torch.Tensor:
            outputs[layer] = output
            return output.clone()  # later in-place ops act on the clone

        handles.append(copy_.get_submodule(layer).register_forward_hook(hook))
    x = torch.ones((2, 3, height, width), dtype=torch.float64, requires_grad=True)
    copy_(x)
    for handle in handles:
        handle.remove()
    found = {}
    for layer in layers:
        y = outputs[layer]
        row, first = y.shape[2] // 2, y.shape[3] // 2
        picked = y[0, :, row, first].sum() + y[1, :, row, first + 1].sum()
        (grad,) = torch.autograd.grad(picked, x, retain_graph=True)
        ends = []
        for sample in range(2):
            hit = torch.nonzero(grad[sample].abs().sum(dim=(0, 1)) > 0).flatten()
            ends.append((int(hit[0]), int(hit[-1])))
        (lo0, hi0), (lo1, hi1) = ends
        if lo0 <= 0 or hi1 >= width - 1:
            raise RuntimeError(f"{layer}: the field {lo0}..{hi1} touches the border of {width} pixels")
        assert hi0 - lo0 == hi1 - lo1 and lo1 - lo0 == hi1 - hi0, (layer, ends)
        jump = lo1 - lo0
        found[layer] = {"layer": layer, "rf": hi0 - lo0 + 1, "jump": jump, "start": lo0 - first * jump,
                        "input_size": [height, width], "axis": "width"}
    return found


# -- the files ---------------------------------------------------------------------------------------------------


def entry(name: str, family: Family, measure_it: bool, kept: tuple = ()) -> str:
    size, weights = crop_size(name)
    model = build(name, meta=not measure_it)
    endpoints = _squeezenet(name) if family.module == "squeezenet" else family.endpoints
    imported = symrf.import_torch(model, (size, size))
    graph = cut(imported.graph, family.final)
    analysis = symrf.analyze(graph, (size, size))
    se = graph.has_context
    metadata: dict = {
        "name": RENAMED.get(name, name),
        "description": family.title.format(title=title(name), final=family.final),
        "source": f"torchvision.models.{name} (torchvision.models.{family.module}; torchvision "
                  f"{torchvision.__version__}); {PAPERS.get(name, family.paper)}",
        "input_size": size,
        "final_layer": family.final,
    }
    if se:
        metadata["reports"] = "rf_local"
    notes = [f"input_size: the crop size of torchvision's preprocessing for its default weights ({weights})",
             *imported.notes[1:]]
    if se:
        notes.append("squeeze-and-excitation gates read the whole input (rf); the zoo reports rf_local, the RF of "
                     "the local paths")
    metadata["notes"] = "; ".join(notes)
    layers = (*endpoints, family.final)
    if measure_it and kept:
        metadata["measured"] = [dict(m) for m in kept]
    elif measure_it:
        rows = [analysis.layer(layer) for layer in layers]
        widest = max(int(row.rf_local[1]) + 4 * int(row.jump[1]) for row in rows)
        width = -(-(widest + 64) // 32) * 32
        started = time.time()
        found = measure(build(name, meta=False), layers, family.short, width)
        versions = f"torch {torch.__version__}, torchvision {torchvision.__version__}"
        metadata["measured"] = [{**found[layer], "method": METHOD, "versions": versions} for layer in layers]
        print(f"  measured {name} on {family.short}x{width} in {time.time() - started:.1f} s", file=sys.stderr)
    else:
        measured = ", ".join(m for m in family.measured) or "none"
        metadata["unmeasured"] = (f"not measured (the cost of the measurement on the larger variants); measured in "
                                  f"the same family: {measured}")
    metadata["endpoints"] = list(endpoints)
    header = (f"{metadata['description']}.\nGenerated by scripts/zoo_from_torchvision.py with symrf.from_torch from "
              f"torchvision {torchvision.__version__} (torch {torch.__version__}): run the script again, do not edit.")
    return write_graph(graph, header=header, one_axis=True, **metadata)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("names", nargs="*", help="torchvision builders (default: every one)")
    parser.add_argument("--no-measure", action="store_true", help="write the entries without measuring")
    parser.add_argument("--keep-measured", action="store_true",
                        help="keep the measurements of the existing files instead of measuring again")
    args = parser.parse_args()
    chosen = [(n, f) for n, f in builders() if not args.names or n in args.names]
    for name, family_name in chosen:
        family = FAMILIES[family_name]
        started = time.time()
        path = ZOO / f"{RENAMED.get(name, name)}.toml"
        kept = load_graph(path).measured if args.keep_measured and path.exists() else ()
        text = entry(name, family, name in family.measured and not args.no_measure, kept)
        path.write_text(text, encoding="utf-8")
        print(f"{path.name}: {len(text):,} characters, {time.time() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
