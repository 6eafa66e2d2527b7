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

from convnet_lib.models._registry import register_model
from convnet_lib.models.common import classification_head
from convnet_lib.models.common import model_input
from convnet_lib.models.common import validate_head_arguments
from convnet_lib.models.common import validate_input_shape

# PyTorch's BatchNorm2d epsilon.
BN_EPSILON = 1e-5
MIN_INPUT_SIZE = 32


@dataclasses.dataclass(frozen=True, kw_only=True)
class ShuffleNetConfig:
    """One row of SHUFFLENET_CONFIGS.

    groups: groups of the 1x1 convolutions (and of the channel shuffle).
    stage_widths: output channels of stages 2, 3 and 4.
    units: ShuffleNet units in stages 2, 3 and 4 (the first of each has stride 2).
    stem_filters: filters of the stride-2 3x3 stem convolution.
    reference_params: trainable parameters of the reference model at 1000 classes.
    """

    groups: int
    stage_widths: tuple
    reference_params: int
    units: tuple = (4, 8, 4)
    stem_filters: int = 24


# Reference counts measured with sum(p.numel() for p in model.parameters()) on the
# ShuffleNet class of CeLuigi/models-comparison.pytorch shufflenet.py (HEAD 51388f0),
# torch 2.14.1.
SHUFFLENET_CONFIGS = {
    "shufflenet": ShuffleNetConfig(groups=8, stage_widths=(384, 768, 1536),
                                   reference_params=2_454_304),
    "shufflenet_g3": ShuffleNetConfig(groups=3, stage_widths=(240, 480, 960),
                                      reference_params=1_877_920),
}


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


def _shufflenet(config, model_name, include_top, input_shape, pooling, classes,
                classifier_activation):
    validate_head_arguments(include_top, pooling, classes, classifier_activation)
    input_shape = validate_input_shape(
        input_shape, default_size=224, min_size=MIN_INPUT_SIZE, model_name=model_name
    )
    inputs = model_input(input_shape)
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
    return keras.Model(inputs, outputs, name=model_name)


def _register(model_name, config):
    """Makes, documents and registers the builder of one row of SHUFFLENET_CONFIGS."""

    def builder(
        include_top=True,
        input_shape=None,
        pooling=None,
        classes=1000,
        classifier_activation="softmax",
    ):
        return _shufflenet(config, model_name, include_top, input_shape, pooling, classes,
                           classifier_activation)

    builder.__name__ = builder.__qualname__ = model_name
    builder.__doc__ = (
        f"ShuffleNet 1x, g = {config.groups} (Zhang et al., arXiv 1707.01083), as in the\n"
        "    ShuffleNet that Bianco et al. 2018 measured (biases, a stem without BN/ReLU).\n\n"
        f"    Stage widths {config.stage_widths}, units {config.units}.\n\n"
        "    Args:\n"
        "        include_top, input_shape, pooling, classes, classifier_activation: as in\n"
        f"            keras.applications (default input 224x224x3, at least "
        f"{MIN_INPUT_SIZE}x{MIN_INPUT_SIZE}).\n"
    )
    return register_model(
        model_name,
        input_size=224,
        min_input_size=MIN_INPUT_SIZE,
        reference_params=config.reference_params,
        reference_source=(
            f"CeLuigi/models-comparison.pytorch shufflenet.ShuffleNet(groups={config.groups})"
        ),
    )(builder)


shufflenet = _register("shufflenet", SHUFFLENET_CONFIGS["shufflenet"])
shufflenet_g3 = _register("shufflenet_g3", SHUFFLENET_CONFIGS["shufflenet_g3"])
