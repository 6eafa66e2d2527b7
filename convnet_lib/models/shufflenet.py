"""ShuffleNet (v1): grouped 1x1 convolutions, a channel shuffle, depthwise 3x3 convolutions.

Reference:
    Zhang, Zhou, Lin, Sun, "ShuffleNet: An Extremely Efficient Convolutional Neural Network
    for Mobile Devices", CVPR 2018, https://arxiv.org/abs/1707.01083 (Table 1).

A ShuffleNet unit is a ResNet bottleneck made cheap: its two 1x1 convolutions are grouped,
a channel shuffle between them lets information cross the groups, and the 3x3 convolution
is depthwise. The first unit of each stage has stride 2, and it concatenates a 3x3
average-pooled shortcut instead of adding it. Stages 2-4 have 4, 8 and 4 units.

Bianco et al. 2018 (arXiv 1810.00736) chart ShuffleNet 1x with g = 8 groups, from their
repository's `shufflenet.py` (CeLuigi/models-comparison.pytorch, after
ericsun99/ShuffleNet-1g8-Pytorch), which this builder mirrors: `shufflenet` (g = 8) and
`shufflenet_g3` (the same code with g = 3, the paper's main model). That implementation
differs from the paper's Table 1 in ways that change the parameter count, kept here:
every convolution has a bias, and the stem convolution has no BatchNormalization and no
ReLU. Its max pooling pads with -inf, as PyTorch does: here a stride-1 "same" pooling
(TensorFlow ignores padded positions too) keeps every second position, which gives the
same windows. The stride-2 average pooling counts its zero padding (PyTorch's
`count_include_pad=True`): ZeroPadding2D and a "valid" pooling here.
"""

import dataclasses

import keras
from keras import layers

from convnet_lib._checks import check_int
from convnet_lib._checks import check_int_sequence
from convnet_lib.models.common import ModelRow
from convnet_lib.models.common import family_input
from convnet_lib.models.common import classification_head
from convnet_lib.models.common import register_family

# PyTorch's BatchNorm2d epsilon.
BN_EPSILON = 1e-5


@dataclasses.dataclass(frozen=True, kw_only=True)
class ShuffleNetConfig(ModelRow):
    """One row of SHUFFLENET_CONFIGS.

    groups: groups of the 1x1 convolutions (and of the channel shuffle).
    stage_widths: output channels of stages 2, 3 and 4; each a multiple of 4 * groups.
    units: ShuffleNet units in stages 2, 3 and 4 (the first of each has stride 2).
    stem_filters: filters of the stride-2 3x3 stem convolution (a multiple of groups).
    """

    groups: int
    stage_widths: tuple
    units: tuple = (4, 8, 4)
    stem_filters: int = 24

    def __post_init__(self):
        groups = check_int(self.groups, "groups", minimum=1)
        widths = check_int_sequence(self.stage_widths, "stage_widths", minimum=1, length=3)
        if any(width % (4 * groups) for width in widths):
            raise ValueError(
                f"Every entry of `stage_widths` must be a multiple of 4 * groups = "
                f"{4 * groups} (the bottleneck is a quarter wide and grouped). "
                f"Received: stage_widths={widths!r}"
            )
        object.__setattr__(self, "stage_widths", widths)
        units = check_int_sequence(self.units, "units", minimum=1, length=3)
        object.__setattr__(self, "units", units)
        if check_int(self.stem_filters, "stem_filters", minimum=1) % groups:
            raise ValueError(
                f"`stem_filters` must be a multiple of groups ({groups}). "
                f"Received: stem_filters={self.stem_filters!r}"
            )


def _shufflenet_row(groups, stage_widths, reference_params):
    # Reference counts measured with sum(p.numel() for p in model.parameters()) on the
    # ShuffleNet class of CeLuigi/models-comparison.pytorch shufflenet.py (HEAD 51388f0),
    # torch 2.14.1.
    return ShuffleNetConfig(
        groups=groups, stage_widths=stage_widths, input_size=224,
        reference_params=reference_params,
        reference_source=(
            f"CeLuigi/models-comparison.pytorch shufflenet.ShuffleNet(groups={groups})"
        ),
    )


SHUFFLENET_CONFIGS = {
    # ShuffleNet 1x, g = 8: the one Bianco et al. measured (their `shufflenet()`).
    "shufflenet": _shufflenet_row(8, (384, 768, 1536), 2_454_304),
    # ShuffleNet 1x, g = 3: the paper's main model, from the same code.
    "shufflenet_g3": _shufflenet_row(3, (240, 480, 960), 1_877_920),
}


def min_input_size(config):
    """The stem, its pooling and three strided stages divide the input by 32."""
    return 32


def channel_shuffle(x, groups, name):
    """Reorders channels so that each group of the next grouped convolution sees every group.

    Viewing the C channels as a (groups, C / groups) matrix, the shuffle transposes it:
    channel i * (C / groups) + j moves to j * groups + i. Three weight-free layers:
    `{name}_split`, `{name}_transpose`, `{name}_merge`.
    """
    height, width, channels = x.shape[1:]
    x = layers.Reshape((height, width, groups, channels // groups), name=f"{name}_split")(x)
    x = layers.Permute((1, 2, 4, 3), name=f"{name}_transpose")(x)
    return layers.Reshape((height, width, channels), name=f"{name}_merge")(x)


def grouped_pointwise_bn(x, filters, groups, name, activation=None):
    """1x1 Conv2D (bias, `groups` groups) -> BatchNormalization (-> activation)."""
    x = layers.Conv2D(filters, 1, groups=groups, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_{activation}")(x)
    return x


def shuffle_unit(x, out_channels, groups, name, strides=1, group_first=True):
    """One ShuffleNet unit (Zhang et al., Fig. 2b with strides=1, Fig. 2c with strides=2).

    Grouped 1x1 -> BN -> ReLU, channel shuffle, depthwise 3x3 (bias) -> BN, grouped 1x1 ->
    BN, then the shortcut is added (stride 1) or its 3x3/2 average pooling concatenated in
    front (stride 2, so the branch has `out_channels` minus the input's channels), and ReLU.
    The bottleneck is out_channels / 4 wide. `group_first=False` makes the first 1x1
    ungrouped (the first unit of stage 2, whose input has too few channels to group).
    """
    in_channels = x.shape[-1]
    bottleneck = out_channels // 4
    branch_channels = out_channels - in_channels if strides == 2 else out_channels
    y = grouped_pointwise_bn(x, bottleneck, groups if group_first else 1, f"{name}_compress",
                             activation="relu")
    y = channel_shuffle(y, groups, f"{name}_shuffle")
    padding = "same"
    if strides == 2:
        y = layers.ZeroPadding2D(1, name=f"{name}_depthwise_pad")(y)
        padding = "valid"
    y = layers.DepthwiseConv2D(3, strides=strides, padding=padding, name=f"{name}_depthwise")(y)
    y = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_depthwise_bn")(y)
    y = grouped_pointwise_bn(y, branch_channels, groups, f"{name}_expand")
    if strides == 2:
        shortcut = layers.ZeroPadding2D(1, name=f"{name}_shortcut_pad")(x)
        shortcut = layers.AveragePooling2D(3, strides=2, name=f"{name}_shortcut_pool")(shortcut)
        y = layers.Concatenate(name=f"{name}_concat")([shortcut, y])
    else:
        y = layers.Add(name=f"{name}_add")([x, y])
    return layers.Activation("relu", name=f"{name}_relu")(y)


def pytorch_max_pool(x, name):
    """PyTorch's MaxPool2d(3, stride=2, padding=1), whose padding never wins the max.

    TensorFlow's "same" max pooling ignores padded positions, but with stride 2 it would
    centre its windows one pixel later than PyTorch; pooling with stride 1 and keeping
    every second position (a 1x1 pooling with stride 2) gives PyTorch's windows.
    """
    x = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_window")(x)
    return layers.MaxPooling2D(1, strides=2, name=name)(x)


def build_shufflenet(config, name, include_top, input_shape, pooling, classes,
                     classifier_activation):
    """ShuffleNet 1x (Zhang et al., arXiv 1707.01083) from a `ShuffleNetConfig`, as in the
    ShuffleNet that Bianco et al. 2018 measured (biases, a stem without BN/ReLU).

    `config` is a row of the family's table; the other arguments are those of every
    family builder (see `convnet_lib.models.common.register_family`).
    """
    inputs = family_input(config, name, min_input_size(config), include_top, input_shape,
                          pooling, classes, classifier_activation)
    # Stage 1: a strided 3x3 convolution with bias (no BN, no ReLU in the reference), then
    # 3x3/2 max pooling.
    x = layers.ZeroPadding2D(1, name="conv1_pad")(inputs)
    x = layers.Conv2D(config.stem_filters, 3, strides=2, name="conv1")(x)
    x = pytorch_max_pool(x, "pool1")
    for stage, (width, units) in enumerate(zip(config.stage_widths, config.units), start=2):
        for unit in range(1, units + 1):
            x = shuffle_unit(
                x, width, config.groups, name=f"stage{stage}_unit{unit}",
                strides=2 if unit == 1 else 1, group_first=not (stage == 2 and unit == 1),
            )
    outputs = classification_head(x, include_top, pooling, classes, classifier_activation)
    return keras.Model(inputs, outputs, name=name)


SHUFFLENET_BUILDERS = register_family(SHUFFLENET_CONFIGS, build_shufflenet, min_input_size)
