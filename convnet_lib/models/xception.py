"""Xception: an Inception whose modules are depthwise separable convolutions.

Reference: François Chollet, "Xception: Deep Learning with Depthwise Separable
Convolutions", CVPR 2017, https://arxiv.org/abs/1610.02357 (architecture: Figure 5).

The network is 36 convolution layers in 14 modules: an entry flow (a two-convolution stem
and three downsampling modules), a middle flow (one module repeated 8 times) and an exit
flow (one downsampling module and two separable convolutions). Every module except the
first and the last has a linear residual connection; every convolution is followed by
batch normalization. Depth and widths are data (`XCEPTION_CONFIGS`), so the ImageNet model
and the small Fashion-MNIST variant come from the same builder.
"""

import keras
from keras import layers

from convnet_lib._checks import check_choice
from convnet_lib._checks import check_float
from convnet_lib._checks import check_int
from convnet_lib._checks import check_int_sequence
from convnet_lib.models._registry import register_model
from convnet_lib.models.common import classification_head
from convnet_lib.models.common import conv_bn
from convnet_lib.models.common import model_input
from convnet_lib.models.common import validate_head_arguments
from convnet_lib.models.common import validate_input_shape

# Depth and widths of each registered model. The middle flow keeps the last entry width.
XCEPTION_CONFIGS = {
    "xception": dict(
        stem_filters=(32, 64), stem_strides=2, stem_padding="valid",
        entry_filters=(128, 256, 728), middle_repeats=8,
        exit_filters=(728, 1024), head_filters=(1536, 2048),
    ),
    # For 32x32 images: a padded stride-2 stem (16x16 after it), two entry modules
    # (8x8, 4x4), three middle modules at 4x4, the exit module (2x2).
    "xception_mini": dict(
        stem_filters=(32, 64), stem_strides=2, stem_padding="same",
        entry_filters=(64, 128), middle_repeats=3,
        exit_filters=(128, 256), head_filters=(256, 384),
    ),
}

# The smallest input of the ImageNet layout (stride-2 unpadded stem), as keras.applications.
IMAGENET_STEM_MIN_SIZE = 71


def sepconv_bn(x, filters, name, relu_first=True):
    """(ReLU ->) 3x3 SeparableConv2D -> BatchNormalization, the unit every module repeats.

    Layers are named `{name}_act`, `{name}` and `{name}_bn`. The paper puts the ReLU in
    front of each separable convolution (pre-activation) so that the sum of a residual
    module stays linear.
    """
    if relu_first:
        x = layers.Activation("relu", name=f"{name}_act")(x)
    x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(name=f"{name}_bn")(x)


def downsampling_module(x, filters, name, relu_first=True):
    """Two separable convolutions, 3x3/2 max pooling, plus a strided 1x1 conv shortcut.

    `filters` is (first, second); the shortcut projects to the second width. This is the
    module of the entry flow (`relu_first=False` for the first, which follows the stem's
    ReLU) and of the exit flow.
    """
    first, second = filters
    # The shortcut is built first: keras.applications does, and `transfer_weights` pairs
    # layers in model order.
    shortcut = conv_bn(x, second, 1, strides=2, activation=None, name=f"{name}_shortcut")
    x = sepconv_bn(x, first, name=f"{name}_sepconv1", relu_first=relu_first)
    x = sepconv_bn(x, second, name=f"{name}_sepconv2")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"{name}_pool")(x)
    return layers.Add(name=f"{name}_add")([x, shortcut])


def middle_module(x, filters, name):
    """Three ReLU-SeparableConv-BN units with an identity shortcut (the middle flow)."""
    shortcut = x
    for unit in range(1, 4):
        x = sepconv_bn(x, filters, name=f"{name}_sepconv{unit}")
    return layers.Add(name=f"{name}_add")([x, shortcut])


def _xception(
    include_top,
    input_shape,
    pooling,
    classes,
    classifier_activation,
    stem_filters,
    stem_strides,
    stem_padding,
    entry_filters,
    middle_repeats,
    exit_filters,
    head_filters,
    dropout_rate,
    default_size,
    model_name,
):
    validate_head_arguments(include_top, pooling, classes, classifier_activation)
    stem_filters = check_int_sequence(stem_filters, "stem_filters", minimum=1, length=2)
    check_choice(stem_strides, "stem_strides", (1, 2))
    check_choice(stem_padding, "stem_padding", ("valid", "same"))
    entry_filters = check_int_sequence(entry_filters, "entry_filters", minimum=1)
    if not entry_filters:
        raise ValueError(
            "`entry_filters` must name at least one entry module. "
            f"Received: entry_filters={entry_filters!r}"
        )
    check_int(middle_repeats, "middle_repeats", minimum=0)
    exit_filters = check_int_sequence(exit_filters, "exit_filters", minimum=1, length=2)
    head_filters = check_int_sequence(head_filters, "head_filters", minimum=1, length=2)
    check_float(dropout_rate, "dropout_rate", minimum=0.0, maximum=1.0)
    if stem_strides == 2 and stem_padding == "valid":
        min_size = IMAGENET_STEM_MIN_SIZE
    else:
        # At least one pixel left after every stride-2 step (stem, entry and exit modules).
        min_size = stem_strides * 2 ** (len(entry_filters) + 1)
    input_shape = validate_input_shape(
        input_shape, default_size=default_size, min_size=min_size, model_name=model_name
    )

    inputs = model_input(input_shape)
    # Module 1, the stem: two regular convolutions (with 1 or 3 input channels a
    # separable convolution would save nothing). ImageNet layout: stride 2, unpadded.
    x = conv_bn(inputs, stem_filters[0], 3, strides=stem_strides, padding=stem_padding,
                name="block1_conv1")
    x = conv_bn(x, stem_filters[1], 3, padding=stem_padding, name="block1_conv2")

    # Entry flow: downsampling modules with 1x1 conv shortcuts.
    block = 2
    for index, filters in enumerate(entry_filters):
        x = downsampling_module(
            x, (filters, filters), name=f"block{block}", relu_first=index > 0
        )
        block += 1
    # Middle flow: identity-shortcut modules at the last entry width.
    for _ in range(middle_repeats):
        x = middle_module(x, entry_filters[-1], name=f"block{block}")
        block += 1
    # Exit flow: one more downsampling module, then two separable convolutions with ReLU
    # after (not before) each, and no shortcut.
    x = downsampling_module(x, exit_filters, name=f"block{block}")
    block += 1
    for unit, filters in enumerate(head_filters, start=1):
        x = sepconv_bn(x, filters, name=f"block{block}_sepconv{unit}", relu_first=False)
        x = layers.Activation("relu", name=f"block{block}_sepconv{unit}_act")(x)

    outputs = classification_head(
        x, include_top, pooling, classes, classifier_activation, dropout_rate=dropout_rate
    )
    return keras.Model(inputs, outputs, name=model_name)


_IMAGENET = XCEPTION_CONFIGS["xception"]


@register_model("xception")
def xception(
    include_top=True,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    stem_filters=_IMAGENET["stem_filters"],
    stem_strides=_IMAGENET["stem_strides"],
    stem_padding=_IMAGENET["stem_padding"],
    entry_filters=_IMAGENET["entry_filters"],
    middle_repeats=_IMAGENET["middle_repeats"],
    exit_filters=_IMAGENET["exit_filters"],
    head_filters=_IMAGENET["head_filters"],
    dropout_rate=0.0,
):
    """Xception (Chollet, 2017, https://arxiv.org/abs/1610.02357), 299x299 by default.

    With the default options it has the layers of `keras.applications.Xception`, in the
    same order (22,910,480 parameters with the top), so `transfer_weights` can copy that
    model's weights into this one.

    Args:
        include_top, input_shape, pooling, classes, classifier_activation: as in
            keras.applications. `input_shape` defaults to (299, 299, 3); with the
            ImageNet stem (stride 2, "valid" padding) it must be at least 71x71.
        stem_filters: widths of the two regular 3x3 convolutions of the stem.
        stem_strides: stride of the first stem convolution, 1 or 2.
        stem_padding: "valid" (ImageNet: the stem trims 2 pixels per convolution) or
            "same" (small images: keep every pixel).
        entry_filters: width of each entry-flow module (each halves the resolution).
        middle_repeats: number of middle-flow modules (8 in the paper).
        exit_filters: the two widths of the exit-flow downsampling module.
        head_filters: widths of the two separable convolutions that end the network.
        dropout_rate: dropout before the classifier (0 in the paper).
    """
    return _xception(
        include_top, input_shape, pooling, classes, classifier_activation,
        stem_filters, stem_strides, stem_padding, entry_filters, middle_repeats,
        exit_filters, head_filters, dropout_rate, default_size=299, model_name="xception",
    )


@register_model("xception_mini")
def xception_mini(
    include_top=True,
    input_shape=(32, 32, 1),
    pooling=None,
    classes=10,
    classifier_activation="softmax",
    dropout_rate=0.0,
):
    """A small Xception for 32x32 images such as padded Fashion-MNIST.

    The same builder as `xception` (https://arxiv.org/abs/1610.02357) with the depth and
    widths of `XCEPTION_CONFIGS["xception_mini"]`: a "same"-padded stride-2 stem, two
    entry modules instead of three, 3 middle-flow modules instead of 8, narrower layers
    (about 0.5 M parameters).

    Args:
        include_top, input_shape, pooling, classes, classifier_activation: as in
            keras.applications; `input_shape` defaults to (32, 32, 1).
        dropout_rate: dropout before the classifier.
    """
    return _xception(
        include_top, input_shape, pooling, classes, classifier_activation,
        **XCEPTION_CONFIGS["xception_mini"], dropout_rate=dropout_rate, default_size=32,
        model_name="xception_mini",
    )
