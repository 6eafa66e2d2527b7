"""DenseNet: every layer sees the feature maps of all earlier layers of its block.

Reference:
- [Densely Connected Convolutional Networks](https://arxiv.org/abs/1608.06993)
  (Huang, Liu, van der Maaten and Weinberger, CVPR 2017)

A dense block keeps concatenating: layer `i` receives `[x, f1, ..., f(i-1)]` on the channel
axis and adds `growth_rate` new channels, so `num_layers` layers map C channels to
C + num_layers * growth_rate at the same height and width. A transition layer between
blocks (BN -> ReLU -> 1x1 conv -> 2x2 average pooling) shrinks channels by `compression`
and halves height and width. DenseNet-BC adds a 1x1 "bottleneck" conv of 4 * growth_rate
channels in front of every 3x3 conv (B) and compression 0.5 (C); DenseNet-121/169/201 are
DenseNet-BC. The ImageNet builders build their layers in the order of
keras.applications.DenseNet (BN epsilon 1.001e-5), so `convnet_lib.weights.transfer_weights`
copies weights between the two.

    >>> from convnet_lib.models import build_model
    >>> model = build_model("densenet_bc_mini")          # 32x32x1 inputs, 10 classes

Every registered DenseNet is a row of `DENSENET_CONFIGS` (a frozen `DenseNetConfig`);
`densenet(block_sizes, ...)` builds any other, as keras.applications' `DenseNet(blocks)`.
"""

import dataclasses

import keras
from keras import layers

from convnet_lib._checks import check_bool
from convnet_lib._checks import check_choice
from convnet_lib._checks import check_float
from convnet_lib._checks import check_int
from convnet_lib._checks import check_int_sequence
from convnet_lib.models.common import ModelRow
from convnet_lib.models.common import family_input
from convnet_lib.models.common import classification_head
from convnet_lib.models.common import register_family

# keras.applications.DenseNet uses this BN epsilon everywhere (the Torch original's 1e-5),
# and Keras' default BN momentum: moving statistics move 1% of the way per training step.
BN_EPSILON = 1.001e-5
BN_MOMENTUM = 0.99

# How each stem shrinks the input before the first dense block.
STEMS = {
    "imagenet": 4,  # 7x7/2 conv -> BN -> ReLU -> 3x3/2 max pool (keras.applications)
    "cifar": 1,  # one 3x3 conv, no BN (DenseNet-BC on CIFAR, arXiv:1608.06993 Sec. 3)
    "small": 2,  # 3x3 conv -> BN -> ReLU -> 2x2 max pool (the ImageNet stem, shrunk)
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class DenseNetConfig(ModelRow):
    """One row of DENSENET_CONFIGS.

    block_sizes: layers in each dense block, e.g. (6, 12, 24, 16) for DenseNet-121; a
        transition layer follows every block but the last.
    growth_rate: k, the channels every dense layer adds.
    bottleneck: put a 1x1 conv of 4k channels before each 3x3 conv (DenseNet-B).
    compression: fraction of channels a transition keeps (0.5 in DenseNet-C/BC).
    stem: a key of `STEMS`: "imagenet" (7x7/2 conv, BN, ReLU, 3x3/2 max pool),
        "small" (3x3 conv, BN, ReLU, 2x2 max pool) or "cifar" (one 3x3 conv).
    stem_filters: channels out of the stem; None means 2 * growth_rate (64 at k = 32).
    bn_momentum: BatchNormalization momentum of every BN layer. 0.99 (Keras' default)
        needs a few thousand steps before the moving variance, which starts at 1, forgets
        its start; 0.9 (PyTorch's and the Torch original's default) suits short runs of
        small models.
    """

    block_sizes: tuple
    growth_rate: int = 32
    bottleneck: bool = True
    compression: float = 0.5
    stem: str = "imagenet"
    stem_filters: int = None
    bn_momentum: float = BN_MOMENTUM

    def __post_init__(self):
        block_sizes = check_int_sequence(self.block_sizes, "block_sizes", minimum=1)
        if not block_sizes:
            raise ValueError(
                f"`block_sizes` must name at least one dense block. Received: "
                f"block_sizes={self.block_sizes!r}"
            )
        object.__setattr__(self, "block_sizes", block_sizes)
        check_int(self.growth_rate, "growth_rate", minimum=1)
        check_bool(self.bottleneck, "bottleneck")
        check_float(self.compression, "compression", minimum=0.0, maximum=1.0)
        if self.compression == 0.0:
            raise ValueError(
                f"`compression` must be > 0. Received: compression={self.compression!r}"
            )
        check_choice(self.stem, "stem", STEMS)
        if self.stem_filters is not None:
            check_int(self.stem_filters, "stem_filters", minimum=1)
        check_float(self.bn_momentum, "bn_momentum", minimum=0.0, maximum=1.0)


DENSENET_CONFIGS = {
    # DenseNet-BC of the paper (arXiv:1608.06993, Table 1), growth rate 32: layer for
    # layer keras.applications.DenseNet121/169/201, trainable parameters as torchvision.
    "densenet121": DenseNetConfig(
        block_sizes=(6, 12, 24, 16), input_size=224, keras_twin="DenseNet121",
        reference_params=7_978_856, reference_source="torchvision densenet121",
    ),
    "densenet169": DenseNetConfig(
        block_sizes=(6, 12, 32, 32), input_size=224, keras_twin="DenseNet169",
        reference_params=14_149_480, reference_source="torchvision densenet169",
    ),
    "densenet201": DenseNetConfig(
        block_sizes=(6, 12, 48, 32), input_size=224, keras_twin="DenseNet201",
        reference_params=20_013_928, reference_source="torchvision densenet201",
    ),
    # DenseNet-161: growth rate 48 and a 96-filter stem (Huang et al.'s released ImageNet
    # model, the widest of the four that torchvision ships).
    "densenet161": DenseNetConfig(
        block_sizes=(6, 12, 36, 24), growth_rate=48, stem_filters=96, input_size=224,
        reference_params=28_681_000, reference_source="torchvision densenet161",
    ),
    # The notebook's DenseNet (not from the paper): ImageNet stem, 4 blocks of 4 plain
    # BN-ReLU-3x3 layers, k = 32; channels per stage 64 -> 192 -> 96 -> 224 -> 112 ->
    # 240 -> 120 -> 248.
    "densenet_teaching": DenseNetConfig(
        block_sizes=(4, 4, 4, 4), bottleneck=False, input_size=224,
    ),
    # DenseNet-BC for 32x32 images (after the paper's CIFAR models): a 3x3 conv + 2x2
    # max-pool stem so the blocks run at 16, 8 and 4 pixels (about a quarter of the FLOPs
    # of blocks at 32 pixels), k = 12; BN momentum 0.9 so that the moving statistics are
    # usable after a few hundred training steps.
    "densenet_bc_mini": DenseNetConfig(
        block_sizes=(4, 4, 4), growth_rate=12, stem="small", bn_momentum=0.9,
        input_size=32, input_channels=1, classes=10,
    ),
    # densenet_bc_mini without bottleneck and compression (a plain DenseNet), its growth
    # rate and stem narrowed so that it has about the same parameters (notebook 03, 7.2).
    "densenet_mini": DenseNetConfig(
        block_sizes=(4, 4, 4), growth_rate=10, bottleneck=False, compression=1.0,
        stem="small", stem_filters=22, bn_momentum=0.9,
        input_size=32, input_channels=1, classes=10,
    ),
}

# Layers per dense block of the ImageNet models that keras.applications also ships (a view
# of DENSENET_CONFIGS).
DENSENET_BLOCK_SIZES = {
    name: config.block_sizes
    for name, config in DENSENET_CONFIGS.items()
    if config.keras_twin is not None
}


def bn_relu(x, name, bn_momentum=BN_MOMENTUM):
    """BN -> ReLU, the pre-activation in front of every DenseNet conv.

    Layers `{name}_bn` and `{name}_relu`; BN epsilon 1.001e-5 as in keras.applications.
    """
    x = layers.BatchNormalization(
        epsilon=BN_EPSILON, momentum=bn_momentum, name=f"{name}_bn"
    )(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def dense_layer(x, growth_rate, name, bottleneck=True, bn_momentum=BN_MOMENTUM):
    """One layer of a dense block: its new feature maps concatenated onto its input.

    Plain (DenseNet): BN -> ReLU -> 3x3 conv(growth_rate).
    Bottleneck (DenseNet-B): BN -> ReLU -> 1x1 conv(4 * growth_rate) -> BN -> ReLU ->
    3x3 conv(growth_rate). The output has `growth_rate` more channels than `x`.
    Layer names follow keras.applications: `{name}_0_bn`, `{name}_1_conv`, ...,
    `{name}_2_conv`, `{name}_concat`.
    """
    check_int(growth_rate, "growth_rate", minimum=1)
    check_bool(bottleneck, "bottleneck")
    check_float(bn_momentum, "bn_momentum", minimum=0.0, maximum=1.0)
    y = bn_relu(x, f"{name}_0", bn_momentum)
    if bottleneck:
        y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(y)
        y = bn_relu(y, f"{name}_1", bn_momentum)
    y = layers.Conv2D(
        growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv"
    )(y)
    return layers.Concatenate(axis=-1, name=f"{name}_concat")([x, y])


def dense_block(x, num_layers, growth_rate, name, bottleneck=True, bn_momentum=BN_MOMENTUM):
    """`num_layers` dense layers in a row: C channels in, C + num_layers * growth_rate out.

    Height and width do not change. Layers are named `{name}_block1`, `{name}_block2`, ...
    """
    check_int(num_layers, "num_layers", minimum=1)
    check_int(growth_rate, "growth_rate", minimum=1)
    for index in range(1, num_layers + 1):
        x = dense_layer(
            x, growth_rate, name=f"{name}_block{index}", bottleneck=bottleneck,
            bn_momentum=bn_momentum,
        )
    return x


def transition_layer(x, compression, name, bn_momentum=BN_MOMENTUM):
    """BN -> ReLU -> 1x1 conv -> 2x2 average pooling between two dense blocks.

    The conv keeps `int(channels * compression)` channels (compression 0.5 in DenseNet-BC,
    1.0 in plain DenseNet); the pooling halves height and width (odd sizes round down).
    """
    check_float(compression, "compression", minimum=0.0, maximum=1.0)
    channels = int(x.shape[-1] * compression)
    if channels < 1:
        raise ValueError(
            f"`compression` leaves no channels: int({x.shape[-1]} * {compression}) = "
            f"{channels}. Use a compression in (0, 1] with at least one channel left. "
            f"Received: compression={compression!r}"
        )
    x = bn_relu(x, name, bn_momentum)
    x = layers.Conv2D(channels, 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def _stem(x, stem, filters, bn_momentum):
    """The layers before the first dense block; see `STEMS`."""
    if stem == "imagenet":
        # 7x7/2 conv -> BN -> ReLU -> 3x3/2 max pool, padded as keras.applications does.
        x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(x)
        x = layers.Conv2D(filters, 7, strides=2, use_bias=False, name="conv1_conv")(x)
        x = bn_relu(x, "conv1", bn_momentum)
        x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
        return layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    if stem == "small":
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name="conv1_conv")(x)
        x = bn_relu(x, "conv1", bn_momentum)
        return layers.MaxPooling2D(2, strides=2, name="pool1")(x)
    # CIFAR DenseNet-BC: one 3x3 conv, no BN (the first dense layer starts with BN-ReLU).
    return layers.Conv2D(filters, 3, padding="same", use_bias=False, name="conv1_conv")(x)


def min_input_size(config):
    """Each transition halves the size and the stem divides it by `STEMS[stem]`; the
    ImageNet stem needs at least 32x32, as keras.applications.DenseNet says."""
    size = 2 ** (len(config.block_sizes) - 1) * STEMS[config.stem]
    return max(size, 32 if config.stem == "imagenet" else 1)


def build_densenet(config, name, include_top, input_shape, pooling, classes,
                   classifier_activation):
    """A DenseNet (arXiv:1608.06993) from a `DenseNetConfig`.

    The ImageNet rows build their layers in the order of keras.applications.DenseNet, so
    `convnet_lib.weights.transfer_weights` copies weights between the two.

    `config` is a row of the family's table; the other arguments are those of every
    family builder (see `convnet_lib.models.common.register_family`).
    """
    inputs = family_input(config, name, min_input_size(config), include_top, input_shape,
                          pooling, classes, classifier_activation)
    momentum = config.bn_momentum
    stem_filters = config.stem_filters or 2 * config.growth_rate
    x = _stem(inputs, config.stem, stem_filters, momentum)
    for index, num_layers in enumerate(config.block_sizes):
        x = dense_block(
            x, num_layers, config.growth_rate, name=f"conv{index + 2}",
            bottleneck=config.bottleneck, bn_momentum=momentum,
        )
        if index < len(config.block_sizes) - 1:
            x = transition_layer(x, config.compression, name=f"pool{index + 2}",
                                 bn_momentum=momentum)
    # Pre-activation layers need a last BN-ReLU before pooling.
    x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=momentum, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    outputs = classification_head(x, include_top, pooling, classes, classifier_activation)
    return keras.Model(inputs, outputs, name=name)


def densenet(
    block_sizes,
    include_top=True,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    growth_rate=32,
    bottleneck=True,
    compression=0.5,
    stem="imagenet",
    stem_filters=None,
    bn_momentum=BN_MOMENTUM,
    default_size=224,
    name="densenet",
):
    """Builds a DenseNet (arXiv:1608.06993) from its block sizes, e.g. (6, 12, 24, 16).

    The options are those of `DenseNetConfig`; `default_size` is the height and width
    used when `input_shape` is None, `name` the model's name. The registered models are
    rows of `DENSENET_CONFIGS`: `build_model("densenet121")`.
    """
    config = DenseNetConfig(
        block_sizes=block_sizes, growth_rate=growth_rate, bottleneck=bottleneck,
        compression=compression, stem=stem, stem_filters=stem_filters,
        bn_momentum=bn_momentum, input_size=check_int(default_size, "default_size", minimum=1),
    )
    return build_densenet(config, name, include_top, input_shape, pooling, classes,
                          classifier_activation)


register_family(DENSENET_CONFIGS, build_densenet, min_input_size)
