"""Inception-v4 and Inception-ResNet-v2, built from one small table language.

Reference:
- [Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning](
  https://arxiv.org/abs/1602.07261) (Szegedy, Ioffe, Vanhoucke and Alemi, AAAI 2017)

An Inception *module* runs several *branches* on the same input and concatenates their
outputs along the channel axis. Here a module is written as data, a tuple of branches,
and each branch is a tuple of steps applied one after the other:

- `(filters, kernel_size)` or `(filters, kernel_size, strides, padding)`: a
  Conv2D -> BatchNormalization -> ReLU unit (defaults: stride 1, "same" padding);
  `kernel_size` may be a pair such as `(1, 7)` for the factorised convolutions;
- `"avg"`: 3x3 average pooling, stride 1, "same" padding (padding not counted in the mean);
- `"max"`: 3x3 max pooling, stride 2, "valid" padding (the grid-reduction pool);
- a list of conv steps, as the *last* step only: a fork; each conv is applied to the
  branch so far and their outputs are concatenated (the 1x3 / 3x1 pair of Inception-C).

`inception_module(x, MODULES["inception_a"], name)` then builds one module. The three
registered builders only differ in their stems, their tables and their stage depths:

- `inception_v4`: the pure Inception network of the paper's Figure 9 with the layer
  configuration of the public ports (timm `inception_v4`, Cadene `pretrainedmodels`):
  BatchNormalization with scale and offset, no conv bias, epsilon 1e-3.
- `inception_resnet_v2`: layer for layer the keras.applications `InceptionResNetV2`
  (BatchNormalization without scale, as in TF-slim), so its weights transfer.
- `inception_resnet_mini`: the same modules with fewer repeats and an eighth of the
  width (at least 8 filters per conv), and a small stem for 32x32 grey images
  (Fashion-MNIST padded to 32x32).
"""

import keras
from keras import layers

from convnet_lib._checks import check_float
from convnet_lib._checks import check_int_sequence
from convnet_lib.models._registry import register_model
from convnet_lib.models.common import classification_head
from convnet_lib.models.common import conv_bn
from convnet_lib.models.common import model_input
from convnet_lib.models.common import validate_head_arguments
from convnet_lib.models.common import validate_input_shape

_VALID = "valid"

# Every module of both networks as a table of branches (see the module docstring).
MODULES = {
    # Inception-v4 stem, after three plain convolutions (paper Figure 3).
    "mixed_3a": (
        ("max",),
        ((96, 3, 2, _VALID),),
    ),
    "mixed_4a": (
        ((64, 1), (96, 3, 1, _VALID)),
        ((64, 1), (64, (1, 7)), (64, (7, 1)), (96, 3, 1, _VALID)),
    ),
    "mixed_5a": (
        ((192, 3, 2, _VALID),),
        ("max",),
    ),
    # Inception-v4 modules (paper Figures 4 to 8), at 35x35, 17x17 and 8x8 for 299x299 input.
    "inception_a": (
        ((96, 1),),
        ((64, 1), (96, 3)),
        ((64, 1), (96, 3), (96, 3)),
        ("avg", (96, 1)),
    ),
    "reduction_a": (
        ((384, 3, 2, _VALID),),
        ((192, 1), (224, 3), (256, 3, 2, _VALID)),
        ("max",),
    ),
    "inception_b": (
        ((384, 1),),
        ((192, 1), (224, (1, 7)), (256, (7, 1))),
        ((192, 1), (192, (7, 1)), (224, (1, 7)), (224, (7, 1)), (256, (1, 7))),
        ("avg", (128, 1)),
    ),
    "reduction_b": (
        ((192, 1), (192, 3, 2, _VALID)),
        ((256, 1), (256, (1, 7)), (320, (7, 1)), (320, 3, 2, _VALID)),
        ("max",),
    ),
    "inception_c": (
        ((256, 1),),
        ((384, 1), [(256, (1, 3)), (256, (3, 1))]),
        ((384, 1), (448, (3, 1)), (512, (1, 3)), [(256, (1, 3)), (256, (3, 1))]),
        ("avg", (256, 1)),
    ),
    # Inception-ResNet-v2 as in keras.applications / TF-slim (paper Figure 15 and its blocks).
    "mixed_5b": (
        ((96, 1),),
        ((48, 1), (64, 5)),
        ((64, 1), (96, 3), (96, 3)),
        ("avg", (64, 1)),
    ),
    "block35": (  # Inception-ResNet-A, residual branch only
        ((32, 1),),
        ((32, 1), (32, 3)),
        ((32, 1), (48, 3), (64, 3)),
    ),
    "mixed_6a": (  # Reduction-A with k, l, m, n = 256, 256, 384, 384
        ((384, 3, 2, _VALID),),
        ((256, 1), (256, 3), (384, 3, 2, _VALID)),
        ("max",),
    ),
    "block17": (  # Inception-ResNet-B
        ((192, 1),),
        ((128, 1), (160, (1, 7)), (192, (7, 1))),
    ),
    "mixed_7a": (  # Reduction-B
        ((256, 1), (384, 3, 2, _VALID)),
        ((256, 1), (288, 3, 2, _VALID)),
        ((256, 1), (288, 3), (320, 3, 2, _VALID)),
        ("max",),
    ),
    "block8": (  # Inception-ResNet-C
        ((192, 1),),
        ((192, 1), (224, (1, 3)), (256, (3, 1))),
    ),
}

# Stems: one branch each, applied before the first module.
STEMS = {
    # Inception-v4: three convolutions, then the modules mixed_3a, mixed_4a, mixed_5a.
    "inception_v4": ((32, 3, 2, _VALID), (32, 3, 1, _VALID), (64, 3)),
    # Inception-ResNet-v2 as in keras.applications, then the module mixed_5b.
    "inception_resnet_v2": (
        (32, 3, 2, _VALID),
        (32, 3, 1, _VALID),
        (64, 3),
        "max",
        (80, 1, 1, _VALID),
        (192, 3, 1, _VALID),
        "max",
    ),
    # 32x32 inputs: one convolution at full resolution, then a "same" 2x2 reduction to 16x16.
    "inception_resnet_mini": ((32, 3), "max_same"),
}

# Inception-v4: how many Inception-A, -B and -C modules (paper Figure 9).
INCEPTION_V4_DEPTHS = (4, 7, 3)

# Inception-ResNet variants: stem, blocks per stage (A, B, C), width multiplier of every
# module, default and smallest input size. The smallest size is the one whose last
# "valid" stride-2 reduction still sees a 3x3 map (and so outputs 1x1): for the v2 stem,
# 75 -> 37 -> 35 -> 17 -> 15 -> 7 -> 3 -> 1, as keras.applications says; for the mini,
# 13 -> 7 -> 3 -> 1.
INCEPTION_RESNET_CONFIGS = {
    "inception_resnet_v2": dict(
        stem="inception_resnet_v2", repeats=(10, 20, 10), width=1.0, default_size=299,
        min_size=75,
    ),
    "inception_resnet_mini": dict(
        stem="inception_resnet_mini", repeats=(2, 2, 2), width=0.125, default_size=32,
        min_size=13,
    ),
}

# Residual scaling of the A, B and C blocks (keras.applications / TF-slim values; the
# paper recommends factors between 0.1 and 0.3 to keep very wide networks stable).
RESIDUAL_SCALES = (0.17, 0.1, 0.2)


MIN_FILTERS = 8


def scale_filters(filters, width):
    """Filters of a conv after the width multiplier: `round(filters * width)`, but never
    below 8 (or below `filters` itself), so narrow variants keep usable branches."""
    return max(min(filters, MIN_FILTERS), int(round(filters * width)))


def _apply_step(x, step, name, bn_scale, width):
    """One step of a branch: a conv-BN-ReLU unit or a pooling layer."""
    if step == "avg":
        return layers.AveragePooling2D(3, strides=1, padding="same", name=f"{name}_avgpool")(x)
    if step == "max":
        return layers.MaxPooling2D(3, strides=2, padding="valid", name=f"{name}_maxpool")(x)
    if step == "max_same":
        return layers.MaxPooling2D(3, strides=2, padding="same", name=f"{name}_maxpool")(x)
    filters, kernel_size, strides, padding = (tuple(step) + (1, "same"))[:4]
    return conv_bn(
        x,
        scale_filters(filters, width),
        kernel_size,
        name=name,
        strides=strides,
        padding=padding,
        bn_scale=bn_scale,
    )


def inception_branch(x, steps, name, bn_scale=True, width=1.0):
    """Applies the `steps` of one branch in order; returns a tensor (forks concatenated).

    Layers are named `{name}_{index}_...`, so `branch1` of a module gives `..._branch1_2_conv`.
    """
    for index, step in enumerate(steps, start=1):
        if isinstance(step, list):  # a fork: parallel convs on the branch so far
            outputs = [
                _apply_step(x, conv, f"{name}_{index}{letter}", bn_scale, width)
                for letter, conv in zip("abcdefgh", step)
            ]
            return layers.Concatenate(axis=-1, name=f"{name}_{index}_concat")(outputs)
        x = _apply_step(x, step, f"{name}_{index}", bn_scale, width)
    return x


def inception_module(x, branches, name, bn_scale=True, width=1.0):
    """Runs every branch of `branches` on `x` and concatenates the results (channels last).

    Args:
        x: input tensor (batch, height, width, channels).
        branches: a module table such as `MODULES["inception_a"]`.
        name: prefix of every layer name; the output layer is `{name}_concat`.
        bn_scale: whether BatchNormalization learns a scale (gamma).
        width: multiplier of every conv's filters (1.0 = the paper's module).
    """
    outputs = [
        inception_branch(x, steps, f"{name}_branch{index}", bn_scale, width)
        for index, steps in enumerate(branches)
    ]
    return layers.Concatenate(axis=-1, name=f"{name}_concat")(outputs)


def inception_resnet_block(x, branches, scale, name, activation="relu", width=1.0):
    """An Inception-ResNet block: `activation(x + scale * project(inception(x)))`.

    The Inception branches are concatenated, a linear 1x1 convolution (with bias, no
    BatchNormalization, as in keras.applications) projects them back to the channels of
    `x`, the result is multiplied by `scale` (residual scaling, paper Section 3.3) and
    added to `x`. BatchNormalization here has no scale, like keras.applications.

    Args:
        x: input tensor (batch, height, width, channels).
        branches: the residual branch's module table, e.g. `MODULES["block35"]`.
        scale: factor applied to the residual before the addition (0.1 to 0.3 in the paper).
        name: prefix of every layer name, e.g. "block35_1".
        activation: applied after the addition; None for the linear last block.
        width: multiplier of the branch convs' filters.
    """
    mixed = inception_module(x, branches, f"{name}_mixed", bn_scale=False, width=width)
    residual = layers.Conv2D(x.shape[-1], 1, use_bias=True, name=f"{name}_conv")(mixed)
    residual = layers.Rescaling(scale, name=f"{name}_scale")(residual)
    x = layers.Add(name=f"{name}_add")([x, residual])
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_{activation}")(x)
    return x


@register_model("inception_v4")
def inception_v4(
    include_top=True,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    dropout_rate=0.0,
):
    """Inception-v4 (arXiv:1602.07261, Figure 9): stem, 4 x A, Reduction-A, 7 x B,
    Reduction-B, 3 x C, global average pooling and a classifier.

    Layer configuration of the public PyTorch ports (timm `inception_v4`, Cadene
    `pretrainedmodels`): 42,679,816 trainable parameters at 1000 classes. The default
    input is 299x299x3; the smallest is 75x75.

    Args:
        include_top, input_shape, pooling, classes, classifier_activation: as in
            keras.applications.
        dropout_rate: dropout before the classifier (the paper used keep-probability 0.8,
            i.e. 0.2; the ports default to 0.0).
    """
    validate_head_arguments(include_top, pooling, classes, classifier_activation)
    check_float(dropout_rate, "dropout_rate", minimum=0.0, maximum=1.0)
    # 75 -> 37 -> 35 -> 17 (mixed_3a) -> 15 (mixed_4a) -> 7 (mixed_5a) -> 3 -> 1.
    input_shape = validate_input_shape(
        input_shape, default_size=299, min_size=75, model_name="inception_v4"
    )
    inputs = model_input(input_shape)
    x = inception_branch(inputs, STEMS["inception_v4"], "stem")
    for module in ("mixed_3a", "mixed_4a", "mixed_5a"):
        x = inception_module(x, MODULES[module], module)
    stages = (
        ("inception_a", "reduction_a"),
        ("inception_b", "reduction_b"),
        ("inception_c", None),
    )
    for (module, reduction), depth in zip(stages, INCEPTION_V4_DEPTHS):
        for index in range(1, depth + 1):
            x = inception_module(x, MODULES[module], f"{module}{index}")
        if reduction is not None:
            x = inception_module(x, MODULES[reduction], reduction)
    outputs = classification_head(
        x, include_top, pooling, classes, classifier_activation, dropout_rate=dropout_rate
    )
    return keras.Model(inputs, outputs, name="inception_v4")


def inception_resnet(
    inputs,
    stem,
    repeats,
    width,
    residual_scales,
    include_top,
    pooling,
    classes,
    classifier_activation,
    dropout_rate,
    name,
):
    """The Inception-ResNet-v2 layout on `inputs`: stem, mixed_5b, A blocks, Reduction-A,
    B blocks, Reduction-B, C blocks (the last one linear, scale 1), a 1x1 conv and the head.
    Layer for layer the order of keras.applications `InceptionResNetV2`."""
    x = inception_branch(inputs, STEMS[stem], "stem", bn_scale=False)
    x = inception_module(x, MODULES["mixed_5b"], "mixed_5b", bn_scale=False, width=width)
    stages = (("block35", "mixed_6a"), ("block17", "mixed_7a"), ("block8", None))
    for (block, reduction), depth, scale in zip(stages, repeats, residual_scales):
        for index in range(1, depth + 1):
            last = reduction is None and index == depth
            x = inception_resnet_block(
                x,
                MODULES[block],
                scale=1.0 if last else scale,
                name=f"{block}_{index}",
                activation=None if last else "relu",
                width=width,
            )
        if reduction is not None:
            x = inception_module(x, MODULES[reduction], reduction, bn_scale=False, width=width)
    x = conv_bn(x, scale_filters(1536, width), 1, name="conv_7b", bn_scale=False)
    outputs = classification_head(
        x, include_top, pooling, classes, classifier_activation, dropout_rate=dropout_rate
    )
    return keras.Model(inputs, outputs, name=name)


def _check_residual_scales(residual_scales):
    if not isinstance(residual_scales, (list, tuple)) or len(residual_scales) != 3:
        raise ValueError(
            "`residual_scales` must be a list or tuple of 3 numbers (A, B, C blocks). "
            f"Received: residual_scales={residual_scales!r}"
        )
    return tuple(
        check_float(s, "residual_scales", minimum=0.0, maximum=10.0) for s in residual_scales
    )


@register_model("inception_resnet_v2")
def inception_resnet_v2(
    include_top=True,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    dropout_rate=0.0,
    residual_scales=RESIDUAL_SCALES,
):
    """Inception-ResNet-v2 (arXiv:1602.07261, Figure 15), as keras.applications builds it.

    Same layers in the same order as `keras.applications.InceptionResNetV2` (55,873,736
    parameters at 1000 classes, BatchNormalization without scale), so
    `convnet_lib.weights.transfer_weights` copies its weights. Default input 299x299x3;
    the smallest is 75x75.

    Args:
        include_top, input_shape, pooling, classes, classifier_activation: as in
            keras.applications.
        dropout_rate: dropout before the classifier (keras.applications has none).
        residual_scales: residual scaling of the A, B and C blocks.
    """
    validate_head_arguments(include_top, pooling, classes, classifier_activation)
    check_float(dropout_rate, "dropout_rate", minimum=0.0, maximum=1.0)
    residual_scales = _check_residual_scales(residual_scales)
    config = INCEPTION_RESNET_CONFIGS["inception_resnet_v2"]
    input_shape = validate_input_shape(
        input_shape, config["default_size"], config["min_size"], "inception_resnet_v2"
    )
    return inception_resnet(
        model_input(input_shape),
        config["stem"],
        config["repeats"],
        config["width"],
        residual_scales,
        include_top,
        pooling,
        classes,
        classifier_activation,
        dropout_rate,
        name="inception_resnet_v2",
    )


@register_model("inception_resnet_mini")
def inception_resnet_mini(
    include_top=True,
    input_shape=(32, 32, 1),
    pooling=None,
    classes=10,
    classifier_activation="softmax",
    dropout_rate=0.0,
    residual_scales=RESIDUAL_SCALES,
    repeats=(2, 2, 2),
):
    """A small Inception-ResNet-v2 for 32x32 images (arXiv:1602.07261, scaled down).

    The modules of `inception_resnet_v2` at an eighth of their width (at least 8 filters
    per convolution), `repeats` blocks per stage instead of (10, 20, 10), and a stem of
    one 3x3 convolution and a stride-2 max pool (32x32 -> 16x16 -> 7x7 -> 3x3). The
    smallest input is 13x13.

    Args:
        include_top, input_shape, pooling, classes, classifier_activation: as in
            keras.applications.
        dropout_rate: dropout before the classifier.
        residual_scales: residual scaling of the A, B and C blocks.
        repeats: Inception-ResNet blocks in the A, B and C stages (each at least 1).
    """
    validate_head_arguments(include_top, pooling, classes, classifier_activation)
    check_float(dropout_rate, "dropout_rate", minimum=0.0, maximum=1.0)
    residual_scales = _check_residual_scales(residual_scales)
    repeats = check_int_sequence(repeats, "repeats", minimum=1, length=3)
    config = INCEPTION_RESNET_CONFIGS["inception_resnet_mini"]
    input_shape = validate_input_shape(
        input_shape, config["default_size"], config["min_size"], "inception_resnet_mini"
    )
    return inception_resnet(
        model_input(input_shape),
        config["stem"],
        repeats,
        config["width"],
        residual_scales,
        include_top,
        pooling,
        classes,
        classifier_activation,
        dropout_rate,
        name="inception_resnet_mini",
    )
