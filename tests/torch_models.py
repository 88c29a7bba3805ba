"""Small PyTorch models built in code (no downloads, no torchvision) for the tests of :func:`symrf.from_torch`.

Each model mimics one architecture family with few channels, so that it runs fast on a CPU: a VGG-like chain,
a ResNet-like network (basic and bottleneck blocks, strided 1x1 shortcuts, torchvision's container names
``layer1``, ``layer2``, ...), an Inception block, a DenseNet block, a U-Net, transposed convolutions whose kernel
is not a multiple of their stride, up-sampling by interpolation and pixel shuffle, atrous convolutions (with a
dilated max pooling and ASPP-like branches), squeeze-and-excitation, a ConvNeXt block (channels last), channel
shuffle, 1-D and 3-D networks, ``ceil_mode`` pooling, adaptive average pooling to a size larger than 1, and
models that ``torch.fx`` cannot trace (a branch on the data or on the shape of the input).
"""

from __future__ import annotations

import torch
from torch import nn


def conv_bn_relu(c_in: int, c_out: int, kernel: int = 3, stride: int = 1, padding: int = 1,
                 dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, stride, padding, dilation, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


# -- VGG ---------------------------------------------------------------------------------------------------------


class VGGLike(nn.Module):
    """Blocks of 3x3 convs (padding 1) each followed by a 2x2 max pooling, as ``features`` in torchvision."""

    def __init__(self, widths: tuple[tuple[int, ...], ...] = ((4, 4), (8, 8), (8, 8, 8))) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 3
        for block in widths:
            for width in block:
                layers += [nn.Conv2d(c_in, width, 3, padding=1), nn.ReLU(inplace=True)]
                c_in = width
            layers.append(nn.MaxPool2d(2, 2))
        self.features = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)


# -- ResNet ------------------------------------------------------------------------------------------------------


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.downsample: nn.Module | None = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class Bottleneck(nn.Module):
    """1x1, 3x3 (strided, as in torchvision's ResNet v1.5), 1x1, with a strided 1x1 shortcut when needed."""

    def __init__(self, c_in: int, width: int, c_out: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, c_out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample: nn.Module | None = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNetLike(nn.Module):
    """A ResNet stem (7x7/2 conv, 3x3/2 max pooling), two stages of basic blocks and one of bottlenecks."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BasicBlock(4, 4), BasicBlock(4, 4))
        self.layer2 = nn.Sequential(BasicBlock(4, 8, 2), BasicBlock(8, 8))
        self.layer3 = nn.Sequential(Bottleneck(8, 4, 16, 2), Bottleneck(16, 4, 16))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer3(self.layer2(self.layer1(x)))


# -- Inception ---------------------------------------------------------------------------------------------------


class InceptionBlock(nn.Module):
    def __init__(self, c_in: int) -> None:
        super().__init__()
        self.branch1 = conv_bn_relu(c_in, 4, 1, padding=0)
        self.branch3 = nn.Sequential(conv_bn_relu(c_in, 4, 1, padding=0), conv_bn_relu(4, 4, 3, padding=1))
        self.branch5 = nn.Sequential(conv_bn_relu(c_in, 4, 1, padding=0), conv_bn_relu(4, 4, 5, padding=2))
        self.branch_pool = nn.Sequential(nn.MaxPool2d(3, 1, 1), conv_bn_relu(c_in, 4, 1, padding=0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch1(x), self.branch3(x), self.branch5(x), self.branch_pool(x)], 1)


class InceptionLike(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(conv_bn_relu(3, 8, 7, 2, 3), nn.MaxPool2d(3, 2, ceil_mode=True))
        self.mixed1 = InceptionBlock(8)
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.mixed2 = InceptionBlock(16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mixed2(self.pool(self.mixed1(self.stem(x))))


# -- DenseNet ----------------------------------------------------------------------------------------------------


class DenseLayer(nn.Module):
    def __init__(self, c_in: int, growth: int) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(c_in)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(c_in, 2 * growth, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(2 * growth)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(2 * growth, growth, 3, padding=1, bias=False)

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        x = torch.cat(features, 1)
        return self.conv2(self.relu2(self.norm2(self.conv1(self.relu1(self.norm1(x))))))


class DenseBlock(nn.Module):
    def __init__(self, layers: int, c_in: int, growth: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(DenseLayer(c_in + i * growth, growth) for i in range(layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for layer in self.layers:
            features.append(layer(features))
        return torch.cat(features, 1)


class DenseNetLike(nn.Module):
    """A stem, a dense block, a transition (1x1 conv, 2x2 average pooling) and a second dense block."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 7, 2, 3, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
                                  nn.MaxPool2d(3, 2, 1))
        self.block1 = DenseBlock(3, 8, 4)
        self.transition = nn.Sequential(nn.BatchNorm2d(20), nn.ReLU(inplace=True), nn.Conv2d(20, 8, 1, bias=False),
                                        nn.AvgPool2d(2, 2))
        self.block2 = DenseBlock(3, 8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block2(self.transition(self.block1(self.stem(x))))


# -- U-Net -------------------------------------------------------------------------------------------------------


def double_conv(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(conv_bn_relu(c_in, c_out), conv_bn_relu(c_out, c_out))


class UNetLike(nn.Module):
    """Two max-pooling steps down, two 2x2/2 transposed convolutions up, skips concatenated."""

    def __init__(self) -> None:
        super().__init__()
        self.enc1 = double_conv(3, 4)
        self.pool1 = nn.MaxPool2d(2)
        self.enc2 = double_conv(4, 8)
        self.pool2 = nn.MaxPool2d(2)
        self.bottleneck = double_conv(8, 8)
        self.up2 = nn.ConvTranspose2d(8, 8, 2, 2)
        self.dec2 = double_conv(16, 8)
        self.up1 = nn.ConvTranspose2d(8, 4, 2, 2)
        self.dec1 = double_conv(8, 4)
        self.head = nn.Conv2d(4, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool1(e1))
        b = self.bottleneck(self.pool2(e2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        return self.head(d1)


class UpsampleNet(nn.Module):
    """Transposed convolutions whose kernel is not a multiple of the stride (3x3/2, padding 1, output padding 1),
    so that the output features of different phases see fields of different sizes."""

    def __init__(self) -> None:
        super().__init__()
        self.down = conv_bn_relu(3, 4, 3, 2, 1)
        self.down2 = conv_bn_relu(4, 4, 3, 2, 1)
        self.up1 = nn.ConvTranspose2d(4, 4, 3, 2, 1, output_padding=1)
        self.up2 = nn.ConvTranspose2d(4, 2, 3, 2, 1, output_padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.up2(torch.relu(self.up1(self.down2(self.down(x)))))


class ResamplingNet(nn.Module):
    """Up-sampling without transposed convolutions: nearest (``nn.Upsample``), bilinear (``F.interpolate``) and a
    sub-pixel convolution (``nn.PixelShuffle``); the output is finer than the input (jump 1/2)."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = conv_bn_relu(3, 4, 3, 2, 1)
        self.down = conv_bn_relu(4, 4, 3, 2, 1)
        self.up_nearest = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv_a = conv_bn_relu(4, 4)
        self.conv_b = conv_bn_relu(4, 8)
        self.subpixel = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.PixelShuffle(2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_a(self.up_nearest(self.down(self.stem(x))))
        x = nn.functional.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        return self.subpixel(self.conv_b(x))


# -- atrous ------------------------------------------------------------------------------------------------------


class AtrousNet(nn.Module):
    """Dilated convolutions, a dilated max pooling and ASPP-like parallel branches (rates 1, 2, 4) concatenated."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = conv_bn_relu(3, 4, 3, 2, 1)
        self.atrous1 = conv_bn_relu(4, 4, 3, padding=2, dilation=2)
        self.pool = nn.MaxPool2d(3, 1, padding=2, dilation=2)
        self.atrous2 = conv_bn_relu(4, 4, 3, padding=4, dilation=4)
        self.aspp = nn.ModuleList([conv_bn_relu(4, 4, 1, padding=0), conv_bn_relu(4, 4, 3, padding=2, dilation=2),
                                   conv_bn_relu(4, 4, 3, padding=4, dilation=4)])
        self.project = nn.Conv2d(12, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.atrous2(self.pool(self.atrous1(self.stem(x))))
        return self.project(torch.cat([branch(x) for branch in self.aspp], 1))


# -- squeeze and excitation --------------------------------------------------------------------------------------


class SEGate(nn.Module):
    """Global average pooling, 1x1 convs, sigmoid: one weight per channel."""

    def __init__(self, channels: int, reduced: int) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, reduced, 1)
        self.relu = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(reduced, channels, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.sigmoid(self.fc2(self.relu(self.fc1(self.pool(x)))))


class SEBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = conv_bn_relu(channels, channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.gate = SEGate(channels, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv2(self.conv1(x))
        return torch.relu(out * self.gate(out) + x)


class SENet(nn.Module):
    """A stem, an SE block, a strided conv and a second SE block, then a local conv after the gates."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = conv_bn_relu(3, 4, 3, 2, 1)
        self.block1 = SEBlock(4)
        self.down = conv_bn_relu(4, 4, 3, 2, 1)
        self.block2 = SEBlock(4)
        self.head = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.block2(self.down(self.block1(self.stem(x)))))


# -- ConvNeXt ----------------------------------------------------------------------------------------------------


class ConvNeXtBlock(nn.Module):
    """Depthwise 7x7 conv, then channels last: LayerNorm, Linear, GELU, Linear; back to channels first; residual."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.dwconv(x).permute(0, 2, 3, 1)
        y = self.pwconv2(self.act(self.pwconv1(self.norm(y))))
        return x + y.permute(0, 3, 1, 2)


class ConvNeXtLike(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 4, 4)
        self.stage1 = nn.Sequential(ConvNeXtBlock(8), ConvNeXtBlock(8))
        self.downsample = nn.Conv2d(8, 8, 2, 2)
        self.stage2 = nn.Sequential(ConvNeXtBlock(8))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stage2(self.downsample(self.stage1(self.stem(x))))


# -- channel shuffle ---------------------------------------------------------------------------------------------


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    n, c, h, w = x.size()
    x = x.view(n, groups, c // groups, h, w)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(n, c, h, w)


class ShuffleUnit(nn.Module):
    """ShuffleNet v2's down-sampling unit: two strided branches with depthwise 3x3 convs, concatenated, shuffled."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        half = c_out // 2
        self.branch1 = nn.Sequential(nn.Conv2d(c_in, c_in, 3, 2, 1, groups=c_in, bias=False), nn.BatchNorm2d(c_in),
                                     nn.Conv2d(c_in, half, 1, bias=False), nn.BatchNorm2d(half), nn.ReLU(inplace=True))
        self.branch2 = nn.Sequential(nn.Conv2d(c_in, half, 1, bias=False), nn.BatchNorm2d(half), nn.ReLU(inplace=True),
                                     nn.Conv2d(half, half, 3, 2, 1, groups=half, bias=False), nn.BatchNorm2d(half),
                                     nn.Conv2d(half, half, 1, bias=False), nn.BatchNorm2d(half), nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return channel_shuffle(torch.cat((self.branch1(x), self.branch2(x)), 1), 2)


class ShuffleBasicUnit(nn.Module):
    """ShuffleNet v2's basic unit: split the channels, one half through 1x1, depthwise 3x3, 1x1; concat, shuffle."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        half = channels // 2
        self.branch2 = nn.Sequential(nn.Conv2d(half, half, 1, bias=False), nn.ReLU(inplace=True),
                                     nn.Conv2d(half, half, 3, 1, 1, groups=half, bias=False),
                                     nn.Conv2d(half, half, 1, bias=False), nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1, x2 = x.chunk(2, dim=1)
        return channel_shuffle(torch.cat((x1, self.branch2(x2)), 1), 2)


class ShuffleNetLike(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = conv_bn_relu(3, 4, 3, 2, 1)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.stage2 = nn.Sequential(ShuffleUnit(4, 8), ShuffleBasicUnit(8), ShuffleBasicUnit(8))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stage2(self.maxpool(self.conv1(x)))


# -- other numbers of axes ---------------------------------------------------------------------------------------


class Net1d(nn.Module):
    """A 1-D network (audio-like): strided convs, a dilated conv, max pooling, a residual block."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(2, 4, 9, 3, 4)
        self.bn1 = nn.BatchNorm1d(4)
        self.relu = nn.ReLU(inplace=True)
        self.pool = nn.MaxPool1d(3, 2)
        self.conv2 = nn.Conv1d(4, 4, 5, padding=4, dilation=2)
        self.conv3 = nn.Conv1d(4, 4, 3, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(self.relu(self.bn1(self.conv1(x))))
        x = x + self.relu(self.conv2(x))
        return self.conv3(x)


class Net3d(nn.Module):
    """A 3-D network (video-like): anisotropic kernels and strides, max pooling, a residual block."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv3d(1, 2, (3, 5, 5), (1, 2, 2), (1, 2, 2))
        self.relu = nn.ReLU(inplace=True)
        self.pool = nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1))
        self.conv2 = nn.Conv3d(2, 2, 3, padding=1)
        self.conv3 = nn.Conv3d(2, 2, 3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(self.relu(self.conv1(x)))
        x = x + self.conv2(x)
        return self.conv3(x)


# -- pooling variants --------------------------------------------------------------------------------------------


class CeilPoolNet(nn.Module):
    """Max and average pooling with ``ceil_mode=True`` (GoogLeNet's and SqueezeNet's), on sizes where it matters."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = conv_bn_relu(3, 4, 3, 1, 0)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = conv_bn_relu(4, 4, 3, 1, 1)
        self.pool2 = nn.MaxPool2d(3, 2, 1, ceil_mode=True)
        self.conv3 = conv_bn_relu(4, 4, 3, 1, 1)
        self.pool3 = nn.AvgPool2d(2, 2, ceil_mode=True)
        self.conv4 = nn.Conv2d(4, 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool2(self.conv2(self.pool1(self.conv1(x))))
        return self.conv4(self.pool3(self.conv3(x)))


class AdaptivePoolNet(nn.Module):
    """Adaptive average pooling to a grid larger than 1x1 (and not square), then convolutions."""

    def __init__(self, grid: tuple[int, int] = (16, 12)) -> None:
        super().__init__()
        self.features = nn.Sequential(conv_bn_relu(3, 4, 3, 1, 1), nn.MaxPool2d(2))
        self.adaptive = nn.AdaptiveAvgPool2d(grid)
        self.head = nn.Sequential(conv_bn_relu(4, 4, 3, 1, 1), nn.Conv2d(4, 2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.adaptive(self.features(x)))


# -- models torch.fx cannot trace --------------------------------------------------------------------------------


class DataBranchNet(nn.Module):
    """A branch on the values of the input (``if x.sum() > 0``): torch.fx cannot trace it."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = conv_bn_relu(3, 4, 3, 2, 1)
        self.conv_a = nn.Conv2d(4, 4, 5, padding=2)
        self.conv_b = nn.Conv2d(4, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)
        if x.sum() > 0:
            x = self.conv_a(x)
        else:
            x = self.conv_b(x)
        return self.pool(x)


class ShapeBranchNet(nn.Module):
    """A branch on the shape of the input: torch.fx cannot trace it, torch.export can (it specialises on it)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = conv_bn_relu(3, 4, 3, 2, 1)
        self.conv_a = nn.Conv2d(4, 4, 5, padding=2)
        self.conv_b = nn.Conv2d(4, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)
        if x.shape[-1] > 32:
            x = self.conv_a(x)
        else:
            x = self.conv_b(x)
        return self.pool(x)


# -- an op symrf does not know -------------------------------------------------------------------------------------


class Roll(nn.Module):
    """Shifts the width cyclically (``torch.roll``): its effect on the receptive field is not one symrf knows."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.roll(x, 1, dims=-1)


class Mystery(nn.Module):
    """Two convolutions around :class:`Roll`."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.roll = Roll()
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.roll(self.conv1(x)))
