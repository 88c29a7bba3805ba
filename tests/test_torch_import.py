"""symrf.from_torch: PyTorch models built here (no downloads), each checked against symrf's own spec of the same
network, a value worked out by hand, or the output shape PyTorch computes (tiny models are run for their shapes)."""

from __future__ import annotations

import subprocess
import sys
import time
import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import symrf
from symrf import zoo
from symrf.errors import SymrfError
from symrf.importing import GraphBuilder, Imported
from symrf.recurrence import transposed_inputs
from symrf.torch_import import _resampling, from_torch, import_torch

QUANTITIES = ("rf", "jump", "effective_padding", "start", "size")


def values(analysis, quantities=QUANTITIES) -> tuple:
    return tuple(getattr(analysis, q) for q in quantities)


def same_as(model: nn.Module, spec: str, size: object, **options) -> None:
    """``model`` imported and analysed at ``size`` has the values of ``spec`` (and its sizes are PyTorch's)."""
    graph = from_torch(model, size, **options)
    got = symrf.analyze(graph, size)
    assert values(got) == values(spec_analysis(spec, size, graph.axis_count))
    assert_torch_sizes(model, size, got)


def spec_analysis(spec: str, size: object, axes: int = 2):
    """A spec analysed along ``axes`` axes (the same layers on each unless they give values per axis)."""
    return symrf.analyze(spec, spatial(size, axes))


def spatial(size: object, axes: int = 2) -> tuple[int, ...]:
    return tuple(size) if isinstance(size, tuple) else (size,) * axes


def torch_sizes(model: nn.Module, size: object, channels: int = 3, axes: int = 2) -> tuple[int, ...]:
    with torch.no_grad():
        out = model.eval()(torch.zeros(1, channels, *spatial(size, axes)))
    return tuple(out.shape[2:])


def assert_torch_sizes(model: nn.Module, size: object, analysis, channels: int = 3) -> None:
    axes = analysis.axis_count if hasattr(analysis, "axis_count") else 1
    got = analysis.size if isinstance(analysis.size, tuple) else (analysis.size,)
    assert got == torch_sizes(model, size, channels, axes)


def names(graph) -> list[str]:
    return [node.name for node in graph.nodes]


# -- models --------------------------------------------------------------------------------------------------------


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int = 1, dims: int = 2) -> None:
        super().__init__()
        conv, bn = (nn.Conv1d, nn.BatchNorm1d) if dims == 1 else (nn.Conv2d, nn.BatchNorm2d)
        self.conv1 = conv(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = bn(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = bn(c_out)
        self.downsample = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(conv(c_in, c_out, 1, stride, bias=False), bn(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class Bottleneck(nn.Module):
    def __init__(self, c_in: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or c_in != planes * 4:
            self.downsample = nn.Sequential(nn.Conv2d(c_in, planes * 4, 1, stride, bias=False),
                                            nn.BatchNorm2d(planes * 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet(nn.Module):
    """torchvision's ResNet, built here: ``bottleneck`` blocks for ResNet-50, basic ones for ResNet-18."""

    def __init__(self, layers: tuple[int, ...] = (2, 2, 2, 2), bottleneck: bool = False, width: int = 8,
                 dims: int = 2) -> None:
        super().__init__()
        conv, bn, pool = {1: (nn.Conv1d, nn.BatchNorm1d, nn.MaxPool1d),
                          2: (nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d)}[dims]
        self.conv1 = conv(3, width, 7, 2, 3, bias=False)
        self.bn1 = bn(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = pool(3, 2, 1)
        expansion = 4 if bottleneck else 1
        c_in = width
        stages = []
        for index, blocks in enumerate(layers):
            planes = width * 2**index
            stride = 1 if index == 0 else 2
            stage = []
            for block in range(blocks):
                if bottleneck:
                    stage.append(Bottleneck(c_in, planes, stride if block == 0 else 1))
                else:
                    stage.append(BasicBlock(c_in, planes, stride if block == 0 else 1, dims))
                c_in = planes * expansion
            stages.append(nn.Sequential(*stage))
        self.layer1, self.layer2, self.layer3, self.layer4 = (stages + [nn.Identity()] * 4)[:4]
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1)) if dims == 2 else nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(c_in, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class Wrap(nn.Module):
    """A function of the input as a model: ``Wrap(lambda x: ...)``, with modules registered as attributes."""

    def __init__(self, function, **modules: nn.Module) -> None:
        super().__init__()
        self.function = function
        for name, module in modules.items():
            setattr(self, name, module)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.function(self, x)


# -- the package -----------------------------------------------------------------------------------------------------


def test_import_symrf_does_not_import_torch():
    code = "import symrf, sys; symrf.analyze('conv(3)'); assert 'torch' not in sys.modules, 'torch was imported'"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_from_torch_is_public_and_lazy():
    assert symrf.from_torch is from_torch and symrf.import_torch is import_torch
    assert {"from_torch", "import_torch"} <= set(symrf.__all__)


def test_missing_torch_is_one_error_with_the_install_command():
    code = ("import sys; sys.modules['torch'] = None\n"
            "import symrf\n"
            "try:\n    symrf.from_torch\nexcept symrf.SymrfError as exc:\n    print(exc)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "PyTorch is not installed: pip install 'symrf[torch]'", result.stderr


def test_import_gives_notes_and_the_graph():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2))
    imported = import_torch(model, 16)
    assert isinstance(imported, Imported) and imported.notes[0] == "traced with torch.fx"
    assert imported.warnings == ()
    assert names(imported.graph) == ["0", "2"]
    assert names(from_torch(nn.Conv2d(3, 3, 3))) == ["Conv2d"]
    assert symrf.analyze(imported.graph, 16).rf == (4, 4)


def test_from_torch_needs_a_module():
    with pytest.raises(SymrfError, match="torch.nn.Module"):
        from_torch("conv(3)")


@pytest.mark.parametrize("size", [0, -3, 2.5, "64", (64, 0), True])
def test_input_size_is_checked(size):
    with pytest.raises(SymrfError, match="input_size"):
        from_torch(nn.Conv2d(3, 3, 3), size)


def test_input_size_per_axis_must_match_the_axes():
    with pytest.raises(SymrfError, match="3 entries but the model has 2"):
        from_torch(nn.Conv2d(3, 3, 3), (8, 8, 8))


# -- names and aliases -----------------------------------------------------------------------------------------------


def test_layers_keep_their_module_paths_and_containers_name_their_output():
    graph = from_torch(ResNet((2, 2)), 64)
    assert names(graph) == [
        "conv1", "maxpool",
        "layer1.0.conv1", "layer1.0.conv2", "layer1.0.add", "layer1.1.conv1", "layer1.1.conv2", "layer1.1.add",
        "layer2.0.conv1", "layer2.0.conv2", "layer2.0.downsample.0", "layer2.0.add",
        "layer2.1.conv1", "layer2.1.conv2", "layer2.1.add", "avgpool", "fc"]
    aliases = graph.aliases
    assert aliases["layer1"] == "layer1.1.add" and aliases["layer2"] == "layer2.1.add"
    assert aliases["layer1.0"] == "layer1.0.add" and aliases["layer2.0.downsample"] == "layer2.0.downsample.0"
    assert aliases["bn1"] == "conv1" and aliases["layer1.0.bn1"] == "layer1.0.conv1"  # pass-through modules
    assert aliases["layer1.0.relu"] == "layer1.0.add"  # the last call of the block's relu is after the addition
    assert not set(aliases) & set(names(graph))
    analysis = symrf.analyze(graph, 64)
    assert analysis.layer("layer1") == analysis.layer("layer1.1.add")
    assert analysis.layer("layer2").rf == (99, 99) and analysis.layer("layer1").jump == (4, 4)
    assert analysis.layer("layer1.0.relu") == analysis.layer("layer1.0.add")


def test_a_container_names_its_output_in_a_1d_model():
    analysis = symrf.analyze(from_torch(ResNet((2, 2), dims=1), 64), 64)
    assert analysis.layer("layer1") == analysis.layer("layer1.1.add")
    assert analysis.layer("layer2").rf == 99 and analysis.layer("layer2.0.downsample").jump == 8
    assert analysis.layer("layer2.0.bn2") == analysis.layer("layer2.0.conv2")


def test_names_are_unique():
    def forward(self, x):
        x = self.conv(self.conv(x))  # one module, called twice
        y = x + x.relu()  # one distinct input: no merge
        y = y + self.other(y)
        return self.block(y + self.other(y))

    block = Wrap(lambda self, x: (x + self.inner(x)) + self.inner(x), inner=nn.Conv2d(3, 3, 3, padding=1))
    model = Wrap(forward, conv=nn.Conv2d(3, 3, 3, padding=1), other=nn.Conv2d(3, 3, 1), block=block)
    graph = from_torch(model, 16)
    assert names(graph) == ["conv", "conv_1", "other", "add", "other_1", "add_1", "block.inner", "block.add",
                            "block.inner_1", "block.add_1"]
    assert graph.aliases["block"] == "block.add_1"


def test_resnet18_and_resnet50_match_the_zoo():
    for layers, bottleneck, name in (((2, 2, 2, 2), False, "resnet18"), ((3, 4, 6, 3), True, "resnet50")):
        graph = from_torch(ResNet(layers, bottleneck), 224)
        imported = symrf.analyze(graph, 224).layer("layer4")
        expected = symrf.analyze(zoo.get(name)).layer("layer4")
        assert (imported.rf, imported.jump, imported.effective_padding, imported.size) == tuple(
            (value, value) for value in (expected.rf, expected.jump, expected.effective_padding, expected.size)), name


def test_import_and_analysis_cost_less_than_a_forward_pass():
    model = ResNet((3, 4, 6, 3), bottleneck=True, width=64).eval()
    x = torch.zeros(1, 3, 224, 224)

    def best(function, repeats: int = 3) -> float:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
        return min(times)

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            model(x)
            forward = best(lambda: model(x))
    finally:
        torch.set_num_threads(threads)
    symrf.analyze(from_torch(model, 224), 224)
    imported = best(lambda: symrf.analyze(from_torch(model, 224), 224).rows)
    assert imported < forward, (imported, forward)


# -- every op ------------------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel lengths")
@pytest.mark.parametrize(("model", "spec"), [
    (nn.Conv2d(3, 4, 5, stride=2, padding=1, dilation=2), "conv(5, 2, p=1, d=2)"),
    (nn.Conv2d(3, 4, (3, 5), stride=(1, 2), padding=(1, 0)), "conv((3, 5), s=(1, 2), p=(1, 0))"),
    (nn.Conv2d(3, 4, 4, padding="same"), "conv(4, p=[(1, 2)])"),  # PyTorch pads 3: 1 before, 2 after
    (nn.Conv2d(3, 4, 3, padding="same", dilation=3), "conv(3, p=3, d=3)"),
    (nn.Conv2d(3, 4, 3, padding="valid"), "conv(3)"),
    (nn.Conv2d(3, 4, 3, padding=2, padding_mode="reflect"), "conv(3, p=2)"),
    (nn.Conv2d(3, 4, 3, padding=1, padding_mode="replicate"), "conv(3, p=1)"),
    (nn.Conv2d(3, 4, 3, padding=1, padding_mode="circular"), "conv(3, p=1)"),
    (nn.ConvTranspose2d(3, 4, 4, stride=2, padding=1), "convt(4, 2, p=1)"),
    (nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1), "convt(3, 2, p=[(1, 0)])"),
    (nn.ConvTranspose2d(3, 4, 3, stride=2, dilation=2), "convt(3, 2, d=2)"),
    (nn.ConvTranspose2d(3, 4, 2, stride=3, output_padding=1), "convt(2, 3), conv(1, p=[(0, 1)])"),
    (nn.MaxPool2d(3, 2, 1), "pool(3, 2, p=1)"),
    (nn.MaxPool2d(2), "pool(2)"),
    (nn.MaxPool2d(3, 1, 1, dilation=2), "pool(3, 1, p=1, d=2)"),
    (nn.AvgPool2d(3, 2, 1), "pool(3, 2, p=1)"),
    (nn.AvgPool2d((2, 4)), "pool((2, 4))"),
    (nn.AdaptiveAvgPool2d(4), "pool(8)"),
    (nn.AdaptiveMaxPool2d((64, 64)), "upsample(2)"),
    (nn.AdaptiveAvgPool2d((None, 16)), "pool((1, 2))"),
    (nn.Upsample(scale_factor=2), "upsample(2)"),
    (nn.Upsample(scale_factor=(3, 1), mode="nearest"), "upsample((3, 1))"),
    (nn.Upsample(size=(64, 96)), "upsample((2, 3))"),
    (nn.Upsample(scale_factor=2, mode="bilinear"), "convt(4, 2, p=1)"),
    (nn.Upsample(scale_factor=4, mode="bilinear", align_corners=False), "convt(8, 4, p=2)"),
    (nn.Upsample(scale_factor=2, mode="bicubic"), "convt(8, 2, p=3)"),
    (nn.Upsample(scale_factor=0.5, mode="bilinear"), "conv(2, 2)"),
    (nn.Upsample(scale_factor=0.5, mode="nearest"), "pool(1, 2)"),
    (nn.ZeroPad2d((1, 2, 3, 4)), "conv((1, 1), p=((3, 4), (1, 2)))"),
    (nn.ConstantPad2d(2, 0.5), "conv(1, p=2)"),
    (nn.ReflectionPad2d((1, 1, 2, 2)), "conv((1, 1), p=(2, 1))"),
    (nn.ReplicationPad2d(1), "conv(1, p=1)"),
    (nn.PixelShuffle(2), "upsample(2)"),
    (nn.PixelUnshuffle(2), "pool(2)"),
    (nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.GELU(), nn.SiLU(), nn.Sigmoid(),
                   nn.Hardswish(), nn.Tanh(), nn.Dropout(0.5), nn.Dropout2d(), nn.Identity(), nn.LeakyReLU(),
                   nn.ReLU6(), nn.Mish(), nn.ELU(), nn.PReLU(), nn.Softmax(dim=1), nn.LocalResponseNorm(2),
                   nn.ChannelShuffle(2)), "conv(3)"),
], ids=lambda v: v if isinstance(v, str) else type(v).__name__)
def test_modules(model, spec):
    size = (32, 32) if not isinstance(model, nn.PixelShuffle) else (16, 16)
    channels = 12 if isinstance(model, nn.PixelShuffle) else 3
    got = symrf.analyze(from_torch(model, size), size)
    assert values(got) == values(spec_analysis(spec, size))
    assert_torch_sizes(model, size, got, channels)


def test_adaptive_pooling_to_one_is_global():
    for size in (None, 32):
        analysis = symrf.analyze(from_torch(nn.Sequential(nn.Conv2d(3, 3, 3), nn.AdaptiveMaxPool2d(1)), size), size)
        assert analysis.rf_local is None and analysis.layer(2).kind == "global_pool"
    assert symrf.analyze(from_torch(nn.Sequential(nn.Conv2d(3, 3, 3), nn.AdaptiveAvgPool2d(1)), 32), 32).rf == (
        32, 32)


WEIGHT = torch.ones(4, 3, 3, 3)


FUNCTIONS = [
    (lambda self, x: F.conv2d(x, self.weight, None, 2, 1), "conv(3, 2, p=1)"),
    (lambda self, x: F.conv2d(x, self.weight, padding="same", dilation=2), "conv(3, p=2, d=2)"),
    (lambda self, x: torch.conv2d(x, self.weight, stride=(1, 2)), "conv(3, s=(1, 2))"),
    (lambda self, x: F.conv_transpose2d(x, self.weight.transpose(0, 1), stride=2, padding=1, output_padding=1),
     "convt(3, 2, p=[(1, 0)])"),
    (lambda self, x: F.max_pool2d(x, 3, 2, 1), "pool(3, 2, p=1)"),
    (lambda self, x: F.max_pool2d(x, 2, return_indices=True)[0], "pool(2)"),
    (lambda self, x: F.avg_pool2d(x, (2, 3), (2, 1)), "pool((2, 3), s=(2, 1))"),
    (lambda self, x: F.adaptive_avg_pool2d(x, 8), "pool(4)"),
    (lambda self, x: F.adaptive_max_pool2d(x, (16, 8), return_indices=True)[0].sum(1, keepdim=True),
     "pool((2, 4))"),
    (lambda self, x: F.interpolate(x, scale_factor=2), "upsample(2)"),
    (lambda self, x: F.interpolate(x, size=(64, 32), mode="nearest-exact"), "upsample((2, 1))"),
    (lambda self, x: F.interpolate(x, size=x.shape[2:], mode="bilinear"), "conv(1)"),
    (lambda self, x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False), "convt(4, 2, p=1)"),
    (lambda self, x: F.interpolate(x, (x.shape[2] * 2, x.shape[3] * 4), mode="bilinear"),
     "convt((4, 8), s=(2, 4), p=(1, 2))"),
    (lambda self, x: F.interpolate(x, scale_factor=0.5, mode="area"), "pool(2)"),
    (lambda self, x: F.pad(x, (1, 2, 3, 4)), "conv((1, 1), p=((3, 4), (1, 2)))"),
    (lambda self, x: F.pad(x, (1, 1, 0, 0), mode="reflect"), "conv((1, 1), p=(0, 1))"),
    (lambda self, x: F.pad(x, (0, 0, 0, 0, 2, 2)), "conv(1)"),  # channels only
    (lambda self, x: F.pixel_unshuffle(F.pixel_shuffle(torch.cat([x, x, x, x], 1), 2), 2), "upsample(2), pool(2)"),
    (lambda self, x: x[:, :, ::2, ::2], "pool(1, 2)"),
    (lambda self, x: x[:, 1:, :, ::3], "pool(1, s=(1, 3))"),
    (lambda self, x: x[..., ::2], "pool(1, s=(1, 2))"),
    (lambda self, x: F.relu(x) * 2 + 1 - torch.sigmoid(x) / 3, "conv(1)"),
    (lambda self, x: torch.add(x, x, alpha=2).mul(x).sub_(1).clamp(0, 1).to(torch.float32).contiguous(), "conv(1)"),
    (lambda self, x: F.batch_norm(x, None, None, training=True), "conv(1)"),
    (lambda self, x: F.dropout(F.gelu(F.silu(F.hardswish(torch.tanh(x)))), 0.1), "conv(1)"),
    (lambda self, x: x.mean(1, keepdim=True) + x.amax(dim=1, keepdim=True), "conv(1)"),  # over channels: pointwise
    (lambda self, x: torch.max(x, dim=1, keepdim=True).values * torch.max(x, x), "conv(1)"),
    (lambda self, x: torch.where(x > 0, x, x * 0.1), "conv(1)"),
    (lambda self, x: F.softmax(x, dim=1) + F.log_softmax(x, 1) + F.normalize(x), "conv(1)"),
    (lambda self, x: torch.stack([x, x], dim=1).sum(1), "conv(1)"),
    (lambda self, x: torch.cat(torch.chunk(x, 3, dim=1)[::-1], 1), "conv(1)"),
    (lambda self, x: x.split(1, dim=1)[0] + x.split([1, 2], 1)[1] * x.unbind(1)[0].unsqueeze(1), "conv(1)"),
    (lambda self, x: x.narrow(1, 0, 2) + x.select(1, 0).unsqueeze(1), "conv(1)"),
    (lambda self, x: x.permute(0, 2, 3, 1).permute(0, 3, 1, 2).transpose(2, 3).transpose(-1, -2), "conv(1)"),
    (lambda self, x: x.flatten(2).unflatten(2, x.shape[2:]), "conv(1)"),
    (lambda self, x: x.view(x.size(0), -1, x.size(2) * x.size(3)).view(x.shape), "conv(1)"),
    (lambda self, x: x.reshape(-1, *x.shape[1:]).movedim(1, -1).movedim(-1, 1), "conv(1)"),
    (lambda self, x: x.unsqueeze(0).squeeze(0).expand(-1, 3, -1, -1).repeat(1, 2, 1, 1), "conv(1)"),
    (lambda self, x: F.glu(torch.cat([x, x], 1), dim=1), "conv(1)"),
    (lambda self, x: x * (x.dim() + x.size(1) + x.numel()), "conv(1)"),
    (lambda self, x: x + torch.zeros_like(x) + torch.ones(3, 1, 1), "conv(1)"),
]


@pytest.mark.parametrize(("function", "spec"), FUNCTIONS, ids=range(len(FUNCTIONS)))
def test_functions_and_methods(function, spec):
    model = Wrap(lambda self, x: function(self, self.stem(x)), stem=nn.Conv2d(3, 3, 1))
    model.weight = nn.Parameter(WEIGHT.clone())
    got = symrf.analyze(from_torch(model, 32), 32)
    expected = spec_analysis(f"conv(1), {spec}", 32)
    assert values(got) == values(expected)
    assert_torch_sizes(model, 32, got)
    try:
        without = symrf.analyze(from_torch(model), 32)  # the same, read without the input size
    except SymrfError as exc:  # adaptive pooling and interpolation to a size need it
        assert "give input_size" in str(exc)
    else:
        assert values(without) == values(expected)


def test_merges():
    def forward(self, x):
        a, b = self.a(x), self.b(x)
        return torch.cat([a + b, a * b, a - b, torch.add(a, b), torch.mul(a, b)], 1)

    model = Wrap(forward, a=nn.Conv2d(3, 3, 3, padding=1), b=nn.Conv2d(3, 3, 5, padding=2))
    graph = from_torch(model, 16)
    assert names(graph) == ["a", "b", "add", "mul", "sub", "add_1", "mul_1", "cat"]
    cat = next(node for node in graph.nodes if node.name == "cat")
    assert cat.inputs == ("add", "mul", "sub", "add_1", "mul_1")
    analysis = symrf.analyze(graph, 16)
    assert (analysis.rf, analysis.rf_min, analysis.jump) == ((5, 5), (3, 3), (1, 1))


def test_a_merge_of_one_tensor_makes_no_node():
    model = Wrap(lambda self, x: self.conv(x * 2 + x) + torch.cat([x], 1).sum() * 0, conv=nn.Conv2d(3, 3, 1))
    graph = from_torch(model, 16)
    assert names(graph) == ["conv", "sum", "add"]  # x * 2 + x reads one tensor; the sum is global context
    model = Wrap(lambda self, x: torch.cat([self.conv(x), self.conv(x)], 1) + 2, conv=nn.Conv2d(3, 3, 3))
    assert names(from_torch(model, 16)) == ["conv", "conv_1", "cat"]


def test_a_merge_of_different_sizes_is_an_error():
    model = Wrap(lambda self, x: self.conv(x) + x, conv=nn.Conv2d(3, 3, 3))
    with pytest.raises(SymrfError, match=r"add: add combines tensors of different sizes along axis 0 \(14 and 16\)"):
        from_torch(model, 16)


# -- global ops and context -------------------------------------------------------------------------------------------


class SEBlock(nn.Module):
    def __init__(self, channels: int = 8) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, channels, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, 2, 1)
        self.fc2 = nn.Conv2d(2, channels, 1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        gate = torch.sigmoid(self.fc2(F.relu(self.fc1(self.pool(x)))))
        return self.conv2(x * gate)


def test_a_squeeze_and_excitation_gate_is_context():
    graph = from_torch(SEBlock(), 32)
    mul = next(node for node in graph.nodes if node.name == "mul")
    assert mul.inputs == ("conv",) and mul.context == ("fc2",)
    analysis = symrf.analyze(graph, 32)
    assert analysis.rf_local == (5, 5)  # the local path: two 3x3 convolutions
    assert analysis.rf == (34, 34)  # the gate reads the whole input (and the last conv one pixel of padding)
    assert analysis.layer("pool").kind == "global_pool"


def test_a_gate_computed_with_linear_layers_and_views_is_context():
    def forward(self, x):
        x = self.conv(x)
        b, c, _, _ = x.size()
        y = F.adaptive_avg_pool2d(x, 1).view(b, c)
        y = self.fc(y).view(b, c, 1, 1)
        return x * y.expand_as(x)

    fc = nn.Sequential(nn.Linear(8, 2), nn.ReLU(inplace=True), nn.Linear(2, 8), nn.Sigmoid())
    model = Wrap(forward, conv=nn.Conv2d(3, 8, 3, padding=1), fc=fc)
    for size in (None, 16):
        graph = from_torch(model, size)
        assert names(graph) == ["conv", "adaptive_avg_pool2d", "fc.0", "fc.2", "mul"]
        analysis = symrf.analyze(graph, 16)
        assert (analysis.rf_local, analysis.rf) == ((3, 3), (17, 17))


@pytest.mark.parametrize(("function", "global_name"), [
    (lambda self, x: self.fc(torch.flatten(self.conv(x), 1)), "fc"),
    (lambda self, x: self.fc(self.conv(x).view(x.size(0), -1)), "fc"),
    (lambda self, x: self.conv(x).mean((2, 3)), "mean"),
    (lambda self, x: self.conv(x).mean([-1, -2], keepdim=True), "mean"),
    (lambda self, x: torch.amax(self.conv(x), dim=(2, 3)), "amax"),
    (lambda self, x: self.conv(x).sum(dim=[2, 3]), "sum"),
    (lambda self, x: self.conv(x).max(), "max"),
    (lambda self, x: F.avg_pool2d(self.conv(x), self.conv(x).size()[2:]), "avg_pool2d"),
])
def test_global_ops(function, global_name):
    model = Wrap(function, conv=nn.Conv2d(3, 4, 3, padding=1), fc=nn.Linear(4 * 16 * 16, 10))
    graph = from_torch(model, 16)
    node = next(node for node in graph.nodes if node.name == global_name)
    assert node.op.items[0].kind == "global_pool"
    analysis = symrf.analyze(graph, 16)
    assert analysis.rf_local is None and analysis.rf == (18, 18)


@pytest.mark.parametrize("norm", [nn.GroupNorm(2, 4), nn.InstanceNorm2d(4), nn.LayerNorm([4, 16, 16])])
def test_norms_over_positions_give_every_position_the_whole_input_as_context(norm):
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), norm, nn.Conv2d(4, 4, 3, padding=1))
    graph = from_torch(model, 16)
    assert names(graph) == ["0", "1.stats", "1", "2"]
    assert graph.nodes[2].context == ("1.stats",)
    analysis = symrf.analyze(graph, 16)
    assert analysis.rf_local == (5, 5) and analysis.rf == (18, 18)


def test_pointwise_norms():
    eval_instance = nn.InstanceNorm2d(4, track_running_stats=True).eval()  # running statistics: per channel
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4).eval(), eval_instance)
    assert names(from_torch(model, 16)) == ["0"]


def test_batch_norm_in_training_mode_is_read_as_in_eval_mode_with_a_note():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)).train()
    imported = import_torch(model, 16)
    assert names(imported.graph) == ["0"] and any("training mode" in note for note in imported.notes)


def test_softmax_over_the_positions_is_context():
    def forward(self, x):
        x = self.conv(x)
        weights = F.softmax(x.flatten(2), dim=-1).view_as(x)
        return x * weights

    graph = from_torch(Wrap(forward, conv=nn.Conv2d(3, 4, 3, padding=1)), 16)
    assert names(graph) == ["conv", "softmax.stats", "softmax", "mul"]
    analysis = symrf.analyze(graph, 16)
    assert analysis.rf_local == (3, 3) and analysis.rf == (17, 17)


def test_an_image_pooling_branch_broadcast_back_is_context():
    """DeepLab's ASPP: a pooled feature interpolated back to the map's size and concatenated."""
    def forward(self, x):
        x = self.stem(x)
        pooled = F.interpolate(self.project(self.pool(x)), size=x.shape[-2:], mode="bilinear", align_corners=False)
        return self.head(torch.cat([self.branch(x), pooled], dim=1))

    model = Wrap(forward, stem=nn.Conv2d(3, 4, 3, 2, 1), pool=nn.AdaptiveAvgPool2d(1), project=nn.Conv2d(4, 4, 1),
                 branch=nn.Conv2d(4, 4, 3, padding=2, dilation=2), head=nn.Conv2d(8, 4, 1))
    for size in (None, 32):
        graph = from_torch(model, size)
        assert names(graph) == ["stem", "pool", "project", "branch", "cat", "head"]
        assert graph.nodes[4].inputs == ("branch",) and graph.nodes[4].context == ("project",)
    analysis = symrf.analyze(graph, 32)
    assert analysis.rf_local == (11, 11) and analysis.rf == (37, 37)  # the input and 5 pixels of padding
    assert_torch_sizes(model, 32, analysis)


def test_interpolation_to_a_skip_connection_s_size():
    def forward(self, x):
        skip = self.down1(x)
        deep = self.down2(skip)
        return self.out(skip + F.interpolate(deep, size=skip.shape[2:], mode="nearest"))

    model = Wrap(forward, down1=nn.Conv2d(3, 4, 3, 2, 1), down2=nn.Conv2d(4, 4, 3, 2, 1), out=nn.Conv2d(4, 4, 1))
    same_as(model, "conv(3, 2, p=1), parallel([conv(3, 2, p=1), upsample(2)], []), conv(1)", 32)
    with pytest.raises(SymrfError, match="interpolate: interpolation to size= needs the input size"):
        from_torch(model)


# -- layouts ---------------------------------------------------------------------------------------------------------


class ConvNeXtBlock(nn.Module):
    def __init__(self, dim: int = 8) -> None:
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.dwconv(x)
        x = x.permute(0, 2, 3, 1)  # (N, C, H, W) -> (N, H, W, C)
        x = self.pwconv2(self.act(self.pwconv1(self.norm(x))))
        x = self.gamma * x
        return shortcut + x.permute(0, 3, 1, 2)


def test_a_convnext_block_keeps_its_positions_through_channels_last():
    model = nn.Sequential(nn.Conv2d(3, 8, 4, 4), ConvNeXtBlock(), ConvNeXtBlock())
    for size in (None, 64):
        graph = from_torch(model, size)
        assert names(graph) == ["0", "1.dwconv", "1.add", "2.dwconv", "2.add"]
    same_as(model, "conv(4, 4), residual([conv(7, p=3)]), residual([conv(7, p=3)])", 64)


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    batch, channels, height, width = x.size()
    x = x.view(batch, groups, channels // groups, height, width)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(batch, -1, height, width)


def test_a_channel_shuffle_keeps_the_positions():
    def forward(self, x):
        return self.b(channel_shuffle(self.a(x), 2))

    model = Wrap(forward, a=nn.Conv2d(3, 6, 3, padding=1), b=nn.Conv2d(6, 6, 3, 2))
    for size in (None, 32):
        assert names(from_torch(model, size)) == ["a", "b"]
    same_as(model, "conv(3, p=1), conv(3, 2)", 32)


def test_tokens_and_back():
    """A transformer-like layout: positions flattened into tokens, mixed over channels, put back."""
    def forward(self, x):
        x = self.conv(x)
        b, c, h, w = x.shape
        tokens = x.flatten(2).transpose(1, 2)  # (N, HW, C)
        tokens = self.mlp(self.norm(tokens))
        return self.out(tokens.transpose(1, 2).reshape(b, c, h, w))

    model = Wrap(forward, conv=nn.Conv2d(3, 8, 2, 2), norm=nn.LayerNorm(8),
                 mlp=nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.Linear(16, 8)), out=nn.Conv2d(8, 8, 3))
    for size in (None, 32):
        assert names(from_torch(model, size)) == ["conv", "out"]
    same_as(model, "conv(2, 2), conv(3)", 32)


REFUSED = [
    (lambda self, x: self.conv(self.conv(x).view(x.shape[0], 4, 15, 60)[:, :3]), "are not its spatial axes"),
    (lambda self, x: self.fc(self.conv(x)), "Linear layer over some of the spatial axes"),
    (lambda self, x: self.conv(x).mean(2), "mean over some of the spatial axes"),
    (lambda self, x: F.layer_norm(self.conv(x), (30,)), "layer_norm normalises over some of the spatial axes"),
    (lambda self, x: torch.cat([self.conv(x), self.conv(x)], dim=3), "joins tensors along a spatial axis"),
    (lambda self, x: F.pad(self.conv(x), (-1, 0)), "negative padding"),
    (lambda self, x: self.conv(x)[:, :, 1:], "crop"),
    (lambda self, x: self.conv(x)[:, :, 0], "selecting one position"),
    (lambda self, x: F.max_pool2d(self.conv(x).permute(0, 2, 1, 3), 2), "are not its spatial axes"),
    (lambda self, x: self.conv(x).cumsum(2), "cumsum along a spatial axis"),
    (lambda self, x: self.conv(x).repeat(1, 1, 2, 1), "repeat tiles a spatial axis"),
    (lambda self, x: self.conv(x) + self.conv(x).transpose(2, 3), "do not line up"),
    (lambda self, x: F.interpolate(self.conv(x), scale_factor=3, mode="bilinear"), "odd factor"),
    (lambda self, x: F.interpolate(self.conv(x), scale_factor=2, mode="bilinear", align_corners=True),
     "align_corners=True"),
    (lambda self, x: F.interpolate(self.conv(x), scale_factor=1.5), "scale_factor 1.5"),
    (lambda self, x: F.interpolate(self.conv(x), size=(45, 45)), "not by an integer factor"),
    (lambda self, x: F.adaptive_avg_pool2d(self.conv(x), 7), "windows of different sizes"),
    (lambda self, x: F.conv2d(x, self.conv(x)), "weights depend on the input"),
]


@pytest.mark.parametrize(("function", "message"), REFUSED, ids=range(len(REFUSED)))
def test_what_symrf_does_not_know_is_an_error(function, message):
    model = Wrap(function, conv=nn.Conv2d(3, 4, 3), fc=nn.Linear(30, 30))
    with pytest.raises(SymrfError, match=message) as caught:
        from_torch(model, 32)
    assert "\n" not in str(caught.value)


def test_sizes_that_need_the_input_size():
    for function in (lambda self, x: F.adaptive_avg_pool2d(x, 4),
                     lambda self, x: F.interpolate(x, size=(64, 64)),
                     lambda self, x: F.interpolate(x, scale_factor=0.5)):
        with pytest.raises(SymrfError, match="give input_size"):
            from_torch(Wrap(function))


# -- ceil mode, adaptive pooling, transposed convolutions: sizes ----------------------------------------------------


class CeilModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.pool2 = nn.AvgPool2d(2, padding=1, ceil_mode=True)
        self.pool3 = nn.MaxPool2d(3, 3, 1, dilation=2, ceil_mode=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool3(self.pool2(self.pool1(self.conv(x))))


@pytest.mark.parametrize("size", range(17, 33))
def test_ceil_mode_sizes_are_pytorch_s(size):
    model = CeilModel()
    analysis = symrf.analyze(from_torch(model, size), size)
    assert_torch_sizes(model, size, analysis)
    assert [row.size for row in analysis.axis(0).rows] == [torch_sizes(part, size, axes=2)[0] for part in (
        model.conv, nn.Sequential(model.conv, model.pool1), nn.Sequential(model.conv, model.pool1, model.pool2),
        model)]
    floor = spec_analysis("conv(3), pool(3, 2), pool(2, p=1), pool(3, 3, p=1, d=2)", size)
    assert (analysis.rf, analysis.jump, analysis.start) == (floor.rf, floor.jump, floor.start)


def test_ceil_mode_without_input_size_has_a_note():
    imported = import_torch(CeilModel())
    assert any("ceil mode" in note for note in imported.notes)


@pytest.mark.parametrize(("size", "output", "spec"), [
    (24, 6, "pool(4)"), (24, 24, "pool(1)"), (6, 24, "upsample(4)"), (24, (12, 48), "pool((2, 1)), upsample((1, 2))"),
])
def test_adaptive_pooling_to_more_than_one(size, output, spec):
    model = nn.Sequential(nn.Conv2d(3, 3, 3, padding=1), nn.AdaptiveAvgPool2d(output))
    if isinstance(output, tuple):
        with pytest.raises(SymrfError, match="shrinks one axis and grows another"):
            from_torch(model, size)
        return
    same_as(model, f"conv(3, p=1), {spec}", size)


@pytest.mark.parametrize(("stride", "padding", "output_padding"), [(2, 1, 1), (2, 0, 1), (3, 1, 2), (3, 0, 2)])
def test_output_padding_sizes_are_pytorch_s(stride, padding, output_padding):
    model = nn.Sequential(nn.Conv2d(3, 3, 3), nn.ConvTranspose2d(3, 3, 3, stride, padding, output_padding))
    for size in (9, 10):
        assert_torch_sizes(model, size, symrf.analyze(from_torch(model, size), size))


# -- 1-D and 3-D -----------------------------------------------------------------------------------------------------


def test_a_1d_model():
    model = nn.Sequential(nn.Conv1d(2, 4, 5, 2, 2), nn.ReLU(), nn.MaxPool1d(3, 2, 1), nn.Conv1d(4, 4, 3, dilation=2),
                          nn.Upsample(scale_factor=2, mode="linear"), nn.AvgPool1d(2, ceil_mode=True))
    for size in (50, 51):
        analysis = symrf.analyze(from_torch(model, size), size)
        assert analysis.axis_count == 1
        expected = symrf.analyze("conv(5, 2, p=2), pool(3, 2, p=1), conv(3, d=2), convt(4, 2, p=1), pool(2)", size)
        assert (analysis.rf, analysis.jump, analysis.start) == (expected.rf, expected.jump, expected.start)
        assert_torch_sizes(model, size, analysis, channels=2)


def test_a_3d_model():
    model = nn.Sequential(nn.Conv3d(1, 2, 3, stride=(1, 2, 2), padding=1), nn.BatchNorm3d(2), nn.MaxPool3d(2),
                          nn.ConvTranspose3d(2, 2, (1, 2, 2), (1, 2, 2)), nn.AdaptiveAvgPool3d((2, None, None)))
    size = (8, 16, 12)
    got = symrf.analyze(from_torch(model, size), size)
    expected = symrf.analyze("conv(3, s=(1, 2, 2), p=1), pool(2), convt((1, 2, 2), s=(1, 2, 2)), pool((2, 1, 1))",
                             size)
    assert values(got) == values(expected)
    assert_torch_sizes(model, size, got, channels=1)


def test_the_number_of_axes_comes_from_the_first_layer_or_the_input_size():
    with pytest.raises(SymrfError, match="how many spatial axes"):
        from_torch(nn.Sequential(nn.ReLU()))
    assert symrf.analyze(from_torch(Wrap(lambda self, x: F.max_pool2d(x, 2)), 8), 8).rf == (2, 2)
    graph = from_torch(Wrap(lambda self, x: F.interpolate(x, scale_factor=2)), (4, 4, 4))
    assert graph.axis_count == 3
    with pytest.raises(SymrfError, match="acts on 2 spatial axes but the model has 1"):
        from_torch(nn.Sequential(nn.Conv1d(3, 3, 3), nn.Unflatten(1, (3, 1)), nn.MaxPool2d(1)))


# -- up-sampling: the windows are PyTorch's, measured with autograd ---------------------------------------------------


def read_pixels(mode: str, n: int, factor: int, up: bool) -> list[list[int]]:
    """For each output of ``F.interpolate`` on ``n`` pixels, the input pixels it depends on (non-zero gradient)."""
    x = torch.zeros(1, 1, 1, n, dtype=torch.float64, requires_grad=True)
    options = {"scale_factor": (1.0, float(factor) if up else 1.0 / factor), "mode": mode}
    if mode not in ("nearest", "nearest-exact"):
        options["align_corners"] = False
    y = F.interpolate(x, **options)
    reads = []
    for j in range(y.shape[-1]):
        (gradient,) = torch.autograd.grad(y[0, 0, 0, j], x, retain_graph=True)
        reads.append(sorted(int(i) for i in torch.nonzero(gradient[0, 0, 0]).flatten()))
    return reads


@pytest.mark.parametrize(("mode", "family"), [("nearest", "nearest"), ("nearest-exact", "nearest-exact"),
                                              ("bilinear", "linear"), ("bicubic", "cubic")])
@pytest.mark.parametrize("up", [True, False], ids=["up", "down"])
@pytest.mark.parametrize("factor", [1, 2, 3, 4])
def test_interpolation_windows_are_pytorch_s(mode, family, up, factor):
    found = _resampling(family, factor, up)
    n = 12 if up else 24
    measured = read_pixels(mode, n, factor, up)
    if found is None:  # an odd factor of a linear mode, a window that starts after the first pixel (a crop)
        assert (family in ("linear", "cubic") and factor % 2) or (not up and min(measured[0]) > 0)
        return
    kind, kernel, stride, before, after, dilation = found
    modelled = []
    for y in range(len(measured)):
        if up:
            window = transposed_inputs(y, kernel, stride, before, dilation)
        else:
            window = [y * stride - before + j * dilation for j in range(kernel)]
        modelled.append([x for x in window if 0 <= x < n])
    assert modelled == measured
    extent = dilation * (kernel - 1) + 1
    size = (n - 1) * stride + extent - before - after if up else (n + before + after - extent) // stride + 1
    assert size == len(measured) or (not up and after < 0)


def test_interpolation_notes_say_which_windows_are_read():
    imported = import_torch(Wrap(lambda self, x: F.interpolate(x, scale_factor=2, mode="bilinear")), (8, 8))
    assert any("reads up to 2 input pixels" in note and "convt" in note for note in imported.notes)


# -- unknown ops and declarations -----------------------------------------------------------------------------


class Unknowns(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(3, 4, 3)
        self.attn = nn.MultiheadAttention(4, 1)
        self.out = nn.Conv1d(4, 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.roll(self.conv(x), 1, -1)
        tokens = x.permute(2, 0, 1)
        tokens, _ = self.attn(tokens, tokens, tokens)
        x = tokens.permute(1, 2, 0)
        x = x.flip(-1)
        x = torch.roll(x, 2, -1)  # the same type again: listed once
        return self.out(x)


def test_unknown_ops_are_one_error_that_lists_each_type():
    with pytest.raises(SymrfError) as caught:
        from_torch(Unknowns(), 32)
    message = str(caught.value)
    assert "\n" not in message and "3 op types" in message
    assert "torch.roll (at roll)" in message
    assert "torch.nn.modules.activation.MultiheadAttention (at attn)" in message
    assert "Tensor.flip (at flip)" in message
    assert "pointwise=[...]" in message and "global_=[...]" in message and "--pointwise TYPE" in message
    assert "--global TYPE" in message and "strict=False" in message


def test_strict_false_treats_unknown_ops_as_pointwise_with_a_warning_per_type():
    with pytest.warns(UserWarning) as caught:
        graph = from_torch(Unknowns(), 32, strict=False)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 3 and all("treated as pointwise" in m for m in messages)
    imported = import_torch(Unknowns(), 32, strict=False)
    assert imported.warnings == tuple(messages)
    assert names(graph) == ["conv", "out"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        import_torch(Unknowns(), 32, strict=False)  # import_torch returns warnings, it does not emit them


@pytest.mark.parametrize("declared", [
    ["roll", nn.MultiheadAttention, "flip"],
    [torch.roll, "MultiheadAttention", "Tensor.flip"],
    [torch.roll, "MultiheadAttention", torch.Tensor.flip],
    ["torch.roll", "torch.nn.modules.activation.MultiheadAttention", "torch.Tensor.flip"],
])
def test_pointwise_declarations(declared):
    graph = from_torch(Unknowns(), 32, pointwise=declared)
    assert names(graph) == ["conv", "out"]
    analysis = symrf.analyze(graph, 32)
    assert (analysis.rf, analysis.rf_local) == (5, 5)
    graph = from_torch(Unknowns(), 32, pointwise=["roll", "flip"], global_=["MultiheadAttention"])
    # a declared global op keeps the layout; each position gets the whole input as context (its statistics node)
    assert names(graph) == ["conv", "attn.stats", "attn", "out"]
    analysis = symrf.analyze(graph, 32)
    assert (analysis.rf_local, analysis.rf) == (5, 32)


def test_global_declarations():
    def forward(self, x):
        x = self.conv(x)
        return self.out(x + self.context(x))

    class Context(nn.Module):  # a module that reads the whole map
        def forward(self, x):
            return x.flip(-1).cummax(-1).values

    model = Wrap(forward, conv=nn.Conv2d(3, 4, 3, padding=1), context=Context(), out=nn.Conv2d(4, 4, 3, padding=1))
    with pytest.raises(SymrfError, match="Tensor.flip"):
        from_torch(model, 16)
    graph = from_torch(model, 16, global_=[Context])
    assert names(graph) == ["conv", "context.stats", "context", "add", "out"]
    context = graph.nodes[2]
    assert context.inputs == ("conv",) and context.context == ("context.stats",)
    analysis = symrf.analyze(graph, 16)
    assert analysis.rf_local == (5, 5) and analysis.rf == (18, 18)
    assert names(from_torch(model, 16, global_=["Context"])) == names(graph)


@pytest.mark.parametrize(("options", "message"), [
    ({"pointwise": ["roll"], "global_": ["roll"]}, "both pointwise and global"),
    ({"pointwise": [3]}, "neither a class, a function nor a name"),
    ({"global_": [""]}, "empty"),
    ({"pointwise": 3}, "a list of op types"),
])
def test_declarations_are_checked(options, message):
    with pytest.raises(SymrfError, match=message):
        from_torch(nn.Conv2d(3, 3, 3), **options)


def test_a_declared_function_is_one_call():
    model = Wrap(lambda self, x: self.conv(my_gate(x)), conv=nn.Conv2d(3, 3, 3))
    graph = from_torch(model, 16, pointwise=[my_gate])
    assert names(graph) == ["conv"]


def my_gate(x: torch.Tensor) -> torch.Tensor:
    if x.dim() > 8:  # would stop torch.fx: the declared function is not traced into
        return x
    return x * torch.sigmoid(x)


# -- torch.export: the fallback -------------------------------------------------------------------------------------


class ShapeBranch(nn.Module):
    """A branch on the input's shape: torch.fx cannot trace it; torch.export specialises it for the given size."""

    def __init__(self) -> None:
        super().__init__()
        self.body = ResNet((1, 1))
        self.head = nn.Conv2d(3, 3, 5, padding=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] > 32:
            x = self.head(x)
        return self.body(x)


def test_fallback_to_torch_export():
    model = ShapeBranch().eval()
    imported = import_torch(model, 64)
    assert imported.notes[0].startswith("torch.fx could not trace the model (TraceError: ")
    assert "used torch.export with a fake input of size (2, 3, 64, 64)" in imported.notes[0]
    inner = Wrap(lambda self, x: self.body(self.head(x)), head=model.head, body=model.body)
    traced = from_torch(inner, 64)  # the same network, traced by fx
    assert names(imported.graph) == names(traced)
    exported_aliases, traced_aliases = dict(imported.graph.aliases), dict(traced.aliases)
    assert traced_aliases.pop("body.layer3") == "body.layer2.0.add"  # layer3 and layer4: one nn.Identity
    assert exported_aliases == traced_aliases  # an nn.Identity leaves no op for torch.export to see
    got, expected = symrf.analyze(imported.graph, 64), symrf.analyze(traced, 64)
    assert values(got) == values(expected)
    assert got.layer("body.layer2") == expected.layer("body.layer2")
    small = import_torch(model, 32)  # the other branch
    assert "head" not in names(small.graph)


def test_the_model_is_left_as_it_was():
    model = ShapeBranch().train()
    state = {name: value.clone() for name, value in model.state_dict().items()}
    import_torch(model, 64)  # torch.export, in training mode: batch norm would update its statistics on data
    from_torch(model.body)
    assert model.training and all(torch.equal(state[name], value) for name, value in model.state_dict().items())


def test_fallback_reads_functional_ops_and_modules_alike():
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect")
            self.se = SEBlock(4)
            self.se.conv = nn.Conv2d(4, 4, 3, padding=1)

        def forward(self, x):
            if x.shape[2] > 4:
                x = channel_shuffle(self.conv(x), 2)
            x = F.interpolate(self.se(x), scale_factor=2, mode="bilinear")
            x = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
            return F.max_pool2d(x, 3, 2, 1, ceil_mode=True)[:, :, ::2] + 1

    model = Net().eval()
    imported = import_torch(model, 17)
    assert "torch.export" in imported.notes[0]
    assert names(imported.graph) == ["conv", "se.conv", "se.pool", "se.fc1", "se.fc2", "se.mul", "se.conv2",
                                     "interpolate", "max_pool2d", "slice"]
    analysis = symrf.analyze(imported.graph, 17)
    expected = symrf.analyze(
        "conv(3, p=1), conv(3, p=1), conv(3, p=1), convt(4, 2, p=1), pool(3, 2, p=1), pool(1, s=(2, 1))", 17)
    assert (analysis.rf_local, analysis.jump, analysis.start) == (expected.rf, expected.jump, expected.start)
    assert_torch_sizes(model, 17, analysis)


def test_the_fallback_needs_the_input_size():
    with pytest.raises(SymrfError, match="TraceError.*give input_size so that symrf can trace it with torch.export"):
        from_torch(ShapeBranch())


class DataBranch(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.sum() > 0:
            x = x * 2
        return self.conv(x)


def test_a_branch_on_the_input_s_values_cannot_be_traced(capfd):
    with pytest.raises(SymrfError) as caught:
        from_torch(DataBranch(), 16)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("torch.fx could not trace the model (TraceError: ")
    assert "nor could torch.export (" in message and "data-dependent" in message
    captured = capfd.readouterr()
    assert "def forward" not in captured.err  # torch.export's dump of the graph is not shown


def test_unknown_ops_under_torch_export_are_listed_too():
    def forward(self, x):
        if x.shape[-1] > 4:
            x = torch.roll(self.conv(x), 1, -1)
        return self.attn(x.flatten(2).transpose(1, 2), x.flatten(2).transpose(1, 2), x.flatten(2).transpose(1, 2))[0]

    model = Wrap(forward, conv=nn.Conv2d(3, 4, 3), attn=nn.MultiheadAttention(4, 1, batch_first=True))
    with pytest.raises(SymrfError, match=r"aten\.roll \(at roll\).*torch.nn.modules.activation.MultiheadAttention "
                                         r"\(at attn\)"):
        from_torch(model, 16)
    graph = from_torch(model, 16, pointwise=["roll"], global_=[nn.MultiheadAttention])
    assert names(graph) == ["conv", "attn.stats", "attn"]
    assert names(from_torch(model, 16, pointwise=[torch.roll], global_=["MultiheadAttention"])) == names(graph)


# -- outputs -------------------------------------------------------------------------------------------------------


def test_in_place_ops_change_their_argument():
    def forward(self, x):
        y = self.a(x)
        y.add_(self.b(x))  # the result is not used: y is
        y.relu_()
        return self.c(y)

    model = Wrap(forward, a=nn.Conv2d(3, 3, 3, padding=1), b=nn.Conv2d(3, 3, 5, padding=2), c=nn.Conv2d(3, 3, 1))
    graph = from_torch(model, 16)
    assert names(graph) == ["a", "b", "add", "c"] and graph.nodes[-1].inputs == ("add",)


def test_several_outputs_give_the_first_with_a_note():
    model = Wrap(lambda self, x: {"out": self.a(x), "aux": self.b(self.a(x))}, a=nn.Conv2d(3, 3, 3),
                 b=nn.Conv2d(3, 3, 3))
    imported = import_torch(model, 16)
    assert imported.graph.output == "a"
    assert any("returns 2 tensors" in note and "the others are the nodes b" in note for note in imported.notes)


def test_an_output_without_positions_is_an_error():
    model = Wrap(lambda self, x: self.weight * 2)
    model.weight = nn.Parameter(torch.ones(3))
    with pytest.raises(SymrfError, match="does not depend on its input's positions"):
        from_torch(model, (16, 16))
    with pytest.raises(SymrfError, match="no layer was found"):
        from_torch(nn.Sequential(nn.Conv2d(3, 3, 1), nn.ReLU())[1:], (8, 8))


class TwoInputs(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3)

    def forward(self, x: torch.Tensor, y: torch.Tensor, scale: float = 2.0) -> torch.Tensor:
        return self.conv(x + y) * scale


def test_several_inputs_are_an_error():
    with pytest.raises(SymrfError, match=r"several inputs \(x, y\)"):
        from_torch(TwoInputs(), 16)


def test_the_builder_gives_later_aliases_precedence():
    builder = GraphBuilder(1, (16,))
    a = builder.layer("a", "conv", builder.input, (3,), (1,), ((1, 1),), (1,))
    b = builder.layer("b", "conv", a, (3,), (1,), ((1, 1),), (1,))
    builder.alias("block", a)
    builder.alias("block", b)
    builder.alias("a", b)  # a node's own name is never an alias
    builder.alias("stem", builder.input)  # nor is the input a target
    graph = builder.build(b)
    assert dict(graph.aliases) == {"block": "b"}


def test_a_subclass_that_overrides_forward_is_traced_into():
    class LayerNorm2d(nn.LayerNorm):  # torchvision's ConvNeXt: channels first, normalised over the channels
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = x.permute(0, 2, 3, 1)
            x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
            return x.permute(0, 3, 1, 2)

    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), LayerNorm2d(4), nn.Conv2d(4, 4, 3, padding=1))
    analysis = symrf.analyze(from_torch(model, 16), 16)
    assert (analysis.rf, analysis.rf_local) == ((5, 5), (5, 5))
